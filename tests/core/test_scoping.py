"""Each role sees and changes exactly its own part of the federation, through every door."""

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied

from tests.factories import (
    FederationFactory,
    GrassrootsUnionFactory,
    MemberFactory,
    RoleAssignmentFactory,
    StationFactory,
    StationKeeperFactory,
    UnionChairFactory,
    ZoneFactory,
    ZoneStaffFactory,
    square,
)
from unionhub.core.actions import do_assign_role
from unionhub.core.choices import Action, FederationKind, Role
from unionhub.core.models import Federation, RoleAssignment
from zones.models import GrassrootsUnion

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_zones():
    county = FederationFactory(name="宁海县总工会")
    return county, ZoneFactory(federation=county, name="宁东片区"), ZoneFactory(federation=county, name="望海片区")


def test_a_zone_chief_sees_and_edits_only_their_zones_unions(two_zones, client_for):
    _, ningdong, wanghai = two_zones
    mine, other = GrassrootsUnionFactory(zone=ningdong), GrassrootsUnionFactory(zone=wanghai)
    chief = ZoneStaffFactory(zone=ningdong, role=Role.ZONE_CHIEF).user

    assert list(GrassrootsUnion.objects.restrict(chief, Action.VIEW)) == [mine]
    assert list(GrassrootsUnion.objects.restrict(chief, Action.CHANGE)) == [mine]
    api = client_for(chief)
    assert api.patch(f"/api/v1/unions/{mine.pk}/", {"address": "长街镇兴港路1号"}).status_code == 200
    assert api.patch(f"/api/v1/unions/{other.pk}/", {"address": "西店镇"}).status_code == 404
    assert api.get(f"/api/v1/unions/{other.pk}/").status_code == 404
    assert api.get("/api/v1/unions/999999/").status_code == 404


def test_a_zone_chief_cannot_move_a_union_into_another_zone(two_zones, client_for):
    _, ningdong, wanghai = two_zones
    union = GrassrootsUnionFactory(zone=ningdong)
    chief = ZoneStaffFactory(zone=ningdong, role=Role.ZONE_CHIEF).user

    response = client_for(chief).patch(f"/api/v1/unions/{union.pk}/", {"zone": wanghai.pk})

    assert response.status_code == 400
    assert "zone" in response.json()
    union.refresh_from_db()
    assert union.zone == ningdong


def test_city_staff_see_every_county_below_them():
    city = Federation.objects.create(
        name="宁波市总工会",
        kind=FederationKind.CITY,
        parent=Federation.objects.create(name="浙江省总工会", kind=FederationKind.PROVINCE),
    )
    ninghai, haishu = FederationFactory(parent=city), FederationFactory(parent=city)
    unions = [GrassrootsUnionFactory(zone=ZoneFactory(federation=f)) for f in (ninghai, haishu)]
    city_staff = RoleAssignmentFactory(federation=city, role=Role.FEDERATION_STAFF).user
    county_staff = RoleAssignmentFactory(federation=ninghai, role=Role.FEDERATION_STAFF).user

    assert set(GrassrootsUnion.objects.restrict(city_staff)) == set(unions)
    assert list(GrassrootsUnion.objects.restrict(county_staff)) == [unions[0]]


def test_county_staff_cannot_grant_themselves_the_city(client_for):
    county = FederationFactory()
    staff = RoleAssignmentFactory(federation=county, role=Role.FEDERATION_STAFF).user

    with pytest.raises(PermissionDenied):
        do_assign_role(RoleAssignment(user=staff, role=Role.FEDERATION_STAFF, federation=county.parent), actor=staff)

    response = client_for(staff).post(
        "/api/v1/role-assignments/", {"user": staff.pk, "role": Role.FEDERATION_STAFF, "federation": county.parent_id}
    )
    assert response.status_code == 400
    assert list(RoleAssignment.objects.filter(user=staff).values_list("federation", flat=True)) == [county.pk]


