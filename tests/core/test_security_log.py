"""The security log: each security-relevant event is one row, holds no personal data beyond its
need, is kept SECURITY_LOG_RETENTION_DAYS (at least six months) and can be filtered and exported
by auditors in their scope, the export itself logged.
"""

from __future__ import annotations

import datetime
import json

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.roster.exports import do_start_member_export
from tests.factories import (
    FederationFactory,
    MemberFactory,
    RoleAssignmentFactory,
    UserFactory,
    ZoneFactory,
    ZoneStaffFactory,
)
from unionhub.core.actions import (
    delete_scoped,
    do_assign_role,
    do_log_access,
    do_reset_second_factor,
    do_reveal,
    do_unlock_logins,
)
from unionhub.core.choices import Role, SecurityEventKind, SecurityEventResult
from unionhub.core.models import AccessLog, Notification, RoleAssignment, SecurityEvent
from unionhub.core.pii_scan import id_numbers_in
from unionhub.core.security_log import ACCOUNT_HOLDER_NOTICES, purge
from unionhub.core.tasks import purge_security_log

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-1"  # UserFactory's
LOGIN = "/admin/login/?next=/admin/"
OFFICE = "10.1.1.1"
K = SecurityEventKind


def staff(federation=None, role=Role.FEDERATION_STAFF):
    federation = federation or FederationFactory()
    user = UserFactory(federation=federation)
    RoleAssignmentFactory(user=user, role=role, federation=federation)
    return user


def log_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=OFFICE)


def events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("id"))


def personal_data_in(event: SecurityEvent, *secrets: str) -> list[str]:
    """ID numbers (by their checksum) and the given strings found anywhere in the row."""
    text = json.dumps({f.attname: str(getattr(event, f.attname)) for f in event._meta.concrete_fields})
    return id_numbers_in(text) + [secret for secret in secrets if secret and secret in text]


@pytest.fixture
def clean_log():
    """Tests start from an empty log (creating their users may have logged role grants)."""

    def clear():
        SecurityEvent.objects.all().delete()

    return clear


# ---------------------------------------------------------------------------------------------
# Log-ins


def test_a_log_in_is_one_event_with_the_account_and_address(clean_log):
    user = staff()
    clean_log()

    log_in(Client(), user.username)

    (event,) = SecurityEvent.objects.all()
    assert (event.kind, event.result, event.user, event.actor, event.ip_address) == (
        K.LOGIN,
        SecurityEventResult.SUCCESS,
        user,
        user,
        OFFICE,
    )
    assert event.federation_path == user.federation_path


def test_a_failed_log_in_names_the_account_but_never_what_was_typed(clean_log):
    user = staff()
    clean_log()

    log_in(Client(), user.username, "wrong-password-1")
    log_in(Client(), "no-such-account-1", "wrong-password-2")

    known, unknown = events(K.LOGIN)
    assert (known.result, known.user, known.detail) == (SecurityEventResult.FAILURE, user, {"step": "password"})
    assert (unknown.user, unknown.detail) == (None, {"step": "password", "account": "unknown"})
    assert unknown.federation_path == ""  # about no one in any scope: superusers only
    for event in (known, unknown):
        assert not personal_data_in(event, "no-such-account-1", "wrong-password-1", "wrong-password-2")


def test_a_lockout_is_logged_once_and_refused_attempts_are_marked(settings, clean_log):
    settings.AXES_FAILURE_LIMIT = 3
    user = staff()
    clean_log()

    for _ in range(3):
        log_in(Client(), user.username, "wrong-password-1")
    refused = log_in(Client(), user.username)

    assert refused.status_code == 429
    (lockout,) = events(K.LOCKOUT)
    assert (lockout.user, lockout.ip_address, lockout.detail["failures"]) == (user, OFFICE, 3)
    failures = events(K.LOGIN)
    assert [e.result for e in failures] == [SecurityEventResult.FAILURE] * 4
    assert failures[-1].detail.get("refused_while_locked_out") is True
    assert not any(e.detail.get("refused_while_locked_out") for e in failures[:3])


