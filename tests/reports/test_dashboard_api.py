"""The dashboard's API and pages make a fixed number of queries, whatever the number of zones, stations and unions."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories as f
from tests.test_query_counts import check_pin, count_queries
from tests.worlds import actor, build_world
from unionhub.core.choices import Role
from unionhub.reports.models import HotWordFigures, MonthlyFigures
from zones.models import UnionIndicator
from zones.quarters import Quarter

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/dashboard/summary/",
    "/api/v1/dashboard/trends/",
    "/api/v1/dashboard/zones/",
    "/api/v1/dashboard/hot-words/",
    "/api/v1/dashboard/hot-words/?zone={zone}",
    "/api/v1/dashboard/zones/{zone}/",
    "/api/v1/dashboard/unions/{union}/",
    "/api/v1/dashboard/map/zones/",
    "/api/v1/dashboard/map/stations/",
    "/dashboard/",
    "/dashboard/zones/{zone}/",
    "/dashboard/unions/{union}/",
    "/dashboard/zones.xlsx",
    "/dashboard/hot-words.xlsx",
    "/dashboard/zones/{zone}/hot-words.xlsx",
]


@pytest.fixture(scope="module")
def branch(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        world = build_world("丁", 121.20)
        yield world, actor(world, Role.LEADERSHIP)
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def more_zones(world, count: int) -> None:
    """More zones with figures, stations and unions (and more unions in the drilled-down zone)."""
    month = timezone.localdate().replace(day=1)
    for i in range(count):
        zone = f.ZoneFactory(federation=world.federation, boundary=f.square(121.0 + i * 0.06, 30.0))
        MonthlyFigures.objects.create(
            month=month, federation_path=world.federation.path, zone=zone, members_active=3, visits=2
        )
        f.StationFactory(zone=world.zone, federation=world.federation)
        union = f.GrassrootsUnionFactory(zone=world.zone, federation=world.federation)
        UnionIndicator.objects.create(
            union=union, zone=world.zone, federation_path=world.federation.path, anomaly_index=i
        )
        quarter = str(Quarter.current())
        for zone_id in (zone.pk, world.zone.pk):  # more words, in the county and in the drilled-down zone
            HotWordFigures.objects.create(
                quarter=quarter, federation_path=world.federation.path, zone_id=zone_id, word=f"热词{i}", texts=i + 1
            )


def test_each_dashboard_endpoint_makes_a_fixed_number_of_queries(branch):
    world, leader = branch
    client = APIClient()
    client.force_login(leader)
    urls = {url: url.format(zone=world.zone.pk, union=world.union.pk) for url in URLS}
    counts = {url: [count_queries(lambda u=real: client.get(u))] for url, real in urls.items()}
    more_zones(world, 5)
    for url, real in urls.items():
        counts[url].append(count_queries(lambda u=real: client.get(u)))
    for url in URLS:
        check_pin(f"{'api' if url.startswith('/api/') else 'page'} {url}", counts[url])
