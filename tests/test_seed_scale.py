"""seed_scale (the tiny preset) and the benchmark's floors.

The seed loads with COPY inside its own transaction, so these tests run with
``transaction=True``: they see committed rows, and the database is flushed afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.test import Client

from members.models import Member
from members.search import name_bigrams
from stations.models import Station
from unionhub.core import crypto
from unionhub.core.choices import FederationKind
from unionhub.core.models import Federation, User
from unionhub.core.validators import validate_id_number, validate_phone, validate_union_credit_code
from unionhub.demo.bulk import BENCH_USERS
from unionhub.demo.scale import PRESETS
from zones.models import GrassrootsUnion, Zone

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


def fingerprint() -> tuple[str, str, str]:
    """Everything the seed decides (ciphertexts aside: their nonces are random by design)."""
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
    assert set(User.objects.values_list("username", flat=True)) == set(BENCH_USERS.values())


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


def test_the_benchmark_floors_return_the_endpoints_rows(settings):
    from bench.main import measure, operations

    seed()
    settings.ROOT_URLCONF = "bench.urls"
    phone = crypto.decrypt(Member.objects.order_by("id").first().phone_encrypted)
    name = Member.objects.filter(name__regex=r"^..$").values_list("name", flat=True).first()
    clients = {}
    for op in operations({"name": name, "common_name": "王伟", "phone": phone}):
        if op.user not in clients:
            clients[op.user] = Client()
            clients[op.user].force_login(User.objects.get(username=BENCH_USERS[op.user]))
        result, _ = measure(op, clients[op.user], iterations=1, warmup=0)
        assert not result.notes, (op.name, op.user, result.notes)
        assert result.queries >= result.floor_queries
    assert result.rows > 0  # the last operation (a zone chief's changelist) found the zone's members