def test_unlocking_is_logged_with_who_unlocked(settings, clean_log):
    settings.AXES_FAILURE_LIMIT = 3
    federation = FederationFactory()
    locked, admin_user = staff(federation), staff(federation)
    clean_log()

    do_unlock_logins([locked], actor=admin_user)

    (event,) = SecurityEvent.objects.all()
    assert (event.kind, event.user, event.actor) == (K.UNLOCK, locked, admin_user)


def test_a_wrong_second_factor_code_is_a_failed_log_in_at_that_step(settings, clean_log):
    settings.TWO_FACTOR_ROLES = [Role.FEDERATION_STAFF]
    user = staff()
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    log_in(client, user.username)
    clean_log()

    client.post(reverse("staff-login:second-factor"), {"code": "000000", "next": "/admin/"}, REMOTE_ADDR=OFFICE)

    (event,) = SecurityEvent.objects.all()
    assert (event.kind, event.result, event.user, event.detail) == (
        K.LOGIN,
        SecurityEventResult.FAILURE,
        user,
        {"step": "second_factor"},
    )


# ---------------------------------------------------------------------------------------------
# Second factor and passwords


def test_setting_up_and_resetting_a_second_factor_are_logged(settings, clean_log):
    settings.TWO_FACTOR_ROLES = [Role.FEDERATION_STAFF]
    federation = FederationFactory()
    user, colleague = staff(federation), staff(federation)
    client = Client()
    log_in(client, user.username)
    client.get(reverse("staff-login:enrol-app") + "?next=/admin/")
    device = TOTPDevice.objects.get(user=user)
    clean_log()

    client.post(reverse("staff-login:enrol-app"), {"code": f"{totp(device.bin_key):06d}", "next": "/admin/"})
    do_reset_second_factor([user], actor=colleague)

    enrol, login, reset = SecurityEvent.objects.order_by("id")
    assert (enrol.kind, enrol.user, enrol.detail) == (K.TWO_FACTOR_ENROL, user, {"device": "app"})
    assert (login.kind, login.user) == (K.LOGIN, user)
    assert (reset.kind, reset.user, reset.actor, reset.detail) == (K.TWO_FACTOR_RESET, user, colleague, {"devices": 1})


def test_a_password_change_is_logged_but_the_first_password_is_not_a_change(clean_log):
    clean_log()
    user = staff()  # the factory sets the first password
    assert not events(K.PASSWORD_CHANGE)
    client = Client()
    log_in(client, user.username)

    client.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-7",
            "new_password2": "a-new-long-passphrase-7",
        },
        REMOTE_ADDR=OFFICE,
    )
    user.set_password("set-by-a-script-9")
    user.save()

    by_self, by_script = events(K.PASSWORD_CHANGE)
    assert (by_self.user, by_self.actor, by_self.ip_address, by_self.detail) == (user, user, OFFICE, {"by": "self"})
    assert (by_script.user, by_script.actor, by_script.detail) == (user, None, {"by": "staff"})
    for event in (by_self, by_script):
        assert not personal_data_in(event, "a-new-long-passphrase-7", "set-by-a-script-9", PASSWORD)


# ---------------------------------------------------------------------------------------------
# The account holder is told (ASVS 2.2.3)


def notices_to(user) -> list[tuple[str, list[str]]]:
    """Each inbox notice the user got, with the outside channels it also went out on."""
    return [
        (n.title, sorted(n.deliveries.values_list("channel", flat=True)))
        for n in Notification.objects.filter(recipient=user).order_by("id")
    ]


def test_the_account_holder_hears_of_a_lockout_a_password_change_and_a_second_factor_reset(settings):
    settings.AXES_FAILURE_LIMIT = 3
    federation = FederationFactory()
    user, colleague = staff(federation), staff(federation)
    user.email = "wang@example.org"
    user.save()
    Notification.objects.all().delete()

    for _ in range(3):
        log_in(Client(), user.username, "wrong-password-1")
    do_unlock_logins([user], actor=colleague)
    user.set_password("set-by-staff-long-9")
    user.save()
    do_reset_second_factor([user], actor=colleague)

    assert notices_to(user) == [
        (str(ACCOUNT_HOLDER_NOTICES[K.LOCKOUT]), ["email"]),
        (str(ACCOUNT_HOLDER_NOTICES[K.PASSWORD_CHANGE]), ["email"]),
        (str(ACCOUNT_HOLDER_NOTICES[K.TWO_FACTOR_RESET]), ["email"]),
    ]
    lockout = Notification.objects.filter(recipient=user).earliest("id")
    assert OFFICE in lockout.body and "wrong-password-1" not in lockout.body
    assert notices_to(colleague) == []


