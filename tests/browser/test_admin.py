"""The admin in a real browser: Chinese by default, maps drawn offline, English on request, scoped lists."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from zones.models import GrassrootsUnion

pytestmark = pytest.mark.browser


# True once the shape is drawn and the map has moved to it (Leaflet fits the view after loading).
SHAPE_IN_VIEW = """selector => {
    const map = document.querySelector('.leaflet-container');
    const shape = map && map.querySelector(selector);
    if (!shape) return false;
    const m = map.getBoundingClientRect(), s = shape.getBoundingClientRect();
    return s.width > 8 && s.height > 8
        && s.left >= m.left && s.right <= m.right && s.top >= m.top && s.bottom <= m.bottom;
}"""


def union_names(plan, zone_key):
    return sorted(u.name for u in plan.unions if u.zone == zone_key)


def test_federation_staff_sign_in_to_the_admin_in_chinese(sign_in, demo):
    page = sign_in("ninghai_staff")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#user-tools")).to_contain_text("欢迎")
    expect(page.locator("#recent-actions-module h2")).to_have_text("最近动作")
    screenshot(page, "admin-index")


def test_the_zone_form_draws_the_boundary_on_the_map(sign_in, live_server, demo):
    page = sign_in("ninghai_staff")
    page.goto(f"{live_server.url}/admin/zones/zone/")

    rows = page.locator("#result_list tbody th a")
    expect(rows).to_have_text(["宁东片区", "望海片区", "新梅片区"], ignore_case=False)
    rows.filter(has_text="宁东片区").click()

    expect(page.locator("#id_name")).to_have_value("宁东片区")
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator(".leaflet-container path.leaflet-interactive")).to_have_count(1)
    page.wait_for_function(SHAPE_IN_VIEW, arg="path.leaflet-interactive")
    screenshot(page, "zone-map")


def test_the_union_form_shows_its_position_on_the_map(sign_in, live_server, demo):
    page = sign_in("ninghai_staff")
    page.goto(f"{live_server.url}/admin/zones/grassrootsunion/")

    expect(page.locator("#result_list tbody tr")).to_have_count(
        sum(1 for u in demo.unions if u.federation in {"ninghai", "changjie", "xidian", "meilin"})
    )
    screenshot(page, "union-changelist")
    name = union_names(demo, "ningdong")[0]
    page.locator("#result_list tbody th a", has_text=name).click()

    expect(page.locator("#id_name")).to_have_value(name)
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator(".leaflet-container .leaflet-marker-icon")).to_have_count(1)
    page.wait_for_function(SHAPE_IN_VIEW, arg=".leaflet-marker-icon")
    page.locator(".leaflet-container").scroll_into_view_if_needed()
    screenshot(page, "union-map")


def test_the_language_switcher_turns_the_admin_into_english(sign_in):
    page = sign_in("ninghai_leader")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.select_option("#language-switcher select[name=language]", "en")
    page.click("#language-switcher button[type=submit]")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#user-tools")).to_contain_text("Welcome")
    expect(page.locator("#recent-actions-module h2")).to_have_text("Recent actions")
    page.goto(page.url.replace("/admin/", "/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice holds on the public pages too


def test_a_zone_chief_sees_only_their_zone_unions(sign_in, live_server, demo):
    page = sign_in("ningdong_chief")
    page.goto(f"{live_server.url}/admin/zones/grassrootsunion/")

    listed = page.locator("#result_list tbody th a")
    expect(listed).to_have_count(len(union_names(demo, "ningdong")))
    assert sorted(listed.all_inner_texts()) == union_names(demo, "ningdong")

    other = GrassrootsUnion.objects.get(name=union_names(demo, "wanghai")[0])
    page.goto(f"{live_server.url}/admin/zones/grassrootsunion/{other.pk}/change/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#content")).not_to_contain_text(other.name)
