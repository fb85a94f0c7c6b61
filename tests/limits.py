"""The public side's counters in Redis, forgotten between tests.

Redis is shared with Celery's broker, so it is never flushed whole: only DRF's rate-limit
counters and the members' one-time codes (with their send limits) are deleted.
"""

from __future__ import annotations

from django.core.cache import cache

PUBLIC_LIMIT_KEYS = ("*throttle_public*", "*member-code:*")


def forget_public_limits() -> None:
    client = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
    for pattern in PUBLIC_LIMIT_KEYS:
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