def test_ordinary_log_ins_and_failures_notify_nobody(clean_log):
    user = staff()
    Notification.objects.all().delete()

    log_in(Client(), user.username)
    log_in(Client(), user.username, "wrong-password-1")
    log_in(Client(), "nobody-by-this-name", "wrong-password-1")

    assert not Notification.objects.exists()


# ---------------------------------------------------------------------------------------------
# Roles


def test_granting_changing_and_withdrawing_a_role_are_logged_with_who_did_it(clean_log):
    federation = FederationFactory()
    boss, clerk = staff(federation), UserFactory(federation=federation)
    clean_log()

    assignment = do_assign_role(RoleAssignment(user=clerk, role=Role.LEADERSHIP, federation=federation), actor=boss)
    assignment.role = Role.FEDERATION_STAFF
    do_assign_role(assignment, actor=boss)
    delete_scoped(assignment, actor=boss)

    grant, change, revoke = SecurityEvent.objects.order_by("id")
    assert [e.kind for e in (grant, change, revoke)] == [K.ROLE_GRANT, K.ROLE_CHANGE, K.ROLE_REVOKE]
    assert {(e.user_id, e.actor_id, e.federation_path) for e in (grant, change, revoke)} == {
        (clerk.pk, boss.pk, federation.path)
    }
    assert grant.detail == {"role": Role.LEADERSHIP, "node": "federation", "node_id": federation.pk}
    assert revoke.detail["role"] == Role.FEDERATION_STAFF


def test_zone_roles_are_logged_too(clean_log):
    zone = ZoneFactory()
    clean_log()

    binding = ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF)

    (grant,) = events(K.ROLE_GRANT)
    assert (grant.user, grant.detail) == (binding.user, {"role": Role.ZONE_CHIEF, "node": "zone", "node_id": zone.pk})


# ---------------------------------------------------------------------------------------------
# Personal data: reveals, lookups, exports


def test_a_reveal_is_one_event_beside_its_access_log_row_without_the_number(clean_log):
    member = MemberFactory()
    actor = staff(member.union.federation)
    clean_log()

    number = do_reveal(member, "id_number", actor=actor, reason="核对", ip=OFFICE)
    phone = do_reveal(member, "phone", actor=actor, reason="回访", ip=OFFICE)

    assert AccessLog.objects.count() == 2
    first, second = events(K.REVEAL)
    assert (first.actor, first.object_type, first.object_id, first.detail) == (
        actor,
        "members.member",
        str(member.pk),
        {"field": "id_number"},
    )
    assert second.detail == {"field": "phone"} and first.federation_path == member.federation_path
    assert not personal_data_in(first, number, phone) and not personal_data_in(second, number, phone, "核对")


def test_a_cross_scope_lookup_is_logged(clean_log):
    member = MemberFactory()
    actor = staff()
    clean_log()

    do_log_access(actor=actor, action="member_elsewhere_lookup", obj=member, reason="导入", ip=OFFICE)

    (event,) = SecurityEvent.objects.all()
    assert (event.kind, event.detail) == (K.LOOKUP, {"action": "member_elsewhere_lookup"})


def test_every_export_is_one_event_masked_or_not(clean_log):
    member = MemberFactory()
    actor = staff(member.union.federation)
    clean_log()

    masked = do_start_member_export(actor=actor, filters={}, ip=OFFICE)
    unmasked = do_start_member_export(actor=actor, filters={}, unmasked=True, reason="核对入会信息", ip=OFFICE)

    first, second = events(K.EXPORT)
    assert (first.object_id, first.detail) == (str(masked.pk), {"what": "members.export", "unmasked": False})
    assert (second.object_id, second.detail["unmasked"], second.ip_address) == (str(unmasked.pk), True, OFFICE)
    assert SecurityEvent.objects.count() == 2


