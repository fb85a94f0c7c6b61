"""Writes of core objects, and the scoped save that every app's actions are built on."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from .choices import Action
from .exceptions import OutOfScope
from .models import AccessLog, Federation, Notification, RoleAssignment, User
from .scoping import ensure_in_scope, forget_grants

M = TypeVar("M", bound=models.Model)


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
    """Record a reveal of personal data (or an unmasked export, or a cross-scope lookup)."""
    return AccessLog.objects.create(
        user=actor,
        action=action,
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        field=field,
        reason=reason,
        ip_address=ip,
        federation_path=getattr(obj, "federation_path", "") or getattr(obj, "path", "") or actor.federation_path,
    )


def do_reveal(obj: Any, field: str, *, actor: User, reason: str = "", ip: str | None = None) -> str:
    """Show one protected field in full: needs the REVEAL action on the row, and is logged."""
    with transaction.atomic():
        ensure_in_scope(obj, actor, Action.REVEAL)
        value = {"phone": obj.reveal_phone, "id_number": obj.reveal_id_number}[field]()
        do_log_access(actor=actor, action="reveal", obj=obj, field=field, reason=reason, ip=ip)
    return value


def do_mark_notification_read(notification: Notification, *, actor: User) -> Notification:
    """Mark an inbox row read. Only its recipient may; marking again keeps the first time."""
    if notification.recipient_id != actor.pk:
        raise OutOfScope()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification
