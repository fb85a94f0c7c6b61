"""Staff log-in: lockout per account and per address, the second factor (TOTP and SMS), and sessions.

Every staff surface signs in through /admin/login/: the admin, /m/ (its login_required
sends zone workers there) and the API's session authentication. Messages are checked in
English (the tests ask for it), never in the Chinese translation.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

import pytest
from axes.models import AccessAttempt
from django.conf import settings as settings_module
from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import get_resolver, resolve, reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.discovery import _walk as walk
from tests.factories import FederationFactory, RoleAssignmentFactory, UserFactory, ZoneStaffFactory
from unionhub.core.auth import twofactor
from unionhub.core.auth import views as login_views
from unionhub.core.auth.lockout import client_ip
from unionhub.core.choices import Role
from unionhub.core.models import SmsDevice
from unionhub.core.sms import SmsBackend

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-1"  # UserFactory's
LOGIN = "/admin/login/?next=/admin/"
OFFICE, ELSEWHERE = "10.1.1.1", "10.2.2.2"


class RecordingSms(SmsBackend):
    """Keeps the texts instead of sending them."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str, *, key: str, params: Mapping[str, str] | None = None) -> str:
        self.sent.append((phone, text))
        return ""


@pytest.fixture
def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def lockout(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    return settings


@pytest.fixture
def enforced(settings):
    settings.TWO_FACTOR_ROLES = [Role.FEDERATION_STAFF, Role.LEADERSHIP]
    return settings


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = f"{__name__}.RecordingSms"
    RecordingSms.sent = []
    return RecordingSms.sent


def staff(federation=None):
    """A federation staff account whose home is the node its role is bound to."""
    federation = federation or FederationFactory()
    user = UserFactory(federation=federation)
    RoleAssignmentFactory(user=user, role=Role.FEDERATION_STAFF, federation=federation)
    return user


def password_step(client: Client, username: str, password: str = PASSWORD, ip: str = OFFICE):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def is_logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the authenticator app shows now (or ``steps_ahead`` 30-second steps later)."""
    return f"{totp(device.bin_key, t0=-30 * steps_ahead):06d}"


def code_sent(sms: list[tuple[str, str]]) -> str:
    """The six-digit code in the last text sent."""
    match = re.search(r"\b\d{6}\b", sms[-1][1])
    assert match, sms[-1][1]
    return match.group()


def test_there_is_one_staff_log_in_page_and_it_is_ours():
    """The admin's own login view is shadowed, and no other log-in view is routed (DRF's included)."""
    assert resolve("/admin/login/").func is login_views.password_step
    assert settings_module.LOGIN_URL == "admin:login"
    patterns = [pattern for _, pattern in walk(get_resolver().url_patterns)]
    assert len(patterns) > 50  # the walk reaches the admin's and the apps' routes
    logins = [
        str(pattern.pattern)
        for pattern in patterns
        if isinstance(getattr(pattern.callback, "view_class", None), type)
        and issubclass(pattern.callback.view_class, LoginView)
    ]
    assert logins == []  # PasswordStepView is reached only through password_step


# Lockout


def test_an_account_is_locked_after_too_many_wrong_passwords_from_anywhere(english, lockout):
    user = UserFactory()
    for ip in [OFFICE, ELSEWHERE]:
        assert password_step(english, user.username, "wrong", ip=ip).status_code == 200
    assert password_step(english, user.username, "wrong", ip="10.3.3.3").status_code == 429  # the third
    locked = password_step(english, user.username, ip="10.4.4.4")  # the right password, from a fourth address
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    assert not is_logged_in(english)


def test_an_address_is_locked_after_failures_on_many_accounts(english, lockout):
    for _ in range(3):
        password_step(english, UserFactory().username, "wrong", ip=OFFICE)
    bystander = UserFactory()
    assert password_step(english, bystander.username, ip=OFFICE).status_code == 429
    assert password_step(english, bystander.username, ip=ELSEWHERE).status_code == 302
    assert is_logged_in(english)


def test_the_lockout_ends_when_its_time_has_passed(english, lockout):
    user = UserFactory()
    for _ in range(3):
        password_step(english, user.username, "wrong")
    assert password_step(english, user.username).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert password_step(english, user.username).status_code == 302
    assert is_logged_in(english)


def test_federation_staff_unlock_accounts_in_their_scope_only(english, lockout):
    unlocker = staff()
    mine = UserFactory(federation=unlocker.federation)
    theirs = UserFactory(federation=FederationFactory())
    for user in (mine, theirs):
        for _ in range(3):
            password_step(english, user.username, "wrong", ip=f"10.9.9.{user.pk % 250}")

    manager = Client()
    manager.force_login(unlocker)
    answer = manager.post(
        reverse("admin:core_user_changelist"),
        {"action": "unlock_logins", "_selected_action": [mine.pk, theirs.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    assert password_step(Client(), mine.username, ip=ELSEWHERE).status_code == 302
    assert password_step(Client(), theirs.username, ip=ELSEWHERE).status_code == 429


def test_leadership_is_not_offered_the_unlock_and_reset_actions():
    leader = RoleAssignmentFactory(role=Role.LEADERSHIP).user
    manager = Client()
    manager.force_login(leader)
    page = manager.get(reverse("admin:core_user_changelist")).content.decode()
    assert 'value="unlock_logins"' not in page
    assert 'value="reset_second_factor"' not in page
    manager.force_login(staff())
    page = manager.get(reverse("admin:core_user_changelist")).content.decode()
    assert 'value="unlock_logins"' in page
    assert 'value="reset_second_factor"' in page


def test_the_address_is_the_one_our_own_proxy_saw(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"  # no proxy trusted: a client can write that header
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # the entry our proxy appended, not the forged one


# Second factor


def test_without_enforcement_the_password_is_enough(english, settings):
    settings.TWO_FACTOR_ROLES = []
    user = staff()
    assert password_step(english, user.username)["Location"] == "/admin/"
    assert is_logged_in(english)


def test_federation_staff_enrol_an_authenticator_app_at_their_first_log_in(english, enforced):
    user = staff()
    answer = password_step(english, user.username)
    assert answer["Location"].startswith(reverse("staff-login:second-factor"))
    assert english.get(answer["Location"])["Location"].startswith(reverse("staff-login:enrol"))
    page = english.get(reverse("staff-login:enrol-app") + "?next=/admin/")
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"] in device.config_url

    done = english.post(reverse("staff-login:enrol-app"), {"code": app_code(device), "next": "/admin/"})
    assert done["Location"] == "/admin/"
    assert is_logged_in(english)
    assert TOTPDevice.objects.get(user=user).confirmed


def test_half_way_through_no_staff_surface_lets_the_user_in(english, enforced):
    """After the password but before the code: the admin, /m/ and the API's session auth all refuse."""
    user = staff()
    device = TOTPDevice.objects.create(user=user, name="app")
    password_step(english, user.username)
    assert english.get("/admin/")["Location"].startswith("/admin/login/")
    assert english.get("/m/")["Location"].startswith("/admin/login/")
    assert english.get("/api/v1/users/").status_code == 403
    english.post(reverse("staff-login:second-factor"), {"code": app_code(device), "next": "/m/"})
    assert english.get("/m/").status_code == 200
    assert english.get("/api/v1/users/").status_code == 200


