"""The dashboard's hot-words panel: read from the summary refresh's counts, equal to counting the grievances directly,
scoped like every other figure, exported as xlsx, and blind to words that could identify a person."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from events.grievance_text import grievance_hot_words, quarter_bounds
from events.models import Grievance
from tests.events.factories import GrievanceFactory
from unionhub.core.choices import Action
from unionhub.core.models import User
from unionhub.core.text.hot import word_counts
from unionhub.reports import dashboard
from unionhub.reports.dashboard import Compare, Period, Selection
from unionhub.reports.models import HotWordFigures
from unionhub.reports.quarterly import Node, collect, draft_narrative, quarter_period
from unionhub.reports.summaries import write_hot_words
from zones.models import GrassrootsUnion, Zone
from zones.quarters import Quarter

pytestmark = pytest.mark.django_db

# Each zone's grievances this quarter and last: 宁东 talks of unpaid wages and injuries, 望海 of tower cranes.
MINE_NOW = [
    "老板已经三个月没发工资了，项目经理张伟电话13800138000",
    "拖欠工资两个月，工地停工",
    "外卖骑手送餐摔伤，平台不认工伤",
    "骑手工伤没人管，站长王小明不理",
    "公司不交社保，工资也拖欠",
]
MINE_BEFORE = ["工地停工，工资拖欠", "加班没有加班费"]
NEIGHBOUR_NOW = ["塔吊司机连续加班，塔吊没有检修", "塔吊操作室太热，没有防暑降温"]


def add(zone: Zone, texts: list[str], when: datetime.datetime) -> None:
    union = GrassrootsUnion.objects.filter(zone=zone, is_holding_pool=False).order_by("id").first()
    for number, text in enumerate(texts):
        GrievanceFactory(union=union, description=text, created_at=when - datetime.timedelta(minutes=number))


@pytest.fixture
def zones(demo_figures) -> tuple[Zone, Zone]:
    mine, neighbour = Zone.objects.get(name="宁东片区"), Zone.objects.get(name="望海片区")
    quarter = Quarter.current()
    now = timezone.now()
    add(mine, MINE_NOW, now)
    add(neighbour, NEIGHBOUR_NOW, now)
    start, _end = quarter_bounds(quarter.previous())
    add(mine, MINE_BEFORE, start + datetime.timedelta(days=10))
    write_hot_words([quarter.previous(), quarter])
    return mine, neighbour


def client_of(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def page_data(response) -> dict:
    html = response.content.decode()
    marker = '<script id="dashboard-data" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def shown_words(client: Client) -> set[str]:
    return {row["word"] for row in page_data(client.get("/dashboard/"))["hotWords"]["words"]}


def test_the_panel_equals_counting_the_grievances_directly(zones):
    mine, _neighbour = zones
    leader = User.objects.get(username="changjie_leader")
    quarter = Quarter.current()
    for zone_id in [None, mine.pk]:
        selection = Selection(leader, Period.default(), Compare.PREVIOUS, zone_id)
        shown = dashboard.hot_words(selection)
        grievances = Grievance.objects.restrict(leader, Action.VIEW)
        if zone_id is not None:
            grievances = grievances.filter(zone_id=zone_id)
        _read, direct = grievance_hot_words(grievances, quarter)
        assert [(row["word"], row["count"]) for row in shown["words"]] == direct, zone_id
        start, end = quarter_bounds(quarter.previous())
        before = word_counts(
            grievances.filter(created_at__gte=start, created_at__lt=end).values_list("description", flat=True)
        )
        assert [row["compared"] for row in shown["words"]] == [before.get(word, 0) for word, _n in direct]
        assert all(row["change"] == row["count"] - row["compared"] for row in shown["words"])
    assert shown["quarter"] == str(quarter) and shown["compared_quarter"] == str(quarter.previous())
    words = dict(direct)
    assert words["欠薪"] >= 3 and words["工伤"] >= 2


def test_words_that_could_identify_a_person_are_never_counted(zones):
    stored = set(HotWordFigures.objects.values_list("word", flat=True))
    assert not {"张伟", "王小明", "13800138000"} & stored
    assert not any(char.isdigit() for word in stored for char in word if word != "12351")
    assert {"欠薪", "塔吊"} <= stored


def test_the_page_shows_the_panel_and_never_the_grievance_text(zones):
    mine, _neighbour = zones
    response = client_of("changjie_leader").get("/dashboard/")
    html = response.content.decode()
    assert 'id="hot-words"' in html and 'data-chart="hot_words"' in html
    data = page_data(response)["hotWords"]
    assert data["words"] and data["words"][0]["count"] >= data["words"][-1]["count"]
    for text in MINE_NOW:
        assert text not in html
    zone_page = client_of("changjie_leader").get(f"/dashboard/zones/{mine.pk}/")
    assert (
        page_data(zone_page)["hotWords"]["words"]
        == dashboard.hot_words(
            Selection(User.objects.get(username="changjie_leader"), Period.default(), Compare.PREVIOUS, mine.pk)
        )["words"]
    )


def test_a_zone_chief_sees_only_their_zones_words(zones):
    mine, neighbour = zones
    chief = client_of("ningdong_chief")
    assert "欠薪" in shown_words(chief) and "塔吊" not in shown_words(chief)
    assert "塔吊" not in shown_words(client_of("changjie_leader"))
    xidian = shown_words(client_of("xidian_leader"))
    assert "塔吊" in xidian and "工伤" not in xidian
    assert chief.get(f"/dashboard/zones/{neighbour.pk}/").status_code == 404
    assert chief.get(f"/dashboard/zones/{neighbour.pk}/hot-words.xlsx").status_code == 404
    assert chief.get(f"/dashboard/zones/{mine.pk}/hot-words.xlsx").status_code == 200


def test_the_export_holds_the_panels_rows(zones):
    mine, _neighbour = zones
    client = client_of("changjie_leader")
    for url, zone_id in [("/dashboard/hot-words.xlsx", None), (f"/dashboard/zones/{mine.pk}/hot-words.xlsx", mine.pk)]:
        response = client.get(url)
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=3, values_only=True))
        shown = dashboard.hot_words(
            Selection(User.objects.get(username="changjie_leader"), Period.default(), Compare.PREVIOUS, zone_id)
        )
        assert rows == [(r["word"], r["count"], r["compared"], r["change"]) for r in shown["words"]]


def test_the_year_comparison_and_none(zones):
    leader = User.objects.get(username="changjie_leader")
    quarter = Quarter.current()
    year = dashboard.hot_words(Selection(leader, Period.default(), Compare.YEAR))
    assert year["compared_quarter"] == str(Quarter(quarter.year - 1, quarter.number))
    assert all(row["compared"] == 0 for row in year["words"])
    none = dashboard.hot_words(Selection(leader, Period.default(), Compare.NONE))
    assert none["compared_quarter"] is None and all(row["change"] is None for row in none["words"])


def test_the_refresh_rewrites_the_quarter(zones):
    mine, _neighbour = zones
    quarter = Quarter.current()
    before = HotWordFigures.objects.filter(quarter=str(quarter), zone=mine).get(word="工伤").texts
    add(mine, ["又一个骑手工伤"], timezone.now())
    write_hot_words([quarter])
    assert HotWordFigures.objects.filter(quarter=str(quarter), zone=mine).get(word="工伤").texts == before + 1
    assert HotWordFigures.objects.filter(quarter=str(quarter), zone=mine, word="工伤").count() == 1


def test_the_quarterly_report_names_the_zones_hot_words(zones):
    mine, _neighbour = zones
    quarter = Quarter.current()
    figures = collect(Node.of_zone(mine), quarter_period(quarter))
    words = [row["word"] for row in figures["hot_words"]]
    assert "欠薪" in words and "塔吊" not in words
    assert "欠薪" in draft_narrative(figures, "zh-hans")


def test_the_api_answers_the_panels_words_and_404_for_a_neighbours_zone(zones):
    mine, neighbour = zones
    client = client_of("changjie_leader")
    leader = User.objects.get(username="changjie_leader")
    for query, zone_id in [({}, None), ({"zone": mine.pk}, mine.pk)]:
        body = client.get("/api/v1/dashboard/hot-words/", query).json()
        assert (
            body["words"]
            == dashboard.hot_words(Selection(leader, Period.default(), Compare.PREVIOUS, zone_id))["words"]
        )
        assert body["quarter"] == str(Quarter.current()) and body["refreshed_at"]
    assert client.get("/api/v1/dashboard/hot-words/", {"zone": neighbour.pk}).status_code == 404
    assert client.get("/api/v1/dashboard/hot-words/", {"zone": "x"}).status_code == 400
