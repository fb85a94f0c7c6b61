"""The whole staff log-in in Chromium with two-factor authentication enforced.

The other browser tests sign in with the password alone (the test settings leave
``TWO_FACTOR_ROLES`` empty); this one turns enforcement on and goes through every step as a
person would: password, enrolling an authenticator app from the page's QR code and key,
the code, and a second log-in that asks for the code only. The code is computed from the
key shown on the page, exactly as the app would (RFC 6238).
"""

import base64
import datetime

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from unionhub.core.choices import Role
from unionhub.demo.demo_data import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def app_code(secret: str, steps_ahead: int = 0) -> str:
    return f"{totp(base64.b32decode(secret), t0=-30 * steps_ahead):06d}"


def type_password(page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def test_federation_staff_enrol_an_authenticator_app_then_log_in_with_its_codes(page, live_server, demo, settings):
    settings.TWO_FACTOR_ROLES = [Role.FEDERATION_STAFF, Role.LEADERSHIP]
    type_password(page, live_server, "ninghai_staff")

    page.wait_for_url("**/admin/login/enrol/**")
    page.click("#enrol-app")
    expect(page.locator("#totp-qr svg")).to_be_visible()
    screenshot(page, "login-enrol-app")
    secret = page.locator("#totp-secret").inner_text()
    page.fill("#id_code", app_code(secret))
    page.click("#code-form input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    expect(page.locator("#user-tools")).to_be_visible()

    page.click("#logout-form button")
    type_password(page, live_server, "ninghai_staff")
    page.wait_for_url("**/admin/login/second-factor/**")
    page.fill("#id_code", "000000")
    page.click("#code-form input[type=submit]")
    expect(page.locator(".errorlist")).to_be_visible()
    # The code of the next 30-second step (accepted within the drift window; the first one was used).
    page.wait_for_timeout(1100)  # the app's back-off after one wrong code is one second
    page.fill("#id_code", app_code(secret, steps_ahead=1))
    page.click("#code-form input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_a_locked_out_account_sees_why_and_gets_in_after_the_lockout(page, live_server, demo, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        type_password(page, live_server, "ninghai_staff", "wrong-password")
    expect(page.locator("#lockout-message")).to_be_visible()
    screenshot(page, "login-locked-out")
    type_password(page, live_server, "ninghai_staff")
    expect(page.locator("#lockout-message")).to_be_visible()

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    type_password(page, live_server, "ninghai_staff")
    page.wait_for_url(f"{live_server.url}/admin/")