def test_a_password_typed_in_a_signed_in_browser_ends_the_earlier_session(english, enforced):
    chief = ZoneStaffFactory(role=Role.ZONE_CHIEF).user  # no second factor needed
    password_step(english, chief.username)
    assert is_logged_in(english)
    password_step(english, staff().username)  # half-way for someone else now
    assert not is_logged_in(english)


def test_wrong_codes_are_refused_and_count_towards_the_lockout(english, enforced, lockout):
    user = staff()
    TOTPDevice.objects.create(user=user, name="app")
    password_step(english, user.username)
    wrong = english.post(reverse("staff-login:second-factor"), {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 200
    assert "The code is wrong" in wrong.content.decode()
    assert not is_logged_in(english)
    english.post(reverse("staff-login:second-factor"), {"code": "111111", "next": "/admin/"})
    locked = english.post(reverse("staff-login:second-factor"), {"code": "222222", "next": "/admin/"})
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()


def test_a_code_that_was_used_once_is_refused(english, enforced):
    user = staff()
    device = TOTPDevice.objects.create(user=user, name="app")
    code = app_code(device)
    password_step(english, user.username)
    english.post(reverse("staff-login:second-factor"), {"code": code, "next": "/admin/"})
    assert is_logged_in(english)

    replay = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(replay, user.username, ip=ELSEWHERE)
    answer = replay.post(reverse("staff-login:second-factor"), {"code": code, "next": "/admin/"}, REMOTE_ADDR=ELSEWHERE)
    assert "The code is wrong" in answer.content.decode()
    assert not is_logged_in(replay)


def test_the_next_code_of_the_app_is_accepted_within_the_drift_window(english, enforced):
    user = staff()
    device = TOTPDevice.objects.create(user=user, name="app")
    password_step(english, user.username)
    english.post(reverse("staff-login:second-factor"), {"code": app_code(device, steps_ahead=1), "next": "/"})
    assert is_logged_in(english)


def test_staff_without_an_authenticator_app_get_codes_by_sms(english, enforced, sms):
    user = staff()
    user.set_mobile("13800138000")
    user.save()
    password_step(english, user.username)
    english.get(reverse("staff-login:enrol-sms") + "?next=/admin/")
    assert sms[-1][0] == "13800138000"
    english.post(reverse("staff-login:enrol-sms"), {"code": code_sent(sms), "next": "/admin/"})
    assert is_logged_in(english)
    english.post(reverse("admin:logout"))

    again = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(again, user.username)
    page = again.get(reverse("staff-login:second-factor") + "?next=/admin/")
    assert "sent by SMS to *******8000" in page.content.decode()
    assert len(sms) == 2
    again.get(reverse("staff-login:second-factor") + "?next=/admin/")
    assert len(sms) == 2  # a reload within a minute sends nothing new
    code = code_sent(sms)
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    assert "The code is wrong" in again.post(reverse("staff-login:second-factor"), {"code": wrong}).content.decode()
    SmsDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)  # skip the back-off
    again.post(reverse("staff-login:second-factor"), {"code": code, "next": "/admin/"})
    assert is_logged_in(again)

    third = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(third, user.username, ip=ELSEWHERE)
    replay = third.post(reverse("staff-login:second-factor"), {"code": code}, REMOTE_ADDR=ELSEWHERE)
    assert "The code is wrong" in replay.content.decode()  # an SMS code works once


def test_someone_with_an_app_can_ask_for_an_sms_code_instead(english, enforced, sms):
    user = staff()
    user.set_mobile("13800138000")
    user.save()
    TOTPDevice.objects.create(user=user, name="app")
    SmsDevice.objects.create(user=user, name="sms")
    password_step(english, user.username)
    assert "authenticator app" in english.get(reverse("staff-login:second-factor")).content.decode()
    assert sms == []  # the app comes first: no text unless asked for
    english.post(reverse("staff-login:second-factor"), {"send_sms": "1", "next": "/admin/"})
    english.post(reverse("staff-login:second-factor"), {"code": code_sent(sms), "next": "/admin/"})
    assert is_logged_in(english)


def test_sms_enrolment_only_uses_the_number_on_the_account(english, enforced, sms):
    user = staff()  # no mobile recorded
    password_step(english, user.username)
    assert english.get(reverse("staff-login:enrol-sms"))["Location"].startswith(reverse("staff-login:enrol"))
    assert "no mobile number is recorded" in english.get(reverse("staff-login:enrol")).content.decode()
    assert sms == []


def test_zone_workers_use_a_second_factor_only_when_their_role_is_listed(english, settings):
    chief = ZoneStaffFactory(role=Role.ZONE_CHIEF).user
    settings.TWO_FACTOR_ROLES = [Role.FEDERATION_STAFF, Role.LEADERSHIP]
    assert password_step(english, chief.username)["Location"] == "/admin/"
    english.post(reverse("admin:logout"))
    settings.TWO_FACTOR_ROLES = [Role.ZONE_CHIEF]
    assert password_step(english, chief.username)["Location"].startswith(reverse("staff-login:second-factor"))


def test_a_half_way_log_in_expires_after_five_minutes(english, enforced):
    user = staff()
    TOTPDevice.objects.create(user=user, name="app")
    password_step(english, user.username)
    session = english.session
    session[twofactor.PENDING_KEY] = {**session[twofactor.PENDING_KEY], "since": 0}
    session.save()
    assert english.get(reverse("staff-login:second-factor"))["Location"].startswith("/admin/login/")


def test_federation_staff_reset_a_lost_second_factor_in_their_scope(english, enforced):
    resetter = staff()
    mine = staff(federation=resetter.federation)
    theirs = staff()
    for user in (mine, theirs):
        TOTPDevice.objects.create(user=user, name="app")
    manager = Client()
    manager.force_login(resetter)
    manager.post(
        reverse("admin:core_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [mine.pk, theirs.pk]},
    )
    assert not TOTPDevice.objects.filter(user=mine).exists()
    assert TOTPDevice.objects.filter(user=theirs).exists()
    password_step(english, mine.username)
    assert english.get(reverse("staff-login:second-factor"))["Location"].startswith(reverse("staff-login:enrol"))


def test_second_factor_secrets_are_not_in_the_admin():
    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(SmsDevice)


# Sessions and passwords


def test_a_session_from_before_a_password_change_is_rejected(english):
    user = staff()
    password_step(english, user.username)
    assert is_logged_in(english)
    user.set_password("a-new-long-passphrase-7")
    user.save()
    assert english.get("/admin/")["Location"].startswith("/admin/login/")
    assert english.get("/api/v1/users/").status_code == 403
    assert english.get("/m/")["Location"].startswith("/admin/login/")


def test_changing_ones_own_password_ends_the_other_sessions_only():
    user = staff()
    here, there = Client(), Client()
    for client in (here, there):
        password_step(client, user.username)
    changed = here.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-7",
            "new_password2": "a-new-long-passphrase-7",
        },
    )
    assert changed.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(there)


