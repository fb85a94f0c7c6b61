"""On phones: workers register for an activity until it is full, the next waits, a cancellation
promotes them; staff check the promoted worker in by the code their QR holds."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, Page

from events.choices import Attendance, RegistrationStatus
from events.models import Registration
from events.tokens import check_in_code
from tests.events.factories import ActivityFactory
from tests.factories import ZoneStaffFactory
from tests.sms import RecordingSms
from unionhub.core.choices import Role

from .conftest import LOOPBACK, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "phone-password-1"


@pytest.fixture
def phones(browser: Browser, live_server, settings) -> Iterator[callable]:
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    cache.clear()
    contexts: list[BrowserContext] = []

    def open_phone() -> Page:
        context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.split("/")[2].split(":")[0] in LOOPBACK else route.abort()
            ),
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_phone
    for context in contexts:
        context.close()


def register(page: Page, url: str, number: str, name: str) -> None:
    page.goto(url)
    page.fill("#id_phone", number)
    page.fill("#id_name", name)
    page.click("button[name=send_code]")
    code = re.search(r"\d{6}", RecordingSms.sent[-1][1]).group()
    page.fill("#id_phone", number)
    page.fill("#id_code", code)
    page.click("#register")
    page.wait_for_selector(".my-registration")


def test_register_fill_wait_get_promoted_and_be_checked_in(phones, live_server):
    activity = ActivityFactory(title="健康讲座：颈椎养护", capacity=1)
    url = f"{live_server.url}/activities/{activity.pk}/"

    first, second = phones(), phones()
    register(first, url, "13957460001", "王小明")
    assert first.get_attribute(".my-registration", "data-status") == RegistrationStatus.CONFIRMED
    assert first.locator(".check-in-qr svg").is_visible()
    screenshot(first, "activity-registered")

    register(second, url, "13957460002", "李小红")
    assert second.get_attribute(".my-registration", "data-status") == RegistrationStatus.WAITLISTED

    first.click("#cancel-registration")
    first.wait_for_selector("#register")  # the form again: the registration is cancelled
    second.reload()
    assert second.get_attribute(".my-registration", "data-status") == RegistrationStatus.OFFERED
    screenshot(second, "activity-offered")
    second.click("#accept-offer")
    second.wait_for_selector(".my-registration[data-status=confirmed] .check-in-qr svg")

    promoted = Registration.objects.get(status=RegistrationStatus.CONFIRMED)
    staff_user = ZoneStaffFactory(zone=activity.zone, role=Role.ZONE_AUXILIARY).user
    staff_user.set_password(PASSWORD)
    staff_user.save()
    staff = phones()
    staff.goto(f"{live_server.url}/admin/login/?next=/m/activities/")
    staff.fill("#id_username", staff_user.username)
    staff.fill("#id_password", PASSWORD)
    staff.click("input[type=submit]")
    staff.wait_for_url(f"{live_server.url}/m/activities/")
    staff.click(f"text={activity.title}")
    # What a phone's scanner app does with the QR: open the address it holds.
    staff.goto(f"{live_server.url}/m/activities/{activity.pk}/check-in/?code={check_in_code(promoted)}")
    staff.click("#check-in")
    staff.wait_for_selector("#check-in-result")
    assert "李小红" in staff.inner_text("#check-in-result")
    screenshot(staff, "activity-check-in")
    promoted.refresh_from_db()
    assert promoted.attendance == Attendance.ATTENDED