def test_a_dashboard_workbook_is_an_export_by_whoever_asked(clean_log):
    leader = staff(role=Role.LEADERSHIP)
    client = Client()
    client.force_login(leader)
    clean_log()

    workbook = client.get("/dashboard/zones.xlsx", REMOTE_ADDR=OFFICE)

    assert workbook.status_code == 200
    (event,) = SecurityEvent.objects.all()
    assert (event.kind, event.actor, event.ip_address) == (K.EXPORT, leader, OFFICE)
    assert event.detail["what"].startswith("zones-") and event.detail["rows"] >= 0


# ---------------------------------------------------------------------------------------------
# The auditors' view


def test_auditors_filter_their_scope_and_the_export_is_itself_logged(clean_log):
    here, elsewhere = FederationFactory(), FederationFactory()
    auditor, outsider = staff(here), staff(elsewhere)
    leader = staff(here, role=Role.LEADERSHIP)
    worker = ZoneStaffFactory(zone=ZoneFactory(federation=here), role=Role.ZONE_CHIEF).user
    clean_log()
    log_in(Client(), auditor.username)
    log_in(Client(), outsider.username)
    log_in(Client(), auditor.username, "wrong-password-1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(auditor)
    url = reverse("admin:core_securityevent_changelist")

    failed = client.get(url, {"kind": K.LOGIN, "result": SecurityEventResult.FAILURE})
    mine = SecurityEvent.objects.filter(user=auditor).values_list("pk", flat=True)
    exported = client.post(
        url,
        {
            "action": "export_csv",
            "_selected_action": [str(pk) for pk in SecurityEvent.objects.values_list("pk", flat=True)],
        },
    )

    assert failed.status_code == 200 and failed.context["cl"].result_count == 1
    assert failed.context["cl"].date_hierarchy == "at"
    assert set(failed.context["cl"].queryset.values_list("user", flat=True)) == {auditor.pk}
    rows = exported.content.decode("utf-8-sig").splitlines()
    assert exported["Content-Type"].startswith("text/csv") and len(rows) == 1 + len(mine)
    assert all(outsider.username not in row for row in rows)
    (logged,) = events(K.EXPORT)
    assert (logged.actor, logged.detail) == (auditor, {"what": "core.securityevent", "rows": len(mine)})
    for user, status in [(leader, 200), (worker, 403)]:
        other = Client()
        other.force_login(user)
        assert other.get(url).status_code == status, user
    row = SecurityEvent.objects.filter(user=auditor).first()
    assert client.post(reverse("admin:core_securityevent_delete", args=[row.pk])).status_code == 403
    assert SecurityEvent.objects.filter(pk=row.pk).exists()


# ---------------------------------------------------------------------------------------------
# Retention


def test_the_retention_is_at_least_six_months():
    assert django_settings.SECURITY_LOG_RETENTION_DAYS >= 184
    assert "core.purge_security_log" in {s["task"] for s in django_settings.UNIONHUB_BEAT_SCHEDULE.values()}


def test_the_nightly_purge_keeps_the_window_and_can_run_again(clean_log):
    clean_log()
    now = timezone.now()
    days = django_settings.SECURITY_LOG_RETENTION_DAYS
    old = SecurityEvent.objects.create(kind=K.LOGIN, at=now - datetime.timedelta(days=days, hours=1))
    kept = SecurityEvent.objects.create(kind=K.LOGIN, at=now - datetime.timedelta(days=days - 1))
    new = SecurityEvent.objects.create(kind=K.LOGIN, at=now)
    spent = AccessAttempt.objects.create(
        username="x", ip_address=OFFICE, failures_since_start=1, attempt_time=now - datetime.timedelta(hours=2)
    )
    live = AccessAttempt.objects.create(username="y", ip_address=OFFICE, failures_since_start=1, attempt_time=now)
    AccessAttempt.objects.filter(pk=spent.pk).update(attempt_time=now - datetime.timedelta(hours=2))

    first = purge_security_log.apply().get()
    second = purge(now)

    assert first["security events"] == 1 and first["axes attempts"] == 1
    assert set(SecurityEvent.objects.values_list("pk", flat=True)) == {kept.pk, new.pk}
    assert set(AccessAttempt.objects.values_list("pk", flat=True)) == {live.pk}
    assert not SecurityEvent.objects.filter(pk=old.pk).exists()
    assert second == {"security events": 0, "axes attempts": 0, "axes log-ins": 0, "axes failures": 0}
