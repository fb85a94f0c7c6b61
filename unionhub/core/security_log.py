"""The security log: one SecurityEvent row per security-relevant event, kept for auditors.

Written from Django's and django-axes' signals (log-in succeeded or failed, lockout),
from saves and deletions of role bindings (federation roles here; zone, union and station
bindings registered by their apps through ``core.admin.register_user_inline``), from a
password being set on an existing account, and from the actions that unlock accounts,
reset or set up second factors, reveal personal data, look across scopes and export.
``purge`` deletes what is older than ``SECURITY_LOG_RETENTION_DAYS`` (at least six
months: Cybersecurity Law art. 21), together with django-axes' expired attempt rows.

No personal data beyond the event's need: accounts by key, records by type and key, the
client address; never a typed user name, ID number or phone number.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Channel, SecurityEventKind, SecurityEventResult
from .models import RoleAssignment, SecurityEvent, User
from .notify import notify

PURGE_BATCH = 10_000
ROLE_NODES = ("station", "union", "zone", "federation")  # the most specific node a binding has


def current_request() -> HttpRequest | None:
    """The request being served, if any (simple-history's middleware keeps it for its own records)."""
    return getattr(HistoricalRecords.context, "request", None)


def _ip(request: Any) -> str | None:
    from .auth.lockout import client_ip

    return client_ip(request) if request is not None and hasattr(request, "META") else None


def _signed_in(request: Any) -> User | None:
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


def record(
    kind: str,
    *,
    result: str = SecurityEventResult.SUCCESS,
    user: User | None = None,
    actor: User | None = None,
    request: Any = None,
    ip: str | None = None,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    federation_path: str | None = None,
    by_member: bool = False,
) -> SecurityEvent:
    """Write one event. The request (default: the one being served) gives the address and actor.

    ``by_member``: the person the record is about did it themselves (a member session, no
    account), so no staff user signed in in the same browser is named as the actor.

    The event lands in the scope of the record it is about, else of the account, else of the
    actor; an event about nobody known (a failed log-in to a name that is no account) has no
    scope and only superusers see it.
    """
    request = request if request is not None else current_request()
    actor = None if by_member else actor or _signed_in(request)
    if federation_path is None:
        federation_path = next(
            (
                path
                for path in (
                    getattr(obj, "federation_path", None) or getattr(obj, "path", None) if obj is not None else None,
                    user.federation_path if user is not None else None,
                    actor.federation_path if actor is not None else None,
                )
                if path
            ),
            "",
        )
    event = SecurityEvent.objects.create(
        kind=kind,
        result=result,
        user=user,
        actor=actor,
        ip_address=ip or _ip(request),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        federation_path=federation_path,
    )
    if kind in ACCOUNT_HOLDER_NOTICES and user is not None:
        tell_the_account_holder(event, user)
    return event


# Events the account holder hears about at once, in the inbox and by e-mail (ASVS 2.2.3): someone
# who did not cause one of these learns that their account is under attack or in other hands.
ACCOUNT_HOLDER_NOTICES = {
    SecurityEventKind.LOCKOUT: _("Your UnionHub account was locked after repeated failed log-ins"),
    SecurityEventKind.PASSWORD_CHANGE: _("The password of your UnionHub account was changed"),
    SecurityEventKind.TWO_FACTOR_ENROL: _("A second factor was set up for your UnionHub account"),
    SecurityEventKind.TWO_FACTOR_RESET: _("The second factor of your UnionHub account was reset"),
}


def tell_the_account_holder(event: SecurityEvent, user: User) -> None:
    body = gettext("At %(when)s from the address %(address)s. If it was not you, tell your federation's staff at once.")
    body %= {"when": timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M"), "address": event.ip_address or "-"}
    notify(
        [user],
        key=f"security-event:{event.pk}",
        title=str(ACCOUNT_HOLDER_NOTICES[SecurityEventKind(event.kind)]),
        body=body,
        channels=(Channel.INBOX, Channel.EMAIL),
    )


def _account(username: Any) -> User | None:
    """The account a typed user name belongs to, if any (the name itself is never stored)."""
    if not isinstance(username, str) or not username:
        return None
    return get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()


# ------------------------------------------------------------------------------------------
# Signal receivers (connected in CoreConfig.ready)


def on_logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    record(SecurityEventKind.LOGIN, user=user, actor=user, request=request)


def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    user = _account(credentials.get("username"))
    detail: dict[str, Any] = {"step": "second_factor" if sender == "unionhub.core.auth.twofactor" else "password"}
    if user is None:
        detail["account"] = "unknown"
    # Axes (whose receiver runs first) refused it: the account or address was locked already.
    if _failures_beyond_limit(request, credentials) > 0:
        detail["refused_while_locked_out"] = True
    record(
        SecurityEventKind.LOGIN,
        result=SecurityEventResult.FAILURE,
        user=user,
        actor=user,
        request=request,
        detail=detail,
    )


def _failures_beyond_limit(request: Any, credentials: Any) -> int:
    """How many failures past the lockout limit this attempt is (0: the attempt that reached it)."""
    from axes.helpers import get_failure_limit

    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return -1
    return int(failures - get_failure_limit(request, credentials))


def on_locked_out(
    sender: Any, request: Any = None, username: Any = None, ip_address: Any = None, **kwargs: Any
) -> None:
    # Axes signals again for every attempt refused during the lockout; only its start is an event
    # (the refused attempts are failed log-ins, marked so).
    if _failures_beyond_limit(request, getattr(request, "axes_credentials", None)) != 0:
        return
    user = _account(username)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    record(
        SecurityEventKind.LOCKOUT,
        result=SecurityEventResult.FAILURE,
        user=user,
        actor=user,
        request=request,
        ip=ip_address,
        detail={"failures": request.axes_failures_since_start, "minutes": minutes},
    )


def on_user_saving(sender: Any, instance: User, **kwargs: Any) -> None:
    # AbstractBaseUser keeps a newly set raw password in ``_password`` until after post_save.
    if getattr(instance, "_password", None) is not None and instance.pk:
        stored = get_user_model().objects.filter(pk=instance.pk).values_list("password", flat=True).first()
        instance._had_password = bool(stored) and is_password_usable(stored)  # type: ignore[attr-defined]


def on_user_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    """A password replaced on an existing account (the first one given to a new account is not a change)."""
    if created or getattr(instance, "_password", None) is None or not getattr(instance, "_had_password", False):
        return
    instance._had_password = False  # type: ignore[attr-defined]
    request = current_request()
    actor = _signed_in(request)
    record(
        SecurityEventKind.PASSWORD_CHANGE,
        user=instance,
        actor=actor,
        request=request,
        detail={"by": "self" if actor is not None and actor.pk == instance.pk else "staff"},
    )


def _binding_detail(instance: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"role": getattr(instance, "role", "") or instance._meta.model_name}
    for node in ROLE_NODES:
        if f"{node}_id" in instance.__dict__:
            detail["node"], detail["node_id"] = node, getattr(instance, f"{node}_id")
            break
    return detail


def _binding_actor(instance: Any) -> User | None:
    return getattr(instance, "_history_user", None) or _signed_in(current_request())


def on_binding_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    record(
        SecurityEventKind.ROLE_GRANT if created else SecurityEventKind.ROLE_CHANGE,
        user=instance.user,
        actor=_binding_actor(instance),
        obj=instance,
        detail=_binding_detail(instance),
    )


def on_binding_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    user = get_user_model().objects.filter(pk=instance.user_id).first()  # gone when the account itself is
    record(
        SecurityEventKind.ROLE_REVOKE,
        user=user,
        actor=_binding_actor(instance),
        obj=instance,
        detail=_binding_detail(instance),
        federation_path=getattr(instance, "federation_path", None) or None,
    )


def track_role_binding(model: type[models.Model]) -> None:
    """Log grants, changes and withdrawals of a model that binds a user to a role on a node."""
    uid = f"security_log:{model._meta.label_lower}"
    post_save.connect(on_binding_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(on_binding_deleted, sender=model, dispatch_uid=uid)


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_logged_in, dispatch_uid="security_log:login")
    user_login_failed.connect(on_login_failed, dispatch_uid="security_log:login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="security_log:lockout")
    pre_save.connect(on_user_saving, sender=get_user_model(), dispatch_uid="security_log:password")
    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="security_log:password")
    track_role_binding(RoleAssignment)


# ------------------------------------------------------------------------------------------
# Retention


def _delete_in_batches(queryset: models.QuerySet[Any]) -> int:
    deleted = 0
    while True:
        batch = list(queryset.values_list("pk", flat=True)[:PURGE_BATCH])
        if not batch:
            return deleted
        deleted += queryset.model._base_manager.filter(pk__in=batch).delete()[0]


def purge(now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete security events older than the retention, with django-axes' spent rows.

    Axes' attempts stop counting once older than the lockout time (the failed log-ins stay
    here, without the typed name); its log of log-ins goes at the same retention as ours.
    Deleting by age, it can run any number of times.
    """
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as LoginLog

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.SECURITY_LOG_RETENTION_DAYS)
    return {
        "security events": _delete_in_batches(SecurityEvent.objects.filter(at__lt=cutoff)),
        "axes attempts": _delete_in_batches(
            AccessAttempt.objects.filter(attempt_time__lt=now - settings.AXES_COOLOFF_TIME)
        ),
        "axes log-ins": _delete_in_batches(LoginLog.objects.filter(attempt_time__lt=cutoff)),
        "axes failures": _delete_in_batches(AccessFailureLog.objects.filter(attempt_time__lt=cutoff)),
    }
