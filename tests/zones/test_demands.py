"""Demand lists matched to service resources (需求清单 ↔ 服务资源): by category and distance, tracked to met."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.factories import (
    DemandMatchFactory,
    FindingFactory,
    GrassrootsUnionFactory,
    Point,
    RoleAssignmentFactory,
    ServiceResourceFactory,
    UnionChairFactory,
    ZoneFactory,
    ZoneStaffFactory,
    square,
)
from unionhub.core.choices import Role
from unionhub.core.exceptions import OutOfScope
from zones.actions import do_mark_demand_met, do_match_demand, do_save_resource, do_withdraw_match
from zones.choices import FindingKind, FindingStatus, MatchStatus, ResourceCategory
from zones.matching import suggest_resources
from zones.models import DemandMatch, Finding, ServiceResource

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone():
    return ZoneFactory()


@pytest.fixture
def worker(zone):
    return ZoneStaffFactory(zone=zone, role=Role.ZONE_SOCIAL_WORKER).user


@pytest.fixture
def demand(zone, worker):
    union = GrassrootsUnionFactory(zone=zone, federation=zone.federation, location=Point(121.42, 29.32, srid=4326))
    return FindingFactory(union=union, raised_by=worker, category=ResourceCategory.SPORTS)


def resource(zone, lon, **fields):
    return ServiceResourceFactory(zone=zone, position=Point(lon, 29.32, srid=4326), **fields)


def test_a_demand_says_what_it_needs():
    finding = FindingFactory.build(union=GrassrootsUnionFactory(), kind=FindingKind.DEMAND, category="")

    with pytest.raises(ValidationError) as refused:
        finding.full_clean()

    assert "category" in refused.value.message_dict


def test_a_visit_with_a_demand_but_no_category_is_refused_field_by_field(zone, worker, api_client):
    union = GrassrootsUnionFactory(zone=zone, federation=zone.federation)
    api_client.force_authenticate(worker)

    response = api_client.post(
        "/api/v1/visits/",
        {
            "union": union.pk,
            "visited_at": "2026-11-20T10:00:00+08:00",
            "duties": ["contact"],
            "findings": [{"kind": "demand", "description": "想借用隔壁厂的篮球场"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "category" in response.json()["findings"]["0"]
    assert not Finding.objects.exists()


def test_suggestions_are_available_resources_of_the_category_nearest_first(zone, worker, demand):
    far = resource(zone, 121.44, name="远处健身房")
    near = resource(zone, 121.421, name="隔壁健身房")
    resource(zone, 121.421, name="隔壁食堂", category=ResourceCategory.CANTEEN)
    resource(zone, 121.421, name="停用健身房", available=False)
    ServiceResourceFactory(name="别的片区健身房", position=Point(121.421, 29.32, srid=4326))  # another zone

    suggested = list(suggest_resources(demand, worker))

    assert [r.name for r in suggested] == [near.name, far.name]
    assert suggested[0].distance.m < suggested[1].distance.m


def test_matching_puts_the_demand_in_progress_and_meeting_it_resolves_it(zone, worker, demand):
    gym, other_gym = resource(zone, 121.421), resource(zone, 121.43)

    match = do_match_demand(demand, gym, actor=worker, note="周三晚上开放")
    second = do_match_demand(demand, other_gym, actor=worker)
    demand.refresh_from_db()
    assert demand.status == FindingStatus.IN_PROGRESS
    assert 50 < match.distance_m < 150  # 0.001° of longitude at 29.3° N is about 97 m
    assert other_gym not in suggest_resources(demand, worker)

    do_mark_demand_met(match, actor=worker, note="已安排每周三使用")

    demand.refresh_from_db()
    second.refresh_from_db()
    match.refresh_from_db()
    assert demand.status == FindingStatus.RESOLVED and demand.closed_at is not None
    assert match.status == MatchStatus.MET and "每周三" in match.note
    assert second.status == MatchStatus.WITHDRAWN


def test_withdrawing_the_only_match_opens_the_demand_again(zone, worker, demand):
    match = do_match_demand(demand, resource(zone, 121.421), actor=worker)

    do_withdraw_match(match, actor=worker)

    demand.refresh_from_db()
    assert demand.status == FindingStatus.OPEN


def test_the_same_resource_is_not_matched_twice(zone, worker, demand):
    gym = resource(zone, 121.421)
    do_match_demand(demand, gym, actor=worker)

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        do_match_demand(demand, gym, actor=worker)

    assert DemandMatch.objects.count() == 1
    assert "already matched" in str(refused.value)


def test_a_closed_demand_or_an_unavailable_resource_is_refused(zone, worker, demand):
    with pytest.raises(ValidationError):
        do_match_demand(demand, resource(zone, 121.421, available=False), actor=worker)
    demand.status = FindingStatus.CLOSED
    demand.save()
    with pytest.raises(ValidationError):
        do_match_demand(demand, resource(zone, 121.421), actor=worker)
    assert not DemandMatch.objects.exists()


def test_a_resource_of_another_zone_cannot_be_matched_by_a_zone_worker(worker, demand):
    elsewhere = ServiceResourceFactory()

    with pytest.raises(OutOfScope):
        do_match_demand(demand, elsewhere, actor=worker)

    assert not DemandMatch.objects.exists()


def test_a_resource_lands_in_the_zone_containing_it(zone):
    staff = RoleAssignmentFactory(federation=zone.federation, role=Role.FEDERATION_STAFF).user
    gym = ServiceResource(
        name="五金厂职工健身房",
        category=ResourceCategory.SPORTS,
        provider="五金厂",
        federation=zone.federation,
        position=Point(121.41, 29.31, srid=4326),
    )

    do_save_resource(gym, actor=staff)

    assert gym.zone == zone


def test_a_chief_adds_resources_in_their_zone_only(zone):
    chief = ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user
    ZoneFactory(federation=zone.federation, boundary=square(121.50, 29.30))
    ours = ServiceResource(
        name="共享培训室", category=ResourceCategory.TRAINING_ROOM, provider="科技园",
        federation=zone.federation, position=Point(121.41, 29.31, srid=4326),
    )  # fmt: skip
    theirs = ServiceResource(
        name="邻片区食堂", category=ResourceCategory.CANTEEN, provider="物流园",
        federation=zone.federation, position=Point(121.51, 29.31, srid=4326),
    )  # fmt: skip

    do_save_resource(ours, actor=chief)
    with pytest.raises(OutOfScope):
        do_save_resource(theirs, actor=chief)

    assert list(ServiceResource.objects.values_list("name", flat=True)) == ["共享培训室"]


def test_the_api_suggests_matches_and_tracks_to_met(zone, worker, demand, api_client):
    gym = resource(zone, 121.421, name="隔壁健身房")
    api_client.force_authenticate(worker)

    suggestions = api_client.get(f"/api/v1/findings/{demand.pk}/suggestions/").json()
    created = api_client.post("/api/v1/demand-matches/", {"finding": demand.pk, "resource": gym.pk}, format="json")
    met = api_client.post(f"/api/v1/demand-matches/{created.json()['id']}/met/", {"note": "已使用"}, format="json")

    assert [s["name"] for s in suggestions] == ["隔壁健身房"] and suggestions[0]["distance_m"] > 0
    assert created.status_code == 201 and created.json()["status"] == "matched"
    assert met.status_code == 200 and met.json()["status"] == "met"
    assert Finding.objects.get(pk=demand.pk).status == FindingStatus.RESOLVED


def test_the_api_answers_missing_for_a_resource_out_of_scope(worker, demand, api_client):
    api_client.force_authenticate(worker)

    response = api_client.post(
        "/api/v1/demand-matches/", {"finding": demand.pk, "resource": ServiceResourceFactory().pk}, format="json"
    )

    assert response.status_code == 400 and "resource" in response.json()
    assert not DemandMatch.objects.exists()


def test_the_phone_matches_a_demand_and_marks_it_met(zone, worker, demand):
    gym = resource(zone, 121.421, name="隔壁健身房")
    client = Client()
    client.force_login(worker)

    listed = client.get("/m/demands/").content.decode()
    page = client.get(f"/m/demands/{demand.pk}/").content.decode()
    client.post(f"/m/demands/{demand.pk}/", {"resource": gym.pk, "note": "先试用一个月"})
    match = DemandMatch.objects.get()
    client.post(f"/m/demands/{demand.pk}/", {"match": match.pk, "outcome": "met"})

    assert demand.description in listed and "隔壁健身房" in page
    match.refresh_from_db()
    assert match.status == MatchStatus.MET
    assert demand.description in client.get("/m/demands/?show=met").content.decode()


def test_a_union_chair_reads_a_demand_but_cannot_match_it(zone, demand):
    chair = UnionChairFactory(union=demand.union).user
    gym = resource(zone, 121.421)
    client = Client()
    client.force_login(chair)

    page = client.get(f"/m/demands/{demand.pk}/")
    refused = client.post(f"/m/demands/{demand.pk}/", {"resource": gym.pk})

    assert page.status_code == 200 and 'name="resource"' not in page.content.decode()
    assert refused.status_code == 404
    assert not DemandMatch.objects.exists()


def test_the_demand_list_runs_a_fixed_number_of_queries(zone, worker, demand, django_assert_num_queries):
    gym = resource(zone, 121.421)
    client = Client()
    client.force_login(worker)
    with CaptureQueriesContext(connection) as one_demand:
        assert client.get("/m/demands/").status_code == 200
    for _ in range(6):
        DemandMatchFactory(finding=FindingFactory(union=demand.union, raised_by=worker), resource=gym)
    with django_assert_num_queries(len(one_demand)):
        assert client.get("/m/demands/").status_code == 200
