"""A township's leadership sees its figures, never a neighbour's: cards, charts, tables, exports, maps, drill-downs."""

from __future__ import annotations

import datetime
import io
import json
import statistics

import pytest
from django.contrib.gis.geos import Polygon
from django.test import Client, override_settings
from django.utils import timezone
from openpyxl import load_workbook

from events.models import Grievance
from members.hardship import PAID
from members.hardship_models import HardshipBudget, HardshipCase
from stations.choices import HeatLayer
from stations.models import HeatCell, Station
from tests.factories import VisitFactory
from unionhub.core.models import Federation, User
from unionhub.reports import dashboard
from unionhub.reports.summaries import add_months, first_of_month
from zones.indicators import compute_union_indicators
from zones.models import GrassrootsUnion, Visit, Zone
from zones.quarters import Quarter

pytestmark = pytest.mark.django_db


@pytest.fixture
def changjie(demo_figures) -> Client:
    client = Client()
    client.force_login(User.objects.get(username="changjie_leader"))
    return client


@pytest.fixture
def zones(demo_figures) -> tuple[Zone, Zone]:
    return Zone.objects.get(name="宁东片区"), Zone.objects.get(name="望海片区")


def page_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">') + len(
        '<script id="dashboard-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_dashboard_shows_the_township_and_not_its_neighbour(changjie, zones):
    mine, neighbour = zones
    response = changjie.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.name in html and neighbour.name not in html
    assert set(page_data(response)["zones"]) == {str(mine.pk)}
    table = changjie.get("/api/v1/dashboard/zones/").json()["results"]
    assert [row["id"] for row in table if row["id"] is not None] == [mine.pk]  # and the township's own, in no zone


def test_the_neighbours_drill_downs_answer_404(changjie, zones):
    _mine, neighbour = zones
    union = GrassrootsUnion.objects.filter(zone=neighbour).first()
    for url in [
        f"/dashboard/zones/{neighbour.pk}/",
        f"/dashboard/zones/{neighbour.pk}/unions.xlsx",
        f"/dashboard/unions/{union.pk}/",
        f"/dashboard/unions/{union.pk}/visits.xlsx",
        f"/api/v1/dashboard/zones/{neighbour.pk}/",
        f"/api/v1/dashboard/unions/{union.pk}/",
        "/dashboard/zones/987654321/",
        "/api/v1/dashboard/zones/abc/",
        "/api/v1/dashboard/unions/-1/",
    ]:
        assert changjie.get(url).status_code == 404, url


def test_the_own_zone_drills_down_to_its_unions_and_to_a_union(changjie, zones):
    mine, _neighbour = zones
    compute_union_indicators()
    unions = set(GrassrootsUnion.objects.filter(zone=mine, is_holding_pool=False).values_list("id", flat=True))
    assert unions
    detail = changjie.get(f"/api/v1/dashboard/zones/{mine.pk}/").json()
    assert detail["zone"] == {"id": mine.pk, "name": mine.name}
    assert {row["id"] for row in detail["results"]} == unions
    indices = [row["anomaly_index"] for row in detail["results"]]
    assert indices == sorted(indices, reverse=True)
    page = changjie.get(f"/dashboard/zones/{mine.pk}/")
    assert page.status_code == 200
    union = GrassrootsUnion.objects.get(pk=detail["results"][0]["id"])
    assert f"/dashboard/unions/{union.pk}/" in page.content.decode()
    union_page = changjie.get(f"/dashboard/unions/{union.pk}/")
    assert union_page.status_code == 200 and union.name in union_page.content.decode()
    assert changjie.get(f"/api/v1/dashboard/unions/{union.pk}/").json()["name"] == union.name


