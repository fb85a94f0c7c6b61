"""Ninghai's leadership opens the dashboard, switches the heat layer on, exports a chart as PNG, drills into
宁东片区 and then into a union."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stations.heat import refresh_heat_map
from stations.models import HeatCell
from unionhub.core.models import Federation
from unionhub.demo.loader import Loader
from unionhub.reports.summaries import refresh
from zones.indicators import compute_union_indicators

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def figures(demo):
    Loader().load()  # the members too: the figures leadership looks at first
    compute_union_indicators()
    refresh_heat_map(Federation.objects.get(name="宁海县总工会"))
    refresh(full=True)
    return demo


def test_leadership_drills_from_the_county_to_a_zone_and_a_union(sign_in, live_server, figures, tmp_path):
    page: Page = sign_in("ninghai_leader")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator(".card[data-key=members] .value")).not_to_have_text("")
    for chart in page.locator(".chart").all():
        expect(chart).to_have_attribute("data-rendered", "true")
    expect(page.locator("#dashboard-map")).to_have_attribute("data-ready", "true")
    assert int(page.locator("#dashboard-map").get_attribute("data-zones")) == 3  # Ninghai's three zones
    expect(page.locator(".card.not-built")).to_have_count(0)  # every area is built
    for key in ["grievances_found", "grievances_satisfied", "hardship_paid", "hardship_budget"]:
        expect(page.locator(f".card[data-key={key}] .value")).not_to_have_text("—")
    ninghai = Federation.objects.get(name="宁海县总工会")
    cells = HeatCell.objects.filter(federation=ninghai, layer="workplaces").count()
    page.locator(".leaflet-control-layers-overlays input").first.check()  # the heat layer: workplaces
    expect(page.locator("#dashboard-map")).to_have_attribute("data-heat-workplaces", str(cells))
    assert cells > 0, "the demo's unions make a heat map"
    page.evaluate("window.scrollTo(0, 0)")  # the cards first in the screenshot
    screenshot(page, "dashboard")

    with page.expect_download() as download:
        page.click(".export-png[data-chart=visits]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".png" and saved.read_bytes().startswith(PNG_SIGNATURE)

    hot_rows = page.locator("#hot-word-table tbody tr")  # the quarter's hot words in the demo's grievances
    expect(page.locator("#hot-words h2")).to_contain_text("2")  # names its quarter
    assert hot_rows.count() > 0 and hot_rows.first.locator("td").count() == 4
    expect(page.locator("#chart-hot_words")).to_have_attribute("data-rendered", "true")
    with page.expect_download() as download:
        page.click(".export-png[data-chart=hot_words]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("hot-words-") and saved.read_bytes().startswith(PNG_SIGNATURE)

    page.click("#zone-table th:nth-child(2)")  # sort by members
    expect(page.locator("#zone-table th:nth-child(2)")).to_have_attribute("aria-sort", "descending")

    page.click("#zone-table a:text('宁东片区')")
    page.wait_for_url("**/dashboard/zones/*/")
    expect(page.locator("h1")).to_have_text("宁东片区")
    first_union = page.locator("#union-table tbody a").first
    union_name = first_union.inner_text()
    first_union.click()
    page.wait_for_url("**/dashboard/unions/*/")
    expect(page.locator("h1")).to_have_text(union_name)
    expect(page.locator(".crumbs")).to_contain_text("宁东片区")


def test_on_a_phone_the_dashboard_fits_the_screen(sign_in, live_server, figures):
    page: Page = sign_in("ninghai_leader")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#dashboard-map")).to_have_attribute("data-ready", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
