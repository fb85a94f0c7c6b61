"""Full-text search over visit notes and findings: synonyms count, snippets are highlighted, scope holds."""

import io

import pytest
from django.core.management import call_command

from tests.factories import FindingFactory, GrassrootsUnionFactory, VisitFactory, ZoneFactory, ZoneStaffFactory
from unionhub.core.choices import Role
from zones.models import Finding, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def union():
    zone = ZoneFactory()
    return GrassrootsUnionFactory(zone=zone, federation=zone.federation)


@pytest.fixture
def worker(union):
    return ZoneStaffFactory(zone=union.zone, role=Role.ZONE_SOCIAL_WORKER).user


def test_searching_visits_for_wage_arrears_finds_colloquial_notes(client_for, union, worker):
    unpaid = VisitFactory(union=union, notes="职工反映工资一直没发，老板说下个月再说")
    VisitFactory(union=union, notes="检查职工之家台账")

    response = client_for(worker).get("/api/v1/visits/", {"q": "拖欠工资"})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [unpaid.pk]
    assert "<mark>工资一直没发</mark>" in rows[0]["notes_highlight"]


def test_without_a_query_there_is_no_highlight(client_for, union, worker):
    VisitFactory(union=union, notes="检查职工之家台账")
    rows = client_for(worker).get("/api/v1/visits/").json()["results"]
    assert rows[0]["notes_highlight"] is None


def test_search_stays_inside_the_users_scope(client_for, union, worker):
    other_zone = ZoneFactory()
    elsewhere = GrassrootsUnionFactory(zone=other_zone, federation=other_zone.federation)
    VisitFactory(union=elsewhere, notes="工资一直没发")
    FindingFactory(union=elsewhere, kind="incident", category="", description="有职工反映工资延期发放")
    mine = FindingFactory(union=union, kind="incident", category="", description="有职工反映工资延期发放")

    client = client_for(worker)
    assert client.get("/api/v1/visits/", {"q": "欠薪"}).json()["results"] == []
    rows = client.get("/api/v1/findings/", {"q": "欠薪"}).json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert "<mark>" in rows[0]["description_highlight"]


def test_a_phone_number_in_the_query_is_refused(client_for, worker):
    response = client_for(worker).get("/api/v1/visits/", {"q": "13800138000"})
    assert response.status_code == 400
    assert "q" in response.json()


def test_tokens_follow_edits_and_rows_loaded_without_them_are_backfilled(union):
    visit = VisitFactory(union=union, notes="检查职工之家台账")
    assert "台账" in visit.search_tokens
    visit.notes = "骑车摔了"
    visit.save(update_fields=["notes"])
    visit.refresh_from_db()
    assert "工伤" in visit.search_tokens.split()

    # Rows written by COPY (seed_scale) or before the column existed have no tokens.
    Visit.objects.filter(pk=visit.pk).update(search_tokens="")
    finding = FindingFactory(union=union)
    Finding.objects.filter(pk=finding.pk).update(search_tokens="")
    call_command("reindex_text", stdout=io.StringIO())
    assert "工伤" in Visit.objects.get(pk=visit.pk).search_tokens.split()
    assert "健身房" in Finding.objects.get(pk=finding.pk).search_tokens.split()


def test_the_admin_search_box_finds_notes_by_meaning(client, union):
    from tests.factories import UserFactory

    admin_user = UserFactory(is_superuser=True, is_staff=True)
    hit = VisitFactory(union=union, notes="工资一直没发")
    VisitFactory(union=union, notes="检查职工之家台账")
    client.force_login(admin_user)

    response = client.get("/admin/zones/visit/", {"q": "拖欠工资"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [hit]
