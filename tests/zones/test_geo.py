"""PostGIS does the geography: placing unions in zones, refusing bad shapes and positions."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError

from stations.actions import do_save_station
from tests.factories import (
    FederationFactory,
    GrassrootsUnionFactory,
    RoleAssignmentFactory,
    ServiceResourceFactory,
    StationFactory,
    ZoneFactory,
    credit_code,
    square,
)
from unionhub.core.choices import Role
from zones.actions import do_save_resource, do_save_union, do_save_zone
from zones.models import GrassrootsUnion, Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user


def test_a_union_goes_into_the_zone_that_contains_it(staff):
    federation = staff.role_assignments.get().federation
    east = ZoneFactory(federation=federation, boundary=square(121.50, 29.30))
    ZoneFactory(federation=federation, boundary=square(121.40, 29.30))
    union = GrassrootsUnion(
        name="宁东五金厂工会",
        credit_code=credit_code(),
        federation=federation,
        location=Point(121.52, 29.32, srid=4326),
    )

    do_save_union(union, actor=staff)

    assert union.zone == east


def test_a_zone_set_by_hand_stays(staff):
    federation = staff.role_assignments.get().federation
    chosen = ZoneFactory(federation=federation, boundary=square(121.40, 29.30))
    ZoneFactory(federation=federation, boundary=square(121.50, 29.30))
    union = GrassrootsUnion(
        name="望海电器工会",
        credit_code=credit_code(),
        federation=federation,
        zone=chosen,
        zone_set_by_hand=True,
        location=Point(121.52, 29.32, srid=4326),
    )

    do_save_union(union, actor=staff)

    assert union.zone == chosen


def test_it_refuses_a_boundary_that_crosses_itself(staff):
    federation = staff.role_assignments.get().federation
    bow_tie = Polygon(((121.4, 29.3), (121.5, 29.4), (121.5, 29.3), (121.4, 29.4), (121.4, 29.3)))
    zone = Zone(name="交叉片区", federation=federation, boundary=MultiPolygon(bow_tie, srid=4326))

    with pytest.raises(ValidationError) as error:
        do_save_zone(zone, actor=staff)

    assert "boundary" in error.value.message_dict
    assert not Zone.objects.filter(name="交叉片区").exists()


def test_it_refuses_a_position_outside_china(staff):
    federation = staff.role_assignments.get().federation
    union = GrassrootsUnion(
        name="海外工会", credit_code=credit_code(), federation=federation, location=Point(2.35, 48.85, srid=4326)
    )

    with pytest.raises(ValidationError) as error:
        do_save_union(union, actor=staff)

    assert "location" in error.value.message_dict
    assert not GrassrootsUnion.objects.exists()


def test_it_refuses_a_position_outside_the_federations_area(staff):
    federation = FederationFactory(area=square(121.3, 29.2, 0.3))
    RoleAssignmentFactory(user=staff, federation=federation)
    union = GrassrootsUnion(
        name="宁波以外工会", credit_code=credit_code(), federation=federation, location=Point(120.1, 30.2, srid=4326)
    )

    with pytest.raises(ValidationError) as error:
        do_save_union(union, actor=staff)

    assert error.value.error_dict["location"][0].code == "outside_area"


@pytest.mark.parametrize(
    ("factory", "save"),
    [
        (GrassrootsUnionFactory, do_save_union),
        (StationFactory, do_save_station),
        (ServiceResourceFactory, do_save_resource),
    ],
    ids=["union", "station", "service resource"],
)
def test_a_row_cannot_take_a_zone_from_another_branch_of_the_tree(factory, save):
    home, other = FederationFactory(area=square(121.40, 29.30)), FederationFactory()
    city_staff = RoleAssignmentFactory(role=Role.FEDERATION_STAFF, federation=home.parent).user
    row = factory.build(zone=ZoneFactory(federation=home), federation=home)
    row.zone = ZoneFactory(federation=other)
    if hasattr(row, "zone_set_by_hand"):
        row.zone_set_by_hand = True

    with pytest.raises(ValidationError) as error:
        save(row, actor=city_staff)

    assert set(error.value.message_dict) == {"zone"}
    assert row.pk is None
