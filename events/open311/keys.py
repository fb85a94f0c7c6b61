"""Making, revoking and checking Open311 API keys."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from unionhub.core import security_log
from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action, SecurityEventKind
from unionhub.core.models import User
from unionhub.core.scoping import ensure_in_scope

from .models import Open311Key, hash_key, new_key

# last_used_at is written at most this often per key, not on every request.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def do_create_open311_key(key: Open311Key, *, actor: User) -> str:
    """Save a new key for ``key.federation`` and ``key.name``; returns the key itself, which is never
    stored and cannot be shown again."""
    plain = new_key()
    key.prefix = plain[:10]
    key.key_hash = hash_key(plain)
    key.created_by = actor
    with transaction.atomic():
        save_scoped(key, actor=actor)
        # A key opens the federation's grievances to an outside system: logged like a role granted.
        security_log.record(SecurityEventKind.ROLE_GRANT, actor=actor, obj=key, detail=_detail(key))
    return plain


def do_revoke_open311_key(key: Open311Key, *, actor: User) -> Open311Key:
    """Revoke a key: every request made with it is refused from now on (revoking twice changes nothing)."""
    with transaction.atomic():
        key = Open311Key.objects.select_for_update().get(pk=key.pk)
        ensure_in_scope(key, actor, Action.CHANGE)
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            security_log.record(SecurityEventKind.ROLE_REVOKE, actor=actor, obj=key, detail=_detail(key))
    return key


def _detail(key: Open311Key) -> dict[str, object]:
    return {"role": "open311_key", "node": "federation", "node_id": key.federation_id, "key": key.prefix}


def key_for(api_key: str) -> Open311Key | None:
    """The active key ``api_key`` is, with its federation; None for anything else. Marks it used."""
    if not api_key or len(api_key) > 200:
        return None
    key = (
        Open311Key.objects.select_related("federation")
        .filter(key_hash=hash_key(api_key), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
