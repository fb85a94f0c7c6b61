"""seed_scale (the tiny preset) and the benchmark's floors.

The seed loads with COPY inside its own transaction, so these tests run with
``transaction=True``: they see committed rows, and the database is flushed afterwards.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F, OuterRef, Q, Subquery
from django.test import Client
from django.utils import timezone

from members.models import Member
from members.search import name_bigrams
from stations.models import Station
from unionhub.core import crypto
from unionhub.core.choices import FederationKind, Role
from unionhub.core.models import Federation, User
from unionhub.core.validators import validate_id_number, validate_phone, validate_union_credit_code
from unionhub.demo.bulk import BENCH_USERS
from unionhub.demo.scale import PRESETS
from zones.actions import PLANNED_ROLES, distance_to_union, workers_of_zones
from zones.choices import FindingStatus, VisitReview
from zones.models import Finding, GrassrootsUnion, UnionIndicator, Visit, VisitPlanEntry, Zone, ZoneStaff
from zones.quarters import Quarter
from zones.tasks import generate_visit_plans

pytestmark = pytest.mark.django_db(transaction=True)
TINY = PRESETS["tiny"]


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_scale", preset="tiny", workers=1, stdout=out, **options)
    return out.getvalue()


def scalar(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def member_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'members_member'")
        return {row[0] for row in cursor.fetchall()}


def fingerprint() -> tuple[str, ...]:
    """Everything the seed decides (ciphertexts aside: their nonces are random by design; zone work is the
    same on the same day)."""
    return (
        scalar(
            "SELECT md5(string_agg(concat_ws('|', id, name, name_bigrams, member_number, union_id, zone_id,"
            " federation_path, status, occupation, work_form, joined_on, phone_hash, phone_last4, id_number_hash,"
            " id_number_masked), ',' ORDER BY id)) FROM members_member"
        ),
        scalar(
            "SELECT md5(string_agg(concat_ws('|', id, name, credit_code, zone_id, member_count, ST_AsText(location)),"
            " ',' ORDER BY id)) FROM zones_grassrootsunion"
        ),
        scalar(
            "SELECT md5(string_agg(concat_ws('|', id, name, ST_AsText(boundary)), ',' ORDER BY id)) FROM zones_zone"
        ),
        scalar(
            "SELECT md5(string_agg(concat_ws('|', v.id, v.union_id, u.username, v.visited_at, ST_AsText(v.position),"
            " v.distance_m, v.review, v.duties, v.notes, v.client_key, v.created_at), ',' ORDER BY v.id))"
            " FROM zones_visit v JOIN core_user u ON u.id = v.worker_id"
        ),
        scalar(
            "SELECT md5(string_agg(concat_ws('|', e.id, e.quarter, e.union_id, u.username, e.first_visit_id), ','"
            " ORDER BY e.id)) FROM zones_visitplanentry e JOIN core_user u ON u.id = e.assignee_id"
        ),
        scalar(
            "SELECT md5(string_agg(concat_ws('|', id, visit_id, kind, category, description, status, closed_at), ','"
            " ORDER BY id)) FROM zones_finding"
        ),
    )


def test_it_seeds_the_tiny_preset_with_the_models_invariants():
    indexes_before = member_indexes()
    output = seed()

    assert "Seeded 'tiny'" in output
    assert Member.objects.count() == TINY.members
    assert GrassrootsUnion.objects.count() == TINY.unions
    assert Zone.objects.count() == TINY.zones
    assert Station.objects.count() == TINY.stations
    assert Federation.objects.filter(kind=FederationKind.TOWNSHIP).count() == TINY.townships
    assert Federation.objects.get(kind=FederationKind.CITY).name == "宁波市总工会"
    # Materialised paths as Federation.save() would write them.
    for node in Federation.objects.select_related("parent"):
        expected = f"{node.parent.path if node.parent else ''}{node.pk}/"
        assert (node.path, node.depth) == (expected, expected.count("/") - 1)
    # Copies of the union's zone and path (what zones.actions.sync_union_copies keeps in step).
    assert not Member.objects.exclude(zone_id=F("union__zone_id")).exists()
    assert not Member.objects.exclude(federation_path=F("union__federation_path")).exists()
    assert not Zone.objects.exclude(federation__kind=FederationKind.TOWNSHIP).exists()
    for union in GrassrootsUnion.objects.all():
        validate_union_credit_code(union.credit_code)
        assert union.member_count == union.members.filter(status="active").count()
    # The indexes set aside during COPY are all back, and sequences continue after the seeded ids.
    assert member_indexes() == indexes_before
    assert scalar("SELECT nextval(pg_get_serial_sequence('members_member', 'id'))") == TINY.members + 1
    assert set(User.objects.filter(username__startswith="bench_").values_list("username", flat=True)) == set(
        BENCH_USERS.values()
    )


def test_it_seeds_a_year_of_zone_work_as_the_actions_would_have_left_it():
    seed()
    quarter = str(Quarter.current())
    # Every zone is staffed 1+1+1; in the bench zone the bench users hold the chief's and social worker's roles.
    staffing = Counter(ZoneStaff.objects.values_list("zone_id", "role"))
    assert staffing == {(zone, role): 1 for zone in Zone.objects.values_list("id", flat=True) for role in PLANNED_ROLES}
    chief = ZoneStaff.objects.get(user__username=BENCH_USERS["zone_chief"])
    worker = ZoneStaff.objects.get(user__username=BENCH_USERS["zone_worker"])
    assert (chief.role, worker.role, worker.zone_id) == (Role.ZONE_CHIEF, Role.ZONE_SOCIAL_WORKER, chief.zone_id)

    # This quarter's plan covers every union, balanced over the zone's workers as plan_zone would.
    assert VisitPlanEntry.objects.filter(quarter=quarter).count() == TINY.unions
    assert generate_visit_plans() == 0
    for zone_id, workers in workers_of_zones(list(Zone.objects.values_list("id", flat=True))).items():
        load = Counter(
            VisitPlanEntry.objects.filter(quarter=quarter, zone_id=zone_id).values_list("assignee", flat=True)
        )
        assert set(load) <= {w.pk for w in workers}
        assert max(load.values()) - min(load.values()) <= 1
    assert VisitPlanEntry.objects.filter(quarter=quarter, assignee=worker.user).exists()

    # Visits: the preset's number over the last year, copies and quarter as Visit.save() writes them,
    # each by a worker of the union's zone, positions measured as do_log_visit measures them.
    visits = Visit.objects.all()
    assert visits.count() == TINY.visits
    assert not visits.exclude(zone_id=F("union__zone_id")).exists()
    assert not visits.exclude(federation_path=F("union__federation_path")).exists()
    assert not visits.exclude(worker__zone_roles__zone_id=F("zone_id")).exists()
    now = timezone.now()
    assert not visits.filter(Q(visited_at__gte=now) | Q(visited_at__lt=now - datetime.timedelta(days=366))).exists()
    assert visits.filter(quarter=quarter).exists()
    for visit in visits.select_related("union")[:: TINY.visits // 40]:
        visit.full_clean(exclude=["worker"])
        assert visit.quarter == str(Quarter.of(timezone.localtime(visit.visited_at).date()))
    far = visits.filter(Q(distance_m__gt=Visit.FAR_VISIT_METRES) | Q(distance_m=None))
    assert far.exists() and not far.filter(review=VisitReview.NOT_NEEDED).exists()
    assert not visits.exclude(pk__in=far).exclude(review=VisitReview.NOT_NEEDED).exists()
    assert 0 < visits.exclude(client_key=None).count() < TINY.visits
    for visit in visits.exclude(position=None)[:: TINY.visits // 40]:
        assert abs(visit.distance_m - distance_to_union(visit.union, visit.position)) <= 2 + visit.distance_m / 100

    # A plan entry's first visit is the quarter's earliest visit to its union (None: not visited yet).
    first = Visit.objects.filter(union=OuterRef("union"), quarter=OuterRef("quarter")).order_by("visited_at", "id")
    entries = VisitPlanEntry.objects.annotate(expected=Subquery(first.values("id")[:1]))
    assert not entries.exclude(first_visit=F("expected")).exclude(first_visit=None, expected=None).exists()
    assert entries.filter(quarter=quarter, first_visit=None).exists()
    assert not entries.exclude(zone_id=F("union__zone_id")).exists()

    # Findings on some visits, raised by the visit's worker; the recent ones mostly still open.
    findings = Finding.objects.all()
    assert findings.exists() and findings.filter(status=FindingStatus.OPEN).exists()
    assert not findings.exclude(union=F("visit__union")).exclude(raised_by=F("visit__worker")).exists()
    assert not findings.exclude(zone_id=F("union__zone_id")).exists()
    for finding in findings.select_related("union", "visit"):
        finding.full_clean(exclude=["raised_by"])
        assert (finding.closed_at is not None) == (finding.status in (FindingStatus.RESOLVED, FindingStatus.CLOSED))

    # The nightly indicators have run once, so the phone pages show them from the start.
    assert UnionIndicator.objects.count() == TINY.unions
    assert UnionIndicator.objects.filter(days_since_visit__isnull=False).exists()


def test_stored_members_decrypt_and_hash_as_the_model_stores_them():
    seed()
    members = list(Member.objects.order_by("id")[:: TINY.members // 60])
    assert members
    for member in members:
        phone = crypto.decrypt(member.phone_encrypted)
        validate_phone(phone)
        assert member.phone_hash == Member.phone_lookup(phone)
        assert member.phone_last4 == phone[-4:]
        id_number = crypto.decrypt(member.id_number_encrypted)
        validate_id_number(id_number)
        assert member.id_number_hash == Member.id_number_lookup(id_number)
        assert member.id_number_masked == id_number[:3] + "*" * 11 + id_number[-4:]
        assert member.name_bigrams == name_bigrams(member.name)
        assert 2 <= len(member.name) <= 3
        assert member.member_number == f"{member.pk:010d}"
    # Phones and ID numbers are unique, as real ones are.
    assert scalar("SELECT count(DISTINCT phone_hash) FROM members_member") == TINY.members
    assert scalar("SELECT count(DISTINCT id_number_hash) FROM members_member") == TINY.members


def test_every_union_and_station_lies_in_its_zone_and_zones_tile_without_overlap():
    seed()
    assert not GrassrootsUnion.objects.exclude(location__coveredby=F("zone__boundary")).exists()
    assert (
        scalar(
            "SELECT count(*) FROM stations_station s JOIN zones_zone z ON z.id = s.zone_id"
            " WHERE NOT ST_Covers(z.boundary, s.position::geometry)"
        )
        == 0
    )
    overlap = scalar(
        "SELECT coalesce(sum(ST_Area(ST_Intersection(a.boundary, b.boundary))), 0)"
        " FROM zones_zone a JOIN zones_zone b ON a.id < b.id AND ST_Intersects(a.boundary, b.boundary)"
    )
    assert overlap < 1e-12
    # Each township's area is exactly the union of its zones.
    assert (
        scalar(
            "SELECT max(ST_Area(ST_SymDifference(f.area, z.merged))) FROM core_federation f"
            " JOIN (SELECT federation_id, ST_Union(boundary) AS merged FROM zones_zone GROUP BY federation_id) z"
            " ON z.federation_id = f.id"
        )
        < 1e-12
    )


def test_it_refuses_a_database_with_members_and_replaces_deterministically():
    seed()
    first = fingerprint()
    with pytest.raises(CommandError, match="--replace"):
        seed()
    # Two worker processes make the same rows as one. The workers are forked, so the command
    # runs in a process of its own: forking this one, with the browser tests' threads, can hang.
    settings = connection.settings_dict
    url = f"postgis://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    subprocess.run(
        [sys.executable, "manage.py", "seed_scale", "--preset", "tiny", "--workers", "2", "--replace"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "unionhub.settings_test"},
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert Member.objects.count() == TINY.members
    assert fingerprint() == first


def test_the_benchmark_floors_return_the_endpoints_rows(settings, tmp_path):
    from bench.dashboard import dashboard_sample, ensure_city_leadership
    from bench.main import measure, measure_nightly_job, operations, photo_member, zone_work_sample

    seed()
    settings.ROOT_URLCONF = "bench.urls"
    settings.DASHBOARD_CACHE_SECONDS = 0  # as bench/main.py: beside floors that read the summary rows
    settings.MEDIA_ROOT = tmp_path
    first = Member.objects.order_by("id").first()
    phone = crypto.decrypt(first.phone_encrypted)
    name = Member.objects.filter(name__regex=r"^..$").values_list("name", flat=True).first()
    worker = User.objects.get(username=BENCH_USERS["zone_worker"])
    leadership = User.objects.get(username=BENCH_USERS["leadership"])
    sample = {
        "name": name,
        "common_name": "王伟",
        "phone": phone,
        "id_number": crypto.decrypt(first.id_number_encrypted),
        "card_member": first.pk,
        "photo_member": photo_member(first.pk),
        **zone_work_sample(worker),
        **dashboard_sample(leadership),
    }
    visits = Visit.objects.count()
    clients = {}
    users = {key: User.objects.get(username=name) for key, name in BENCH_USERS.items()}
    users["city_leadership"] = ensure_city_leadership()
    for op in operations(sample):
        if op.user not in clients:
            clients[op.user] = Client()
            clients[op.user].force_login(users[op.user])
        result, _ = measure(op, clients[op.user], iterations=1, warmup=0)
        assert not result.notes, (op.name, op.user, result.notes)
        assert result.queries >= result.floor_queries
    assert result.rows > 0  # the last operation (a zone chief's changelist) found the zone's members
    assert Visit.objects.count() == visits  # the replayed visit was stored once
    job = measure_nightly_job(runs=1)
    assert job.ok and job.rows == TINY.unions


def test_it_seeds_stations_with_hours_amenities_codes_and_months_of_check_ins():
    from stations.actions import sync_week
    from stations.choices import Amenity, StationStatus
    from stations.hours import Span, check_no_overlap
    from stations.models import CheckIn, OpeningPeriod, check_span
    from unionhub.demo.station_use import CHECK_IN_DAYS

    seed()
    stations = list(Station.objects.prefetch_related("periods"))
    # What Station.save() gives every station: a public code, unique.
    assert len({s.public_code for s in stations if s.public_code}) == len(stations)
    for station in stations:
        periods = list(station.periods.all())
        # 24-hour stations need no periods; every other one has a valid week, and week_minutes as sync_week keeps it.
        assert station.open_24h or periods, station
        for period in periods:
            check_span(period.opens, period.closes, period.overnight)
        check_no_overlap(Span(p.weekday, p.opens, p.closes, p.overnight) for p in periods)
        stored = station.week_minutes
        sync_week(station)
        assert stored == station.week_minutes
        assert set(station.amenities) <= set(Amenity.values) and station.amenities
    assert OpeningPeriod.objects.exists()

    # The check-ins: the preset's number over the last months, copies of the station's scope, half an
    # hour each, at a minute the station is open, nothing in the future.
    check_ins = CheckIn.objects.all()
    assert check_ins.count() == TINY.check_ins
    assert not check_ins.exclude(federation_path=F("station__federation_path")).exists()
    assert not check_ins.exclude(zone=F("station__zone")).exists()
    now = timezone.now()
    assert not check_ins.filter(
        Q(checked_in_at__gte=now) | Q(checked_in_at__lt=now - datetime.timedelta(days=CHECK_IN_DAYS + 1))
    ).exists()
    assert (
        scalar(
            "SELECT count(*) FROM stations_checkin c JOIN stations_station s ON s.id = c.station_id"
            " WHERE c.window <> tstzrange(c.checked_in_at, c.checked_in_at + interval '30 minutes')"
            " OR NOT (s.open_24h OR s.week_minutes @> ((EXTRACT(ISODOW FROM c.checked_in_at AT TIME ZONE"
            " 'Asia/Shanghai')::int - 1) * 1440 + EXTRACT(HOUR FROM c.checked_in_at AT TIME ZONE 'Asia/Shanghai')::int"
            " * 60 + EXTRACT(MINUTE FROM c.checked_in_at AT TIME ZONE 'Asia/Shanghai')::int))"
        )
        == 0
    )
    by_occupation = Counter(check_ins.values_list("occupation", flat=True))
    assert len(by_occupation) >= 5 and 0.3 < check_ins.filter(is_member=True).count() / TINY.check_ins < 0.6
    by_hour = Counter(
        timezone.localtime(at).hour for at in check_ins.values_list("checked_in_at", flat=True)
    )  # lunch is busier than the small hours
    assert by_hour[12] > by_hour[4]
    # The busiest station (a hub) has many more than the average; open stations get the most.
    busiest = Counter(check_ins.values_list("station_id", flat=True)).most_common(1)[0]
    assert busiest[1] >= 3 * TINY.check_ins / TINY.stations
    assert Station.objects.get(pk=busiest[0]).status == StationStatus.OPEN
    # The sequence continues after the seeded ids.
    assert scalar("SELECT nextval(pg_get_serial_sequence('stations_checkin', 'id'))") == TINY.check_ins + 1


def test_the_station_floors_return_the_endpoints_rows(settings):
    """The nearest-open API at noon and at 2 a.m., the usage of the busiest station, the heat map: the same
    rows as their floors (bench/floors.py), the finder's plan a KNN index scan."""
    from bench import stations as bench_stations
    from bench.main import explain, measure
    from stations.heat import refresh_all_heat_maps

    seed()
    settings.ROOT_URLCONF = "bench.urls"
    users = {key: User.objects.get(username=name) for key, name in BENCH_USERS.items()}
    sample = bench_stations.station_sample(users)
    assert sample["busy_check_ins"] >= 3 * TINY.check_ins / TINY.stations
    assert refresh_all_heat_maps() > 0
    clients = {}
    seen = {}
    for clock, op in bench_stations.station_operations(sample):
        if op.user not in clients:
            clients[op.user] = Client()
            if op.user != "anonymous":
                clients[op.user].force_login(users[op.user])
        with bench_stations.pinned_clock(clock) if clock else bench_stations._unpinned():
            result, statements = measure(op, clients[op.user], iterations=1, warmup=0)
            answer = clients[op.user].get(op.path).json() if clock else None
        assert not result.notes, (op.name, result.notes)
        seen[op.name] = result.rows
        if clock:
            assert bench_stations.NEAREST_INDEX in explain(bench_stations.finder_statement(statements))
            if clock == "02:00":  # only the 24-hour stations, and those open past midnight
                codes = [row["code"] for row in answer["results"]]
                late = Station.objects.filter(public_code__in=codes)
                assert not late.exclude(Q(open_24h=True) | Q(periods__overnight=True)).exists()
    assert seen["nearest-open API at 12:00"] > 0
    assert seen["heat map API, city check_ins"] > 0
    usage = bench_stations.measure_usage_function(sample["busy_station"], iterations=2)
    assert usage.rows > 0
    coverage = bench_stations.measure_coverage(users["county_staff"], sample["county"], "one county", 60, runs=1)
    assert coverage.ok and coverage.rows > 0
