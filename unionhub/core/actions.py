"""Writes of core objects, and the scoped save that every app's actions are built on."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from .auth import twofactor
from .auth.lockout import unlock_usernames
from .choices import Action, SecurityEventKind
from .exceptions import OutOfScope
from .models import AccessLog, Federation, Notification, RoleAssignment, User
from .scoping import ensure_in_scope, forget_grants
from .security_log import record as record_security_event

M = TypeVar("M", bound=models.Model)
# Security events name accounts by id only (no personal data in log lines).
security_log = logging.getLogger("unionhub.security")


def save_scoped(instance: M, *, actor: User, fields: list[str] | None = None) -> M:
    """Validate, save and re-check one scoped row inside one transaction.

    A new row must land where the actor may add; a changed row must stay where the actor
    may change. Otherwise OutOfScope is raised and nothing is written. ``actor`` is
    recorded in the change history.
    """
    action = Action.ADD if instance._state.adding else Action.CHANGE
    with transaction.atomic():
        if not instance._state.adding:
            # The row as stored must be in scope too: no taking over someone else's row.
            ensure_in_scope(instance, actor, Action.CHANGE)
        instance.full_clean()
        instance._history_user = actor  # type: ignore[attr-defined]
        instance.save(update_fields=fields)
        ensure_in_scope(instance, actor, action)
    return instance


def delete_scoped(instance: models.Model, *, actor: User) -> None:
    with transaction.atomic():
        ensure_in_scope(instance, actor, Action.DELETE)
        instance._history_user = actor  # type: ignore[attr-defined]
        instance.delete()


def do_save_federation(federation: Federation, *, actor: User) -> Federation:
    return save_scoped(federation, actor=actor)


def do_save_user(user: User, *, actor: User) -> User:
    return save_scoped(user, actor=actor)


def do_assign_role(assignment: RoleAssignment, *, actor: User) -> RoleAssignment:
    """Bind a federation role; the node must be one the actor may change (no self-promotion upwards).

    The node is checked first, against the actor's grants as they were before this write,
    so an actor granting themselves a role cannot use the new grant to approve it.
    """
    with transaction.atomic():
        ensure_in_scope(assignment.federation, actor, Action.CHANGE)
        save_scoped(assignment, actor=actor)
    forget_grants(assignment.user)
    return assignment


def do_log_access(
    *, actor: User, action: str, obj: models.Model, field: str = "", reason: str = "", ip: str | None = None
) -> AccessLog:
    """Record a reveal of personal data (or an unmasked export, or a cross-scope lookup).

    A reveal or lookup is also a security event; an unmasked export has its security event
    from the export's start (with every other export), so each is logged there once.
    """
    federation_path = getattr(obj, "federation_path", "") or getattr(obj, "path", "") or actor.federation_path
    entry = AccessLog.objects.create(
        user=actor,
        action=action,
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        field=field,
        reason=reason,
        ip_address=ip,
        federation_path=federation_path,
    )
    if not action.startswith("export"):
        record_security_event(
            SecurityEventKind.REVEAL if action == "reveal" else SecurityEventKind.LOOKUP,
            actor=actor,
            ip=ip,
            obj=obj,
            detail={"field": field} if field else {"action": action},
            federation_path=federation_path,
        )
    return entry


def do_reveal(obj: Any, field: str, *, actor: User, reason: str = "", ip: str | None = None) -> str:
    """Show one protected field in full: needs the REVEAL action on the row, and is logged."""
    with transaction.atomic():
        ensure_in_scope(obj, actor, Action.REVEAL)
        value = {"phone": obj.reveal_phone, "id_number": obj.reveal_id_number}[field]()
        do_log_access(actor=actor, action="reveal", obj=obj, field=field, reason=reason, ip=ip)
    return value


def do_log_own_access(obj: models.Model, *, fields: list[str], ip: str | None = None) -> AccessLog:
    """Record that the person a record is about read its protected fields in full themselves.

    A member downloading a copy of their own data (PIPL art. 45) is logged like a reveal: an
    access-log row with no staff user and a security event with no actor (``by_member``), in
    the record's scope, naming the fields and never their values.
    """
    federation_path = getattr(obj, "federation_path", "")
    field = ",".join(fields)
    with transaction.atomic():
        entry = AccessLog.objects.create(
            user=None,
            action="own_copy",
            model=obj._meta.label_lower,
            object_id=str(obj.pk),
            field=field,
            reason="copy of their own data (PIPL art. 45)",
            ip_address=ip,
            federation_path=federation_path,
        )
        record_security_event(
            SecurityEventKind.REVEAL,
            ip=ip,
            obj=obj,
            detail={"field": field, "by": "member", "action": "own_copy"},
            federation_path=federation_path,
            by_member=True,
        )
    return entry


def do_mark_notification_read(notification: Notification, *, actor: User) -> Notification:
    """Mark an inbox row read. Only its recipient may; marking again keeps the first time."""
    if notification.recipient_id != actor.pk:
        raise OutOfScope()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


def _changeable(users: Iterable[User], actor: User) -> list[User]:
    """The given accounts that the actor may change; the others are left alone, as if missing."""
    return list(User.objects.restrict(actor, Action.CHANGE).filter(pk__in=[user.pk for user in users]))


def do_unlock_logins(users: Iterable[User], *, actor: User) -> int:
    """Lift the log-in lockout of these accounts (their failed attempts are forgotten).

    Returns how many of them the actor could unlock. An address locked by failures on many
    accounts stays locked until its time has passed (or a superuser deletes its attempts).
    """
    with transaction.atomic():
        allowed = _changeable(users, actor)
        unlock_usernames(user.get_username() for user in allowed)
        for user in allowed:
            record_security_event(SecurityEventKind.UNLOCK, user=user, actor=actor)
    for user in allowed:
        security_log.info("log-in unlocked: user %s by user %s", user.pk, actor.pk)
    return len(allowed)


def do_reset_second_factor(users: Iterable[User], *, actor: User) -> int:
    """Remove the second-factor devices of these accounts (a lost phone); they enrol again at next log-in.

    Returns how many accounts were reset.
    """
    with transaction.atomic():
        allowed = _changeable(users, actor)
        for user in allowed:
            devices = twofactor.reset(user)
            record_security_event(
                SecurityEventKind.TWO_FACTOR_RESET, user=user, actor=actor, detail={"devices": devices}
            )
    for user in allowed:
        security_log.info("second factor reset: user %s by user %s", user.pk, actor.pk)
    return len(allowed)