def test_a_role_bound_to_the_wrong_kind_of_node_is_refused(client_for):
    county = FederationFactory()
    staff = RoleAssignmentFactory(federation=county, role=Role.FEDERATION_STAFF).user
    zone = ZoneFactory(federation=county)
    api = client_for(staff)

    as_federation = api.post(
        "/api/v1/role-assignments/", {"user": staff.pk, "role": Role.ZONE_CHIEF, "federation": county.pk}
    )
    as_zone = api.post("/api/v1/zone-staff/", {"user": staff.pk, "role": Role.LEADERSHIP, "zone": zone.pk})

    assert as_federation.status_code == 400
    assert "片区" in as_federation.json()["role"][0]  # says where the role belongs, in Chinese
    assert as_zone.status_code == 400
    assert "role" in as_zone.json()
    assert RoleAssignment.objects.filter(user=staff).count() == 1


def test_a_station_keeper_edits_their_station_and_nothing_else(client_for):
    zone = ZoneFactory()
    station, other = StationFactory(zone=zone), StationFactory(zone=zone)
    keeper = StationKeeperFactory(station=station).user
    api = client_for(keeper)

    assert api.patch(f"/api/v1/stations/{station.pk}/", {"open_24h": True}).status_code == 200
    assert api.patch(f"/api/v1/stations/{other.pk}/", {"open_24h": True}).status_code == 404
    assert api.delete(f"/api/v1/stations/{station.pk}/").status_code == 404
    assert api.get("/api/v1/unions/").json()["results"] == []


def test_a_union_chair_sees_their_own_members_only(client_for):
    union, neighbour = GrassrootsUnionFactory(), GrassrootsUnionFactory()
    member, _ = MemberFactory(union=union), MemberFactory(union=neighbour)
    chair = UnionChairFactory(union=union).user

    ids = [row["id"] for row in client_for(chair).get("/api/v1/members/").json()["results"]]

    assert ids == [member.pk]


def test_moving_a_federation_carries_its_whole_branch(two_zones):
    county, ningdong, _ = two_zones
    union = GrassrootsUnionFactory(zone=ningdong, federation=county)
    member = MemberFactory(union=union)
    new_city = FederationFactory(kind=FederationKind.CITY, name="嘉兴市总工会", parent=county.parent.parent)

    county.parent = new_city
    county.save()

    for row in (ningdong, union, member):
        row.refresh_from_db()
        assert row.federation_path.startswith(new_city.path), row
    county.refresh_from_db()
    assert county.depth == 2
    city_staff = RoleAssignmentFactory(federation=new_city, role=Role.FEDERATION_STAFF).user
    assert list(GrassrootsUnion.objects.restrict(city_staff)) == [union]


def test_moving_a_union_moves_its_members_zone(two_zones):
    county, ningdong, wanghai = two_zones
    ningdong.boundary = square(121.40, 29.30)
    ningdong.save()
    wanghai.boundary = square(121.50, 29.30)
    wanghai.save()
    staff = RoleAssignmentFactory(federation=county, role=Role.FEDERATION_STAFF).user
    union = GrassrootsUnionFactory(zone=ningdong, federation=county, zone_set_by_hand=False)
    member = MemberFactory(union=union)
    from zones.actions import do_save_union

    union.location = Point(121.52, 29.32, srid=4326)
    do_save_union(union, actor=staff)

    member.refresh_from_db()
    assert union.zone == wanghai
    assert member.zone == wanghai
    chief = ZoneStaffFactory(zone=wanghai, role=Role.ZONE_CHIEF).user
    assert member in type(member).objects.restrict(chief)


def test_anonymous_requests_see_nothing(api_client):
    GrassrootsUnionFactory()
    assert api_client.get("/api/v1/unions/").status_code in (401, 403)
    assert GrassrootsUnion.objects.restrict(None).count() == 0
