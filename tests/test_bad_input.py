"""Bad input gets a clear, field-level, translated answer and changes nothing."""

import pytest

from tests.factories import GrassrootsUnionFactory, RoleAssignmentFactory, ZoneFactory, credit_code
from unionhub.core.choices import Role
from zones.models import GrassrootsUnion, Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(client_for):
    assignment = RoleAssignmentFactory(role=Role.FEDERATION_STAFF)
    return client_for(assignment.user), assignment.federation


def union_payload(federation, **overrides):
    payload = {
        "name": "长街镇联合工会",
        "credit_code": credit_code(),
        "federation": federation.pk,
        "location": {"type": "Point", "coordinates": [121.63, 29.18]},
    }
    return {**payload, **overrides}


def test_a_wrong_credit_code_check_character_is_refused_in_chinese(staff_api):
    api, federation = staff_api
    good = credit_code()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")

    response = api.post("/api/v1/unions/", union_payload(federation, credit_code=wrong), format="json")

    assert response.status_code == 400
    assert "校验" in response.json()["credit_code"][0]
    assert not GrassrootsUnion.objects.exists()


def test_an_enterprise_code_is_not_a_union_code(staff_api):
    api, federation = staff_api
    response = api.post("/api/v1/unions/", union_payload(federation, credit_code=credit_code("91")), format="json")

    assert response.status_code == 400
    assert "81" in response.json()["credit_code"][0]


def test_english_answers_come_in_english(staff_api):
    api, federation = staff_api
    response = api.post(
        "/api/v1/unions/", union_payload(federation, credit_code="123"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "18 characters" in response.json()["credit_code"][0]


def test_a_position_outside_china_is_refused(staff_api):
    api, federation = staff_api
    paris = {"type": "Point", "coordinates": [2.35, 48.85]}

    response = api.post("/api/v1/unions/", union_payload(federation, location=paris), format="json")

    assert response.status_code == 400
    assert "location" in response.json()
    assert not GrassrootsUnion.objects.exists()


def test_a_ring_that_does_not_close_is_refused(staff_api):
    api, federation = staff_api
    open_ring = {"type": "MultiPolygon", "coordinates": [[[[121.4, 29.3], [121.5, 29.3], [121.5, 29.4]]]]}

    response = api.post(
        "/api/v1/zones/", {"name": "开口片区", "federation": federation.pk, "boundary": open_ring}, format="json"
    )

    assert response.status_code == 400
    assert "boundary" in response.json()
    assert not Zone.objects.filter(name="开口片区").exists()


def test_a_boundary_that_crosses_itself_is_refused_with_the_place(staff_api):
    api, federation = staff_api
    bow_tie = {
        "type": "MultiPolygon",
        "coordinates": [[[[121.4, 29.3], [121.5, 29.4], [121.5, 29.3], [121.4, 29.4], [121.4, 29.3]]]],
    }

    response = api.post(
        "/api/v1/zones/", {"name": "交叉片区", "federation": federation.pk, "boundary": bow_tie}, format="json"
    )

    assert response.status_code == 400
    assert "121.45" in response.json()["boundary"][0]
    assert not Zone.objects.filter(name="交叉片区").exists()


def test_a_duplicate_credit_code_is_refused(staff_api):
    api, federation = staff_api
    existing = GrassrootsUnionFactory(zone=ZoneFactory(federation=federation), federation=federation)

    response = api.post("/api/v1/unions/", union_payload(federation, credit_code=existing.credit_code), format="json")

    assert response.status_code == 400
    assert "credit_code" in response.json()
    assert GrassrootsUnion.objects.count() == 1


def test_a_sector_zone_needs_its_sector(staff_api):
    api, federation = staff_api
    response = api.post("/api/v1/zones/", {"name": "快递片区", "federation": federation.pk, "kind": "sector"})

    assert response.status_code == 400
    assert "sector" in response.json()


# --- Stations ---------------------------------------------------------------------------------


@pytest.fixture
def station(staff_api):
    from tests.factories import StationFactory

    _api, federation = staff_api
    return StationFactory(zone=ZoneFactory(federation=federation), federation=federation)


def test_a_station_outside_china_is_refused(staff_api):
    from stations.models import Station

    api, federation = staff_api
    payload = {
        "name": "巴黎驿站",
        "federation": federation.pk,
        "position": {"type": "Point", "coordinates": [2.35, 48.85]},
    }

    response = api.post("/api/v1/stations/", payload, format="json")

    assert response.status_code == 400
    assert "position" in response.json()
    assert not Station.objects.exists()


def test_opening_periods_that_overlap_are_refused_and_nothing_changes(staff_api, station):
    from tests.stations.factories import OpeningPeriodFactory

    api, _federation = staff_api
    OpeningPeriodFactory(station=station, weekday=0)
    week = {
        "open_24h": False,
        "periods": [
            {"weekday": 0, "opens": "08:00", "closes": "12:00"},
            {"weekday": 0, "opens": "11:30", "closes": "18:00"},
        ],
    }

    response = api.put(f"/api/v1/stations/{station.pk}/hours/", week, format="json")

    assert response.status_code == 400
    assert "11:30" in response.json()["periods"][0]
    assert [(p.opens.hour, p.closes.hour) for p in station.periods.all()] == [(8, 18)]


def test_an_opening_period_that_ends_before_it_starts_is_refused(staff_api, station):
    api, _federation = staff_api
    week = {"open_24h": False, "periods": [{"weekday": 2, "opens": "18:00", "closes": "08:00"}]}

    response = api.put(f"/api/v1/stations/{station.pk}/hours/", week, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "closes the next day" in response.json()["periods"][0]
    assert not station.periods.exists()


def test_a_station_photo_that_is_not_an_image_is_refused(staff_api, station):
    import io

    api, _federation = staff_api
    upload = io.BytesIO(b"%PDF-1.4 not a photo")
    upload.name = "scan.jpg"

    response = api.post(f"/api/v1/stations/{station.pk}/photos/", {"image": upload}, format="multipart")

    assert response.status_code == 400
    assert "image" in response.json()
    assert not station.photos.exists()


def test_an_oversize_station_photo_is_refused(staff_api, station):
    import io

    api, _federation = staff_api
    upload = io.BytesIO(b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024 + 1))
    upload.name = "huge.jpg"

    response = api.post(
        f"/api/v1/stations/{station.pk}/photos/", {"image": upload}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "larger than 10 MB" in response.json()["image"][0]
    assert not station.photos.exists()
