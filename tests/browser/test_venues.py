"""A member books a venue slot on the phone; a second member trying the same slot is told it is taken."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from members.choices import MemberStatus
from stations.models import Booking
from tests.factories import GrassrootsUnionFactory, MemberFactory
from tests.sms import RecordingSms
from tests.stations.factories import VenueFactory

from .conftest import LOOPBACK, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phones(browser: Browser, live_server, settings) -> Iterator[list[Page]]:
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    contexts = [
        browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        for _ in range(2)
    ]
    for context in contexts:
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.split("/")[2].split(":")[0] in LOOPBACK else route.abort()
            ),
        )
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def sign_in(page: Page, url: str, number: str) -> None:
    """Open the venue, press "Book" on the 19:00 slot, prove the phone: back on the venue page."""
    page.goto(url)
    page.locator(".slot", has_text="19:00–").get_by_role("button").click()
    page.fill("#phone", number)
    page.click(".member-form button")
    page.fill("#code", re.search(r"\d{6}", RecordingSms.sent[-1][1]).group())
    page.click(".member-form button")
    page.wait_for_url(f"{url}*")


def test_a_slot_books_once_and_the_second_member_is_told(phones: list[Page], live_server):
    venue = VenueFactory(name="明辉职工篮球场", opens=datetime.time(17), closes=datetime.time(21))
    union = GrassrootsUnionFactory(zone=venue.zone, federation=venue.federation)
    numbers = ["13957466666", "13957467777"]
    for number in numbers:
        member = MemberFactory(union=union, status=MemberStatus.ACTIVE)
        member.set_phone(number)
        member.save()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    url = f"{live_server.url}/venues/{venue.pk}/?day={tomorrow.isoformat()}"
    first, second = phones

    sign_in(first, url, numbers[0])
    sign_in(second, url, numbers[1])  # both see the 19:00 slot free
    first.locator(".slot", has_text="19:00–").get_by_role("button").click()
    first.wait_for_selector("#booked")
    screenshot(first, "venue-booked")
    second.locator(".slot", has_text="19:00–").get_by_role("button").click()

    assert second.is_visible("#booking-error")
    assert Booking.objects.count() == 1
