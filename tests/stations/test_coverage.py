"""The 15-minute service circle: the share of members within reach of an open station, gaps, and the best new sites."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from stations.coverage import _greedy_sites, analyse
from stations.tasks import analyse_coverage
from tests.factories import (
    FederationFactory,
    GrassrootsUnionFactory,
    RoleAssignmentFactory,
    StationFactory,
    ZoneFactory,
)
from unionhub.core.choices import Role
from unionhub.core.models import Job

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 2)  # a Wednesday


@pytest.fixture
def county():
    county = FederationFactory(name="海盐县总工会")
    zone = ZoneFactory(federation=county)
    # Near the station (about 300 m): 40 members; two clusters far away: 30 + 20 and 5.
    for lon, lat, members in [
        (121.4330, 29.3300, 40),
        (121.5000, 29.4000, 30),
        (121.5010, 29.4005, 20),
        (121.3000, 29.2000, 5),
    ]:
        GrassrootsUnionFactory(zone=zone, federation=county, location=Point(lon, lat, srid=4326), member_count=members)
    StationFactory(zone=zone, federation=county, position=Point(121.4300, 29.3300, srid=4326), open_24h=True)
    StationFactory(zone=zone, federation=county, position=Point(121.3001, 29.2001, srid=4326), status="closed")
    return county


def test_the_share_counts_members_near_an_open_station(county):
    result = analyse(county, mode="walk", day=DAY, hour=2)

    assert (result["members"], result["members_covered"], result["open_stations"]) == (95, 40, 1)
    assert result["share"] == round(40 / 95, 4)


def test_uncovered_unions_cluster_and_the_best_site_reaches_the_biggest_cluster(county):
    result = analyse(county, mode="walk", day=DAY, hour=2)

    assert [c["members"] for c in result["clusters"]] == [50, 5]
    first = result["candidates"][0]
    assert (first["rank"], first["members_covered"], first["share_after"]) == (1, 50, round(90 / 95, 4))
    assert [c["members_covered"] for c in result["candidates"]] == [50, 5]


def test_a_ride_reaches_further_than_a_walk(county):
    walk = analyse(county, mode="walk", day=DAY, hour=2)
    ride = analyse(county, mode="ride", day=DAY, hour=2)

    assert ride["radius_m"] == 4000 and ride["members_covered"] >= walk["members_covered"]


def test_greedy_picks_do_not_count_a_member_twice():
    reach = {1: [1, 2], 2: [2, 3], 3: [3]}
    weight = {1: 10, 2: 10, 3: 10}

    assert _greedy_sites(reach, weight, 3) == [(1, 20, 20), (2, 10, 30)]


def test_the_analysis_runs_as_a_job_with_progress(county, api_client):
    staff = RoleAssignmentFactory(federation=county, role=Role.FEDERATION_STAFF).user
    api_client.force_authenticate(staff)

    started = api_client.post(
        "/api/v1/stations/coverage/", {"federation": county.pk, "mode": "walk", "hour": 2, "day": "2026-12-02"}
    )
    analyse_coverage.apply(args=[started.json()["id"]])

    job = Job.objects.get(pk=started.json()["id"])
    assert started.status_code == 202
    assert (job.status, job.progress, job.total) == ("succeeded", 4, 4)
    assert job.result["members_covered"] == 40
    assert api_client.get(f"/api/v1/jobs/{job.pk}/").json()["result"]["share"] == job.result["share"]


def test_a_federation_outside_scope_cannot_be_analysed(county, api_client):
    outsider = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user
    api_client.force_authenticate(outsider)

    response = api_client.post("/api/v1/stations/coverage/", {"federation": county.pk, "mode": "walk", "hour": 2})

    assert response.status_code == 404 and not Job.objects.exists()


def test_the_admin_page_starts_the_job_and_shows_the_map(county):
    staff = RoleAssignmentFactory(federation=county, role=Role.FEDERATION_STAFF).user
    client = Client()
    client.force_login(staff)

    form = client.get("/admin/stations/station/coverage/")
    started = client.post(
        "/admin/stations/station/coverage/", {"federation": county.pk, "mode": "ride", "day": "2026-12-02", "hour": 12}
    )

    assert form.status_code == 200 and county.name in form.content.decode()
    assert started.status_code == 302, started.content.decode()[-3000:]
    job = Job.objects.get()
    assert started.status_code == 302 and started["Location"].endswith(f"?job={job.pk}")
    assert f"/api/v1/jobs/{job.pk}/" in client.get(started["Location"]).content.decode()
