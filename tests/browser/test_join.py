"""A worker scans a union's joining code on a phone, joins, is approved, opens the card; anyone verifies it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from members.actions import do_decide_application
from members.choices import JoinChannel
from members.joining import join_token
from members.models import JoinApplication, Member
from tests.factories import GrassrootsUnionFactory, UnionChairFactory, id_number
from tests.sms import RecordingSms

from .conftest import LOOPBACK, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NUMBER = "13957461111"


@pytest.fixture
def phone(browser: Browser, live_server, settings) -> Iterator[Page]:
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.split("/")[2].split(":")[0] in LOOPBACK else route.abort(),
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def last_code() -> str:
    return re.search(r"\d{6}", RecordingSms.sent[-1][1]).group()


def test_join_get_approved_open_the_card_and_verify_it(phone: Page, browser: Browser, live_server):
    union = GrassrootsUnionFactory(name="明辉五金制品有限公司工会委员会")
    phone.goto(f"{live_server.url}/join/{join_token(JoinChannel.UNION, union.pk)}/")
    phone.fill("#id_name", "李小龙")
    phone.fill("#id_id_number", id_number("19950607"))
    phone.fill("#id_phone", NUMBER)
    phone.select_option("#id_occupation", "courier")
    assert not phone.is_checked("#id_consent")  # the separate consent is never ticked for the worker
    phone.click("button[name=send_code]")  # without the tick: refused on the box, no code sent
    phone.wait_for_selector("#field-consent .error")
    assert RecordingSms.sent == []
    phone.check("#id_consent")
    phone.click("button[name=send_code]")
    phone.fill("#id_code", last_code())
    screenshot(phone, "join-form")
    phone.click("button[name=apply]")
    phone.wait_for_selector("#application-received")
    assert JoinApplication.objects.get().consent_version == "join-id-number.v1"

    do_decide_application(JoinApplication.objects.get(), approve=True, actor=UnionChairFactory(union=union).user)
    member = Member.objects.get()

    phone.goto(f"{live_server.url}/me/")
    phone.fill("#phone", NUMBER)
    phone.click(".member-form button")
    phone.fill("#code", last_code())
    phone.click(".member-form button")
    phone.wait_for_selector(f"#member-{member.member_number} img.card")
    for _ in range(40):  # the card is drawn on request (wait_for_function would need 'unsafe-eval')
        if phone.evaluate("document.querySelector('img.card').complete"):
            break
        phone.wait_for_timeout(250)
    assert phone.evaluate("document.querySelector('img.card').naturalWidth") == 1012
    screenshot(phone, "membership-card")

    from members.card import card_token

    other = browser.new_context(locale="zh-CN")
    checker = other.new_page()
    checker.goto(f"{live_server.url}/card/v/{card_token(member)}/")
    assert checker.get_attribute("#verdict", "data-verdict") == "valid"
    assert "李**" in checker.inner_text("#verdict")
    other.close()
