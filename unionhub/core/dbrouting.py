"""Send dashboard and report reads to a PostgreSQL streaming replica, when one is configured.

Set DATABASE_REPLICA_URL and wrap read-heavy work in ``reading_from_replica()``: every query
inside it reads from the replica; writes always go to the primary. Without a replica the
context changes nothing, so the same code runs on one machine and on many.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_use_replica: ContextVar[bool] = ContextVar("use_replica", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


class ReplicaRouter:
    """Reads inside ``reading_from_replica()`` go to the replica; everything else to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _use_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"
