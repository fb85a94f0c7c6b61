"""The public finder: nearest open stations first, through the KNN index, with nothing personal in it."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from stations.choices import Amenity
from stations.finder import DETOUR_FACTOR, WALKING_METRES_PER_MINUTE, nearest
from stations.hours import LocalMoment
from tests.factories import StationFactory, StationKeeperFactory, ZoneFactory, square
from tests.stations.factories import OpeningPeriodFactory
from unionhub.core.geo import wgs84_to_bd09, wgs84_to_gcj02
from unionhub.core.throttles import PublicRateThrottle

pytestmark = pytest.mark.django_db

HERE = (121.630, 29.180)  # lon, lat
TWO_AM = LocalMoment.of(datetime.datetime(2026, 12, 5, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


def near(dlon: float, dlat: float = 0.0) -> Point:
    return Point(HERE[0] + dlon, HERE[1] + dlat, srid=4326)


@pytest.fixture
def zone():
    return ZoneFactory(boundary=square(121.55, 29.10, 0.2))


@pytest.fixture
def stations(zone):
    """A closer daytime station, a farther 24-hour one with charging, and the farthest 24-hour one."""
    daytime = StationFactory(zone=zone, name="近处日间驿站", position=near(0.002))
    for day in range(7):
        OpeningPeriodFactory(station=daytime, weekday=day, opens=datetime.time(8), closes=datetime.time(20))
    night = StationFactory(
        zone=zone, name="24小时爱心驿站", position=near(0.010), open_24h=True, amenities=[Amenity.CHARGING]
    )
    far = StationFactory(zone=zone, name="远处24小时驿站", position=near(0.030), open_24h=True)
    return daytime, night, far


def names(found):
    return [station.name for station in found]


def test_at_2_am_the_nearest_open_station_comes_first(stations):
    assert names(nearest(near(0), moment=TWO_AM)) == ["24小时爱心驿站", "远处24小时驿站"]


def test_closed_stations_are_listed_when_asked_and_marked_closed(stations):
    found = nearest(near(0), moment=TWO_AM, open_only=False)

    assert names(found) == ["近处日间驿站", "24小时爱心驿站", "远处24小时驿站"]
    assert [station.is_open for station in found] == [False, True, True]


def test_amenity_filters_narrow_the_list(stations):
    assert names(nearest(near(0), moment=TWO_AM, amenities=[Amenity.CHARGING])) == ["24小时爱心驿站"]


def test_walking_time_is_the_straight_line_times_the_detour_factor(stations):
    found = nearest(near(0), moment=TWO_AM)[0]

    assert 950 < found.distance_m < 1000  # 0.01° of longitude at 29.18°N
    assert found.walk_minutes == -(-round(found.distance_m * DETOUR_FACTOR) // WALKING_METRES_PER_MINUTE)


def test_the_query_walks_the_gist_index_nearest_first(stations):
    from stations import finder

    queryset_sql = []

    def capture(execute, sql, params, many, context):
        queryset_sql.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        finder.nearest(near(0), moment=TWO_AM)
    sql, params = queryset_sql[-1]
    assert "<->" in sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using stations_station_position_gist" in plan
    assert 'Order By: ("position" <->' in plan, plan


def test_the_json_has_distances_navigation_and_nothing_personal(stations):
    daytime, night, _far = stations
    StationKeeperFactory(station=night)

    response = APIClient().get("/stations/nearest/", {"lat": HERE[1], "lon": HERE[0], "open": "false"})

    assert response.status_code == 200
    first = response.json()["results"][0]
    assert set(first) == {
        "code", "name", "kind", "kind_label", "address", "lat", "lon", "distance_m", "walk_minutes",
        "ride_minutes", "open_24h", "is_open", "amenities", "url", "navigation",
    }  # fmt: skip
    assert first["code"] == daytime.public_code != str(daytime.pk)
    assert first["url"] == f"/s/{daytime.public_code}/"
    lon, lat = daytime.position.x, daytime.position.y
    assert first["navigation"]["geo"].startswith(f"geo:{lat:.6f},{lon:.6f}")
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    assert f"{gcj_lon:.6f}%2C{gcj_lat:.6f}" in first["navigation"]["amap"]
    bd_lon, bd_lat = wgs84_to_bd09(lon, lat)
    assert f"{bd_lat:.6f}%2C{bd_lon:.6f}" in first["navigation"]["baidu"]


def test_a_gcj02_position_is_converted_before_searching(stations):
    gcj_lon, gcj_lat = wgs84_to_gcj02(*HERE)

    answer = APIClient().get("/stations/nearest/", {"lat": gcj_lat, "lon": gcj_lon, "coords": "gcj02", "open": "false"})

    assert answer.json()["results"][0]["distance_m"] < 250  # the daytime station, ~190 m away


def test_a_position_outside_china_is_refused_on_its_field(stations):
    response = APIClient().get("/stations/nearest/", {"lat": 48.85, "lon": 2.35})

    assert response.status_code == 400
    assert "position" in response.json()


def test_the_finder_json_is_rate_limited(stations, monkeypatch):
    monkeypatch.setattr(PublicRateThrottle, "THROTTLE_RATES", {"public": "3/min"})
    client = APIClient()

    statuses = [client.get("/stations/nearest/", {"lat": HERE[1], "lon": HERE[0]}).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_the_finder_page_loads_leaflet_from_the_site(client):
    page = client.get("/stations/").content.decode()

    assert "/static/leaflet/leaflet.js" in page
    assert "/static/stations/finder.js" in page
    assert "serviceWorker" not in page


def test_the_finder_runs_two_queries_however_many_stations_it_returns(stations):
    """The stations with an opening exception today or yesterday (hours.open_at), then the KNN scan."""
    from django.test.utils import CaptureQueriesContext

    nearest(near(0), moment=TWO_AM)  # the first call on a connection reads PostGIS's spatial_ref_sys
    counts = []
    for limit in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            nearest(near(0), moment=TWO_AM, open_only=False, limit=limit)
        counts.append(len(queries))

    assert counts == [2, 2]


@override_settings(PUBLIC_HOSTS=["fuwu.example.org"], ALLOWED_HOSTS=["fuwu.example.org"])
def test_the_public_host_serves_the_finder_and_station_pages_but_not_the_poster(stations):
    from django.test import Client

    public = Client(HTTP_HOST="fuwu.example.org")
    daytime, _night, _far = stations

    assert public.get("/stations/").status_code == 200
    assert public.get("/stations/nearest/", {"lat": HERE[1], "lon": HERE[0]}).status_code == 200
    assert public.get(f"/s/{daytime.public_code}/").status_code == 200
    assert public.get(f"/admin/stations/station/{daytime.pk}/poster/").status_code == 404
