"""The heat map: people per hexagon from unions' members and stations' check-ins; small cells never leave the server."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from stations.heat import refresh_heat_map
from stations.models import HeatCell
from tests.factories import (
    FederationFactory,
    GrassrootsUnionFactory,
    RoleAssignmentFactory,
    StationFactory,
    ZoneFactory,
)
from tests.stations.factories import CheckInFactory
from unionhub.core.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return FederationFactory(name="宁海县总工会")


def union_at(county, lon, lat, members):
    zone = ZoneFactory(federation=county)
    where = Point(lon, lat, srid=4326)
    return GrassrootsUnionFactory(zone=zone, federation=county, location=where, member_count=members)


def test_members_are_summed_per_hexagon_and_small_cells_are_left_out(county):
    union_at(county, 121.4300, 29.3300, 30)
    union_at(county, 121.4302, 29.3301, 12)  # a few metres away: the same hexagon
    union_at(county, 121.6000, 29.2000, 3)  # alone and small: suppressed

    refresh_heat_map(county)

    cells = list(HeatCell.objects.filter(federation=county, layer="workplaces").values_list("weight", flat=True))
    assert cells == [42]


def test_check_ins_of_the_last_30_days_count_at_their_station(county):
    station = StationFactory(zone=ZoneFactory(federation=county), federation=county)
    for n in range(6):
        CheckInFactory(station=station, checked_in_at=timezone.now() - datetime.timedelta(days=n))
    CheckInFactory(station=station, checked_in_at=timezone.now() - datetime.timedelta(days=40))

    refresh_heat_map(county)

    assert list(HeatCell.objects.filter(layer="check_ins").values_list("weight", flat=True)) == [6]


def test_rebuilding_replaces_the_cells(county):
    union_at(county, 121.43, 29.33, 30)
    refresh_heat_map(county)
    refresh_heat_map(county)

    assert HeatCell.objects.filter(federation=county).count() == 1


def test_the_map_is_served_as_hexagons_to_staff_in_scope_only(county, api_client):
    union_at(county, 121.43, 29.33, 30)
    refresh_heat_map(county)
    staff = RoleAssignmentFactory(federation=county, role=Role.FEDERATION_STAFF).user
    neighbour = RoleAssignmentFactory(role=Role.LEADERSHIP).user

    api_client.force_authenticate(staff)
    mine = api_client.get(f"/api/v1/heat-map/geojson/?federation={county.pk}&layer=workplaces").json()
    missing = api_client.get("/api/v1/heat-map/geojson/?layer=workplaces")
    api_client.force_authenticate(neighbour)
    theirs = api_client.get(f"/api/v1/heat-map/geojson/?federation={county.pk}&layer=workplaces").json()

    assert [f["geometry"]["type"] for f in mine["features"]] == ["Polygon"]
    assert mine["features"][0]["properties"]["weight"] == 30
    assert missing.status_code == 400 and "federation" in missing.json()
    assert theirs["features"] == []


def test_the_admin_shows_the_map(county):
    staff = RoleAssignmentFactory(federation=county, role=Role.FEDERATION_STAFF).user
    client = Client()
    client.force_login(staff)

    page = client.get("/admin/stations/heatcell/map/")

    assert page.status_code == 200 and 'id="heat-map"' in page.content.decode()
    assert county.name in page.content.decode()
