"""The backup and restore drill: `make backup`, then `make restore` into a fresh database and media
directory, must give back every row of every table and every file, bit for bit.

The scripts run as operators run them (scripts/backup.sh, scripts/restore.sh) against the test
database, which holds one row of every scoped model (tests/worlds.py): PostGIS geometry,
encrypted ID numbers and phones, JSON, ranges. The comparison is per table, in SQL: the row
count and an md5 over each row's text in primary-key order.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from members.models import Member
from tests.worlds import build_world
from zones.models import Zone

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)

_spec = importlib.util.spec_from_file_location("unionhub_backup", ROOT / "scripts" / "backup.py")
assert _spec and _spec.loader
backup_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(backup_script)


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


def _run(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / script)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def _checksums(name: str) -> dict:
    with backup_script.connect(backup_script.server_of(_url(name)), name) as conn:
        return backup_script.table_checksums(conn)


def _drop(name: str) -> None:
    with backup_script.connect(backup_script.server_of(_url(name)), "postgres", autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("drop database if exists {} with (force)").format(psycopg.sql.Identifier(name)))


@pytest.fixture
def drill(tmp_path):
    live = connection.settings_dict["NAME"]
    target = f"{live}_drill"
    _drop(target)
    media = tmp_path / "media"
    (media / "jobs" / "2026" / "12").mkdir(parents=True)
    (media / "jobs" / "2026" / "12" / "export.xlsx").write_bytes(os.urandom(4096))  # a private file
    (media / "visits").mkdir()
    (media / "visits" / "photo.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(2048))
    env = {
        "DATABASE_URL": _url(live),
        "MEDIA_ROOT": str(media),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "TARGET_DB": target,
        "MEDIA_TARGET": str(tmp_path / "restored-media"),
    }
    yield live, target, env, tmp_path
    _drop(target)


def test_a_restore_gives_back_every_row_of_every_table_and_every_file(drill):
    live, target, env, tmp_path = drill
    build_world("甲", 121.0)
    build_world("乙", 122.0)
    connection.close()  # nothing of ours stays open while pg_dump reads

    made = _run("backup.sh", **env)
    assert made.returncode == 0, made.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    restored = _run("restore.sh", **env)
    assert restored.returncode == 0, restored.stderr

    before, after = _checksums(live), _checksums(target)
    assert after == before == manifest["tables"]
    # Every kind of column is in the comparison: geometry, encrypted bytes, the lot.
    assert before["public.zones_zone"]["rows"] == 2 and before["public.members_member"]["rows"] >= 2
    assert before["public.core_user"]["rows"] > 0 and len(before) > 60
    assert backup_script.media_digest(tmp_path / "restored-media") == {
        key: manifest["media"][key] for key in ("files", "bytes", "sha256")
    }
    assert manifest["media"]["files"] == 2
    report = json.loads(next(backup.glob("restore-*.json")).read_text())
    print(
        f"\nrestore drill: {report['tables']} tables, {report['rows']} rows; "
        f"dump {manifest['dump']['seconds']:.2f} s ({manifest['dump']['bytes']:,} bytes), "
        f"restore {report['restore_seconds']:.2f} s, verification {report['verify_seconds']:.2f} s"
    )


@pytest.mark.verify
def test_the_drill_at_city_scale_reports_dump_and_restore_times(drill):
    """`make verify`: the same drill over seed_scale's data (DRILL_PRESET, default "small": 60,000 members)."""
    live, target, env, tmp_path = drill
    call_command("seed_scale", preset=os.environ.get("DRILL_PRESET", "small"), workers=1, stdout=StringIO())
    connection.close()

    made = _run("backup.sh", **env)
    restored = _run("restore.sh", **env)

    assert made.returncode == 0, made.stderr
    assert restored.returncode == 0, restored.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert _checksums(target) == _checksums(live) == manifest["tables"]
    assert manifest["tables"]["public.members_member"]["rows"] > 1000
    report = json.loads(next(backup.glob("restore-*.json")).read_text())
    preset = os.environ.get("DRILL_PRESET", "small")
    print(
        f"\nrestore drill ({preset}): {report['tables']} tables, {report['rows']:,} rows; "
        f"dump {manifest['dump']['seconds']:.1f} s ({manifest['dump']['bytes']:,} bytes), "
        f"restore {report['restore_seconds']:.1f} s, verification {report['verify_seconds']:.1f} s"
    )


def test_restoring_again_changes_nothing_overwriting_needs_force_and_one_changed_value_shows(drill):
    live, target, env, tmp_path = drill
    world = build_world("甲", 121.0)
    connection.close()
    assert _run("backup.sh", **env).returncode == 0
    assert _run("restore.sh", **env).returncode == 0

    again = _run("restore.sh", **env)
    over_live = _run("restore.sh", **{**env, "TARGET_DB": live})
    (tmp_path / "restored-media" / "stray.txt").write_text("not from the backup")
    over_other_files = _run("restore.sh", **env)

    assert again.returncode == 0 and "already matches the backup" in again.stdout
    assert over_live.returncode == 1 and "is the live database" in over_live.stderr
    assert over_other_files.returncode == 1 and "holds other files" in over_other_files.stderr
    assert _checksums(target) == _checksums(live)

    # One byte of one encrypted ID number, one micro-degree of one zone's boundary: both are seen.
    with backup_script.connect(backup_script.server_of(_url(target)), target, autocommit=True) as conn:
        conn.execute(
            "update members_member set id_number_encrypted = id_number_encrypted || '\\x00'::bytea where id = %s",
            [world.rows[Member].pk],
        )
        conn.execute(
            "update zones_zone set boundary = ST_Translate(boundary, 0.000001, 0) where id = %s", [world.rows[Zone].pk]
        )
    problems = backup_script.differences(_checksums(live), _checksums(target))
    assert [p.split(":")[0] for p in problems] == ["public.members_member", "public.zones_zone"]
