"""Zones and unions come out as GeoJSON FeatureCollections, scoped like every other list."""

import pytest

from tests.factories import GrassrootsUnionFactory, RoleAssignmentFactory, ZoneFactory, square
from unionhub.core.choices import Role

pytestmark = pytest.mark.django_db


def test_zones_in_scope_come_as_features_with_their_boundary(client_for):
    zone = ZoneFactory(name="宁东片区", boundary=square(121.60, 29.15))
    ZoneFactory()  # another county's zone
    staff = RoleAssignmentFactory(federation=zone.federation, role=Role.FEDERATION_STAFF).user

    response = client_for(staff).get("/api/v1/zones/geojson/")

    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    [feature] = body["features"]
    assert feature["id"] == zone.pk
    assert feature["properties"]["name"] == "宁东片区"
    assert feature["properties"]["federation_name"] == zone.federation.name
    assert feature["geometry"]["type"] == "MultiPolygon"
    ring = feature["geometry"]["coordinates"][0][0]
    assert [121.6, 29.15] in ring


def test_unions_can_be_narrowed_to_a_bounding_box(client_for):
    zone = ZoneFactory(boundary=square(121.40, 29.30, 0.3))
    inside = GrassrootsUnionFactory(zone=zone, location="POINT(121.45 29.35)")
    GrassrootsUnionFactory(zone=zone, federation=zone.federation, location="POINT(121.65 29.55)")
    staff = RoleAssignmentFactory(federation=zone.federation, role=Role.FEDERATION_STAFF).user

    body = client_for(staff).get("/api/v1/unions/geojson/", {"in_bbox": "121.4,29.3,121.5,29.4"}).json()

    assert [f["id"] for f in body["features"]] == [inside.pk]
    assert body["features"][0]["geometry"] == {"type": "Point", "coordinates": [121.45, 29.35]}
