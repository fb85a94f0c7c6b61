"""On a phone: a worker files a grievance (named, the phone proved by a code sent without leaving the
page; then anonymous with a PIN), follows it with the tracking code, and rates it once it is resolved."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from events import grievances as g
from events.models import Grievance
from tests.factories import GrassrootsUnionFactory, UserFactory, jpeg_bytes
from tests.sms import RecordingSms
from unionhub.core.choices import Role
from zones.models import ZoneStaff

from .conftest import LOOPBACK, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NUMBER = "13957464444"


@pytest.fixture
def phones(browser: Browser, live_server, settings) -> Iterator[callable]:
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
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


def describe(page: Page, union, text: str) -> None:
    page.select_option("#id_category", "wage_arrears")
    page.fill("#id_description", text)
    page.select_option("#id_federation", str(union.federation.pk))
    page.click("#place-map", position={"x": 180, "y": 100})  # mark the place on the map
    page.fill("#id_employer_name", union.name)


def test_file_named_then_anonymous_and_follow_and_rate_on_a_phone(phones, live_server, tmp_path):
    union = GrassrootsUnionFactory(name="明辉五金制品有限公司工会委员会")
    chief = UserFactory(username="chief")
    ZoneStaff.objects.create(user=chief, zone=union.zone, role=Role.ZONE_CHIEF)
    photo = tmp_path / "欠条.jpg"
    photo.write_bytes(jpeg_bytes())

    # Named: the code is texted without leaving the page, so the chosen photo stays chosen.
    worker = phones()
    worker.goto(f"{live_server.url}/grievances/new/")
    assert worker.is_hidden("#anonymous-part")
    describe(worker, union, "老板拖欠我们三个月工资，一直说下个月发。")
    worker.fill("#id_name", "李小龙")
    worker.fill("#id_phone", NUMBER)
    worker.set_input_files("#id_photos", str(photo))
    worker.click("#send-code")
    worker.locator("#code-status", has_text=re.compile(r"\S")).wait_for()
    worker.fill("#id_code", re.search(r"\d{6}", RecordingSms.sent[-1][1]).group())
    worker.check("#id_consent")
    screenshot(worker, "grievance-form")
    worker.click("#file-grievance")
    worker.wait_for_selector("#grievance-filed")
    named = Grievance.objects.get()
    assert worker.inner_text("#tracking-code").strip() == named.formatted_code
    assert named.place is not None and named.attachments.count() == 1 and named.phone_last4 == "4444"
    screenshot(worker, "grievance-filed")

    # Anonymous, on another phone: the PIN instead of a name and phone.
    other = phones()
    other.goto(f"{live_server.url}/grievances/new/")
    describe(other, union, "车间没有防护装备，已经有人受伤。")
    other.check("input[name=identity][value=anonymous]")
    assert other.is_hidden("#named-part") and other.is_visible("#id_pin")
    other.fill("#id_pin", "24680")
    other.click("#file-grievance")  # no consent yet: refused, nothing filed
    other.wait_for_selector("#field-consent .error")
    assert Grievance.objects.count() == 1
    other.fill("#id_pin", "24680")
    other.check("#id_consent")
    other.click("#file-grievance")
    other.wait_for_selector("#grievance-filed")
    anonymous = Grievance.objects.exclude(pk=named.pk).get()
    assert anonymous.anonymous and anonymous.check_pin("24680")

    # The zone handles the named one; the worker follows it from a fresh phone and rates it.
    g.do_verify_grievance(named, actor=chief)
    g.do_assign_grievance(named, kind="mediator", name="调解员", actor=chief)
    g.do_start_grievance(named, actor=chief)
    g.do_resolve_grievance(named, actor=chief, feedback="企业已补发全部工资")

    follower = phones()
    follower.goto(f"{live_server.url}/grievances/track/")
    follower.fill("#id_code", named.formatted_code.lower())
    follower.fill("#id_secret", "1234")
    follower.click("#track-form button")
    follower.wait_for_selector("#check-error")
    follower.fill("#id_code", named.formatted_code.lower())
    follower.fill("#id_secret", "4444")
    follower.click("#track-form button")
    assert follower.get_attribute("#grievance", "data-status") == "resolved"
    assert "企业已补发全部工资" in follower.inner_text("#feedback")
    screenshot(follower, "grievance-tracking")
    follower.check("#rate input[value='5']")
    follower.click("#rate button")
    follower.wait_for_selector("#grievance[data-status=evaluated]")
    named.refresh_from_db()
    assert (named.status, named.rating) == ("evaluated", 5)