def test_the_exports_hold_only_the_township(changjie, zones):
    mine, neighbour = zones
    response = changjie.get("/dashboard/zones.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = {c for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) for c in row}
    assert mine.name in cells and neighbour.name not in cells
    unions = changjie.get(f"/dashboard/zones/{mine.pk}/unions.xlsx")
    names = {row[0] for row in load_workbook(io.BytesIO(unions.content)).active.iter_rows(min_row=3, values_only=True)}
    assert names == set(GrassrootsUnion.objects.filter(zone=mine, is_holding_pool=False).values_list("name", flat=True))
    visited = Visit.objects.filter(zone=mine, quarter=str(Quarter.current())).first()
    if visited is None:  # early in a quarter the demo may not have visited this zone yet
        visited = VisitFactory(union=GrassrootsUnion.objects.filter(zone=mine).order_by("id").first())
    visits = changjie.get(f"/dashboard/unions/{visited.union_id}/visits.xlsx")
    rows = list(load_workbook(io.BytesIO(visits.content)).active.iter_rows(min_row=3, values_only=True))
    assert len(rows) == Visit.objects.filter(union=visited.union_id, quarter=str(Quarter.current())).count()


def test_the_map_layers_hold_only_the_township(changjie, zones):
    mine, _neighbour = zones
    features = changjie.get("/api/v1/dashboard/map/zones/").json()["features"]
    assert [feature["id"] for feature in features] == [mine.pk]
    assert features[0]["geometry"]["type"] == "MultiPolygon"  # the outline the refresh simplified
    station_ids = {f["id"] for f in changjie.get("/api/v1/dashboard/map/stations/").json()["features"]}
    leader = User.objects.get(username="changjie_leader")
    assert station_ids == set(Station.objects.restrict(leader).values_list("id", flat=True))


def test_cards_and_trends_differ_between_neighbours(demo_figures):
    figures = {}
    for username in ["changjie_leader", "xidian_leader"]:
        client = Client()
        client.force_login(User.objects.get(username=username))
        summary = client.get("/api/v1/dashboard/summary/").json()
        trends = client.get("/api/v1/dashboard/trends/").json()
        figures[username] = ({c["key"]: c["value"] for c in summary["cards"]}, trends["series"])
    assert figures["changjie_leader"] != figures["xidian_leader"]
    assert (
        figures["changjie_leader"][0]["unions"]
        == GrassrootsUnion.objects.filter(federation__name="长街镇总工会", is_holding_pool=False).count()
    )


@pytest.mark.parametrize("username", ["wuyuan_keeper", "ningdong_union_chair"])
def test_roles_without_figures_are_refused(demo_figures, username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/api/v1/dashboard/summary/").status_code == 403


def test_a_zone_chief_sees_their_zone(demo_figures, zones):
    mine, neighbour = zones
    client = Client()
    client.force_login(User.objects.get(username="ningdong_chief"))
    assert [row["id"] for row in client.get("/api/v1/dashboard/zones/").json()["results"]] == [mine.pk]
    assert client.get(f"/dashboard/zones/{neighbour.pk}/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(db):
    response = Client().get("/dashboard/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Client().get("/api/v1/dashboard/summary/").status_code in (401, 403)


@override_settings(PUBLIC_HOSTS=["fuwu.example.org"], ALLOWED_HOSTS=["fuwu.example.org"])
def test_the_dashboard_is_never_served_on_the_public_host(changjie):
    assert changjie.get("/dashboard/", HTTP_HOST="fuwu.example.org").status_code == 404
    assert changjie.get("/api/v1/dashboard/summary/", HTTP_HOST="fuwu.example.org").status_code == 404


def test_a_bad_period_is_a_field_error(changjie):
    response = changjie.get("/api/v1/dashboard/summary/", {"start": "2026-13", "end": "1990-01"})
    assert response.status_code == 400
    assert set(response.json()) == {"start", "end"}
    this_month = first_of_month(timezone.localdate())
    start, end = (f"{add_months(this_month, back):%Y-%m}" for back in (-1, -2))
    backwards = changjie.get("/api/v1/dashboard/summary/", {"start": start, "end": end})
    assert backwards.status_code == 400 and set(backwards.json()) == {"end"}


def test_the_wall_display_reloads_itself(changjie):
    html = changjie.get("/dashboard/", {"display": "wall"}).content.decode()
    assert 'http-equiv="refresh"' in html and 'class="dashboard wall"' in html
    assert "<script>" not in html  # no inline script: data travel in json_script, code in static files


def test_the_map_layers_narrow_to_a_box(changjie, zones):
    mine, _neighbour = zones
    far_away = {"in_bbox": "100.0,20.0,100.1,20.1"}
    assert changjie.get("/api/v1/dashboard/map/zones/", far_away).json()["features"] == []
    assert changjie.get("/api/v1/dashboard/map/stations/", far_away).json()["features"] == []
    x, y = mine.boundary.centroid.coords
    around = {"in_bbox": f"{x - 0.5},{y - 0.5},{x + 0.5},{y + 0.5}"}
    assert [f["id"] for f in changjie.get("/api/v1/dashboard/map/zones/", around).json()["features"]] == [mine.pk]


def year_back() -> dict[str, str]:
    this_month = first_of_month(timezone.localdate())
    return {"start": f"{add_months(this_month, -11):%Y-%m}", "end": f"{this_month:%Y-%m}", "compare": "none"}


def test_grievance_and_hardship_figures_are_the_townships_own(demo_figures):
    """Each township's grievance and aid cards count its own rows (the fixture gives the two different ones)."""
    period = year_back()
    since = timezone.make_aware(datetime.datetime.strptime(period["start"], "%Y-%m"))
    first = since.date()
    seen = {}
    for username, township in [("changjie_leader", "长街镇总工会"), ("xidian_leader", "西店镇总工会")]:
        client = Client()
        client.force_login(User.objects.get(username=username))
        cards = {c["key"]: c["value"] for c in client.get("/api/v1/dashboard/summary/", period).json()["cards"]}
        path = Federation.objects.get(name=township).path
        grievances = Grievance.objects.filter(federation_path__startswith=path, created_at__gte=since)
        paid = HardshipCase.objects.filter(federation_path__startswith=path, status__in=PAID, disbursed_on__gte=first)
        assert cards["grievances_found"] == grievances.count() > 0
        assert cards["grievances_satisfied"] == grievances.filter(rating__gte=4).count()
        assert cards["hardship_paid_cases"] == paid.count() > 0
        assert cards["hardship_paid"] == float(sum(case.amount_approved for case in paid))
        budget = HardshipBudget.objects.get(federation__name=township, year=timezone.localdate().year)
        assert cards["hardship_budget"] == float(budget.amount), "the township's own budget, not the county's"
        seen[username] = cards
    assert seen["changjie_leader"]["grievances_found"] != seen["xidian_leader"]["grievances_found"]


def test_the_zone_drill_down_gives_its_grievances_median_read_directly(changjie, zones):
    mine, _neighbour = zones
    period = year_back()
    since = timezone.make_aware(datetime.datetime.strptime(period["start"], "%Y-%m"))
    resolved = Grievance.objects.filter(zone=mine, created_at__gte=since, first_resolved_at__isnull=False)
    expected = statistics.median((g.first_resolved_at - g.created_at).total_seconds() / 86400 for g in resolved)
    detail = changjie.get(f"/api/v1/dashboard/zones/{mine.pk}/", period).json()
    assert detail["grievance_median_days"] == round(expected, 1)
    assert f"{round(expected, 1)}" in changjie.get(f"/dashboard/zones/{mine.pk}/", period).content.decode()


def test_the_union_drill_down_counts_its_grievances_and_aid(changjie, zones):
    mine, _neighbour = zones
    period = year_back()
    union = GrassrootsUnion.objects.filter(zone=mine, is_holding_pool=False).order_by("id").first()
    since = timezone.make_aware(datetime.datetime.strptime(period["start"], "%Y-%m"))
    detail = changjie.get(f"/api/v1/dashboard/unions/{union.pk}/", period).json()
    grievances = Grievance.objects.filter(union=union, created_at__gte=since)
    assert detail["grievances"]["found"] == grievances.count() > 0
    assert detail["grievances"]["handled_on_time"] == grievances.filter(resolved_on_time=True).count()
    assert detail["grievances"]["reopened"] == grievances.filter(reopen_count__gt=0).count()
    paid = HardshipCase.objects.filter(union=union, status__in=PAID, disbursed_on__gte=since.date())
    assert detail["hardship"] == {"cases": paid.count(), "paid": float(sum(c.amount_approved for c in paid))}


def test_the_zone_table_and_its_export_carry_the_new_columns_of_the_own_zone_only(changjie, zones):
    mine, neighbour = zones
    period = year_back()
    rows = changjie.get("/api/v1/dashboard/zones/", period).json()["results"]
    own = next(row for row in rows if row["id"] == mine.pk)
    since = timezone.make_aware(datetime.datetime.strptime(period["start"], "%Y-%m"))
    assert own["grievances_found"] == Grievance.objects.filter(zone=mine, created_at__gte=since).count()
    response = changjie.get("/dashboard/zones.xlsx", period)
    sheet = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = sheet[1]
    column = [key for key, _label in dashboard.ZONE_COLUMNS].index("grievances_found") + 1
    zone_row = next(row for row in sheet[2:] if row[0] == mine.name)
    assert zone_row[column] == own["grievances_found"] and len(header) == len(dashboard.ZONE_COLUMNS) + 1
    assert all(neighbour.name not in row for row in sheet)


def test_the_heat_layer_offers_only_the_leaderships_own_node(changjie, demo_figures):
    """The map's heat layer names the township's node; the heat API gives nothing of the neighbour's."""
    own, other = Federation.objects.get(name="长街镇总工会"), Federation.objects.get(name="西店镇总工会")
    cell = Polygon.from_bbox((121.5, 29.2, 121.51, 29.21))
    for federation in (own, other):
        HeatCell.objects.create(
            federation=federation,
            federation_path=federation.path,
            layer=HeatLayer.WORKPLACES,
            cell=cell,
            weight=9,
            computed_at=timezone.now(),
        )
    heat = page_data(changjie.get("/dashboard/"))["map"]["heat"]
    assert heat["nodes"] == [own.pk]
    assert [value for value, _label in heat["layers"]] == HeatLayer.values
    url = heat["geojson"]
    mine = changjie.get(url, {"federation": own.pk, "layer": HeatLayer.WORKPLACES}).json()["features"]
    assert [feature["properties"]["weight"] for feature in mine] == [9]
    assert changjie.get(url, {"federation": other.pk, "layer": HeatLayer.WORKPLACES}).json()["features"] == []
    html = changjie.get("/dashboard/").content.decode()
    assert "stations/heatlayer.js" in html, "the dashboard draws the cells with the heat map page's layer code"