def test_a_half_way_log_in_does_not_survive_a_password_change(english, enforced):
    user = staff()
    TOTPDevice.objects.create(user=user, name="app")
    password_step(english, user.username)
    user.set_password("a-new-long-passphrase-7")
    user.save()
    assert english.get(reverse("staff-login:second-factor"))["Location"].startswith("/admin/login/")


def test_a_session_ends_after_inactivity(english, settings):
    user = staff()
    password_step(english, user.username)
    english.get("/admin/")
    session = Session.objects.get(session_key=english.session.session_key)
    # Requests push the end forward (SessionRenewalMiddleware): it counts from the last one.
    left = (session.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < left <= settings.SESSION_COOKIE_AGE
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert english.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_session_is_renewed_by_a_request_at_most_once_per_renewal_interval(settings):
    """Not written on every request: within SESSION_RENEW_SECONDS of its last save a request
    leaves the session row alone; after that, it moves the end forward again."""
    browser = Client()
    browser.force_login(staff())
    browser.get("/admin/")
    saved = Session.objects.get(session_key=browser.session.session_key).expire_date
    browser.get("/admin/")
    assert Session.objects.get(session_key=browser.session.session_key).expire_date == saved
    settings.SESSION_RENEW_SECONDS = 0
    browser.get("/admin/")
    assert Session.objects.get(session_key=browser.session.session_key).expire_date > saved


@pytest.mark.parametrize("weak", ["short1", "1234567890123", "password1234", "user-name-x1"])
def test_weak_passwords_are_refused_when_staff_set_one(weak):
    """Too short, all digits, common, or like the username: Django's validators (settings) refuse each."""
    target = UserFactory(username="user-name-x1")
    manager = Client()
    manager.force_login(UserFactory(is_superuser=True))
    answer = manager.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": weak, "password2": weak, "usable_password": "true"},
    )
    assert answer.status_code == 200
    assert answer.context["form"].errors
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_staff_record_the_mobile_that_sms_codes_go_to_without_ever_seeing_it(rf):
    user = staff()
    request = rf.get("/admin/")
    request.user = UserFactory(is_superuser=True)
    form_class = admin.site._registry[type(user)].get_form(request, obj=user)
    data = {"username": user.username, "federation": user.federation_id, "is_active": "on", "mobile": "139 0000 1111"}
    form = form_class(data=data, instance=user)
    assert form.is_valid(), form.errors
    form.save()
    user.refresh_from_db()
    assert user.mobile == "13900001111" and user.mobile_last4 == "1111"

    shown = form_class(instance=user).as_p()
    assert "13900001111" not in shown and "*******1111" in shown
    kept = form_class(data={**data, "mobile": ""}, instance=user)
    assert kept.is_valid() and kept.save().mobile == "13900001111"  # empty keeps the number on file
    wrong = form_class(data={**data, "mobile": "12345"}, instance=user)
    assert not wrong.is_valid() and "mobile" in wrong.errors
