"""Back up and restore UnionHub: the PostgreSQL database (pg_dump -Fc) and the media directory.

    python scripts/backup.py backup                 # `make backup`
    python scripts/backup.py restore                # `make restore`: the newest backup into a fresh database
    python scripts/backup.py checksums [DATABASE]   # print each table's row count and checksum

Environment (all optional):

- ``DATABASE_URL``: the database to back up (``postgis://user:password@host:port/name``).
- ``MEDIA_ROOT``: uploaded files, private ones included (job exports, roster files, photos);
  default ``<checkout>/media``, as in settings.
- ``BACKUP_DIR``: where backups go, one timestamped directory each; default ``.run/backups``.
- ``BACKUP``: the backup directory to restore; default the newest one under ``BACKUP_DIR``.
- ``TARGET_DB``: the database to restore into; default ``<name>_restore_<backup's timestamp>``,
  created fresh.
- ``MEDIA_TARGET``: where to restore the media; default ``MEDIA_ROOT`` when restoring over the
  live database, else ``<backup>/media-restored``.
- ``FORCE=1``: allow restoring over the live database, or over a database / media directory
  that holds something other than this backup.
- ``JOBS``: parallel pg_restore jobs; default the number of cores.
- ``NO_OWNER=1``: give restored objects to the restoring role instead of their owners.
- ``PGBIN``: PostgreSQL client binaries, the server's version; default /usr/lib/postgresql/15/bin.

A backup directory holds ``database.dump`` (custom format), ``media.tar.gz`` and
``manifest.json``: the database, the time, every table's row count and checksum, file sizes,
digests and durations. A restore checks the restored tables against the manifest and writes
``restore-<timestamp>.json`` beside it. Both are idempotent: a backup only adds a new
directory, and restoring into a database (or media directory) that already matches the
backup changes nothing.

The per-table checksum is computed in SQL: the md5 of each row's text, in primary-key order,
hashed together. Geometry prints as its EWKB, encrypted columns as their bytes, so a restore
that changed a single bit of any row shows up.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


class Refused(Exception):
    """A backup or restore that would do harm, or cannot be done: the message says why."""


def say(message: str) -> None:
    print(message, flush=True)


# ------------------------------------------------------------------------------------------
# Connections


def server_of(url: str) -> dict[str, str]:
    """Host, port, user, password and database name from a DATABASE_URL."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "dbname": parts.path.lstrip("/") or "unionhub",
    }


def pg_env(server: dict[str, str]) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the password never appears on a command line."""
    env = {**os.environ, "PGHOST": server["host"], "PGPORT": server["port"], "PGUSER": server["user"]}
    if server["password"]:
        env["PGPASSWORD"] = server["password"]
    return env


def connect(server: dict[str, str], dbname: str | None = None, **kwargs: Any) -> psycopg.Connection[Any]:
    params = {k: v for k, v in server.items() if k != "dbname" and v}
    return psycopg.connect(dbname=dbname or server["dbname"], **params, **kwargs)


def database_exists(server: dict[str, str], name: str) -> bool:
    with connect(server, "postgres") as conn:
        return conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone() is not None


# ------------------------------------------------------------------------------------------
# Checksums


def tables(conn: psycopg.Connection[Any]) -> list[tuple[str, str, list[str]]]:
    """Every ordinary table outside the system schemas: (schema, name, primary-key columns)."""
    rows = conn.execute(
        """
        select n.nspname, c.relname,
               coalesce((select array_agg(a.attname order by k.ord)
                         from pg_index i
                         cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
                         join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
                         where i.indrelid = c.oid and i.indisprimary), '{}')
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname <> all(%s) and n.nspname not like 'pg_temp%%'
        order by 1, 2
        """,
        [list(SYSTEM_SCHEMAS)],
    ).fetchall()
    return [(schema, name, list(pk)) for schema, name, pk in rows]


def table_checksums(conn: psycopg.Connection[Any]) -> dict[str, dict[str, Any]]:
    """Row count and checksum of every table, keyed ``schema.table``.

    md5 of the concatenated md5s of each row's text, ordered by the primary key (by the whole
    row's text where a table has none): one short string per row in memory, even for millions.
    """
    result: dict[str, dict[str, Any]] = {}
    for schema, name, pk in tables(conn):
        table = sql.Identifier(schema, name)
        order = sql.SQL(", ").join(sql.SQL("t.") + sql.Identifier(col) for col in pk) if pk else sql.SQL("t::text")
        query = sql.SQL(
            "select count(*), coalesce(md5(string_agg(md5(t::text), '' order by {order})), '') from {table} t"
        ).format(order=order, table=table)
        count, digest = conn.execute(query).fetchone()  # type: ignore[misc]
        result[f"{schema}.{name}"] = {"rows": count, "md5": digest}
    return result


# ------------------------------------------------------------------------------------------
# Media


def media_digest(root: Path) -> dict[str, Any]:
    """Files, bytes and one digest over every file's relative path, size and sha256."""
    digest = hashlib.sha256()
    files = size = 0
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            content = hashlib.sha256(path.read_bytes()).hexdigest()
            stat = path.stat()
            digest.update(f"{path.relative_to(root).as_posix()}\0{stat.st_size}\0{content}\n".encode())
            files += 1
            size += stat.st_size
    return {"files": files, "bytes": size, "sha256": digest.hexdigest()}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------
# Backup


def run(command: list[str], env: dict[str, str]) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own argv
    if completed.returncode != 0:
        raise Refused(f"{Path(command[0]).name} failed ({completed.returncode}):\n{completed.stderr.strip()}")


def backup(database_url: str, media_root: Path, backup_dir: Path) -> Path:
    """Dump the database and archive the media into a new timestamped directory; return it."""
    server = server_of(database_url)
    if not database_exists(server, server["dbname"]):
        raise Refused(f"The database {server['dbname']} does not exist on {server['host']}:{server['port']}.")
    now = datetime.datetime.now(datetime.UTC)
    target = backup_dir / f"{server['dbname']}-{now:%Y%m%dT%H%M%S%fZ}"
    partial = target.with_name(target.name + ".partial")
    partial.mkdir(parents=True)
    say(f"Backing up database {server['dbname']} and media {media_root} into {target}")

    # The checksums and the dump see the same rows: both run in one repeatable-read snapshot.
    with connect(server, autocommit=False) as conn:
        conn.execute("set transaction isolation level repeatable read, read only")
        snapshot = conn.execute("select pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        server_version = conn.execute("show server_version").fetchone()[0]  # type: ignore[index]
        collate, ctype = conn.execute(  # type: ignore[misc]
            "select datcollate, datctype from pg_database where datname = current_database()"
        ).fetchone()
        started = time.monotonic()
        dump = partial / "database.dump"
        run(
            [str(PGBIN / "pg_dump"), "-Fc", "-Z", "6", "--snapshot", snapshot, "-f", str(dump), server["dbname"]],
            pg_env(server),
        )
        dump_seconds = time.monotonic() - started
        started = time.monotonic()
        checksums = table_checksums(conn)
        checksum_seconds = time.monotonic() - started
    say(f"  database: {dump.stat().st_size:,} bytes in {dump_seconds:.1f} s ({len(checksums)} tables)")

    started = time.monotonic()
    archive = partial / "media.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        if media_root.is_dir():
            for child in sorted(media_root.iterdir()):
                tar.add(child, arcname=child.name)
    media = media_digest(media_root)
    media_seconds = time.monotonic() - started
    say(f"  media: {media['files']} files, {media['bytes']:,} bytes in {media_seconds:.1f} s")

    manifest = {
        "format": 1,
        "database": server["dbname"],
        "server": f"{server['host']}:{server['port']}",
        "server_version": server_version,
        "locale": {"collate": collate, "ctype": ctype},
        "created_at": now.isoformat(),
        "dump": {
            "file": dump.name,
            "bytes": dump.stat().st_size,
            "sha256": sha256_of(dump),
            "seconds": round(dump_seconds, 3),
        },
        "checksum_seconds": round(checksum_seconds, 3),
        "media": {
            "root": str(media_root),
            "file": archive.name,
            "archive_bytes": archive.stat().st_size,
            "seconds": round(media_seconds, 3),
            **media,
        },
        "tables": checksums,
    }
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    partial.rename(target)  # a directory without ".partial" is a complete backup
    say(f"Backup complete: {target}")
    return target


# ------------------------------------------------------------------------------------------
# Restore


def newest_backup(backup_dir: Path) -> Path:
    found = sorted(p for p in backup_dir.glob("*") if (p / "manifest.json").is_file())
    if not found:
        raise Refused(f"No backup found under {backup_dir} (make backup writes one).")
    return found[-1]


def differences(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> list[str]:
    """The tables whose rows differ between two checksum maps, each with what differs."""
    problems = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        if want is None:
            problems.append(f"{name}: not in the backup")
        elif got is None:
            problems.append(f"{name}: missing after restore")
        elif want != got:
            problems.append(f"{name}: {want['rows']} rows {want['md5']} in the backup, {got['rows']} rows {got['md5']}")
    return problems


def restore(
    database_url: str,
    source: Path,
    *,
    target_db: str | None = None,
    media_target: Path | None = None,
    media_root: Path | None = None,
    force: bool = False,
    jobs: int = 2,
) -> dict[str, Any]:
    """Restore a backup into ``target_db`` and ``media_target``, verify it, and return the report."""
    manifest = json.loads((source / "manifest.json").read_text())
    server = server_of(database_url)
    live = server["dbname"]
    now = datetime.datetime.now(datetime.UTC)
    # The default target is named after the backup, so restoring the same backup again finds it done.
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    target_db = target_db or f"{manifest['database']}_restore_{created:%Y%m%d%H%M%S}"
    over_live = target_db == live
    if over_live and not force:
        raise Refused(
            f"{target_db} is the live database (DATABASE_URL). Restoring would replace it: stop the portal "
            "and run again with FORCE=1, or choose another TARGET_DB."
        )
    if media_target is None:
        media_target = (media_root or ROOT / "media") if over_live else source / "media-restored"
    if sha256_of(source / manifest["dump"]["file"]) != manifest["dump"]["sha256"]:
        raise Refused(f"{source / manifest['dump']['file']} does not match its manifest: the dump is damaged.")
    say(f"Restoring {source} into database {target_db} and media {media_target}")
    report: dict[str, Any] = {"backup": str(source), "database": target_db, "media": str(media_target)}

    report["database_action"], report["restore_seconds"] = _restore_database(
        server, source, manifest, target_db, force=force, jobs=jobs
    )
    started = time.monotonic()
    with connect(server, target_db) as conn:
        restored = table_checksums(conn)
    report["verify_seconds"] = round(time.monotonic() - started, 3)
    problems = differences(manifest["tables"], restored)
    report["media_action"] = _restore_media(source, manifest, media_target, force=force)
    media = media_digest(media_target)
    if media["sha256"] != manifest["media"]["sha256"]:
        problems.append(f"media: {media['files']} files differ from the backup's {manifest['media']['files']}")
    report.update(
        tables=len(restored),
        rows=sum(t["rows"] for t in restored.values()),
        dump_seconds=manifest["dump"]["seconds"],
        problems=problems,
        finished_at=datetime.datetime.now(datetime.UTC).isoformat(),
    )
    (source / f"restore-{now:%Y%m%dT%H%M%S%fZ}.json").write_text(json.dumps(report, indent=2) + "\n")
    if problems:
        raise Refused("The restore does not match the backup:\n  " + "\n  ".join(problems))
    timing = (
        f"Dump took {manifest['dump']['seconds']:.1f} s, restore {report['restore_seconds']:.1f} s."
        if report["database_action"] == "restored"
        else "Nothing needed restoring."
    )
    say(f"Restore verified: {report['tables']} tables, {report['rows']:,} rows, media {media['files']} files. {timing}")
    return report


def _restore_database(
    server: dict[str, str], source: Path, manifest: dict[str, Any], name: str, *, force: bool, jobs: int
) -> tuple[str, float]:
    if database_exists(server, name):
        with connect(server, name) as conn:
            current = table_checksums(conn)
        if not differences(manifest["tables"], current):
            say(f"  database {name} already matches the backup: left as it is")
            return "unchanged", 0.0
        if any(t["rows"] for t in current.values()) and not force:
            raise Refused(
                f"The database {name} exists and holds other data. Choose another TARGET_DB, or run again "
                "with FORCE=1 to drop and replace it."
            )
        say(f"  dropping database {name}")
        with connect(server, "postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
    # The same collation as the dumped database: sorting and the LIKE-prefix indexes depend on it.
    locale = manifest.get("locale") or {"collate": "C.UTF-8", "ctype": "C.UTF-8"}
    with connect(server, "postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("create database {} template template0 encoding 'UTF8' lc_collate {} lc_ctype {}").format(
                sql.Identifier(name), sql.Literal(locale["collate"]), sql.Literal(locale["ctype"])
            )
        )
    started = time.monotonic()
    # Objects keep their owners (the application's role), which needs the superuser; NO_OWNER=1
    # gives everything to the restoring role instead (a spare machine without that role).
    owner = ["--no-owner"] if os.environ.get("NO_OWNER") == "1" else []
    dump = str(source / manifest["dump"]["file"])
    run([str(PGBIN / "pg_restore"), "--exit-on-error", *owner, "-j", str(jobs), "-d", name, dump], pg_env(server))
    seconds = time.monotonic() - started
    say(f"  database restored in {seconds:.1f} s ({jobs} jobs)")
    return "restored", round(seconds, 3)


def _restore_media(source: Path, manifest: dict[str, Any], target: Path, *, force: bool) -> str:
    current = media_digest(target)
    if current["sha256"] == manifest["media"]["sha256"]:
        say(f"  media {target} already matches the backup: left as it is")
        return "unchanged"
    if current["files"] and not force:
        raise Refused(f"The media directory {target} holds other files. Choose another MEDIA_TARGET, or use FORCE=1.")
    if target.exists():
        aside = target.with_name(f"{target.name}.before-restore-{time.strftime('%Y%m%d%H%M%S')}")
        target.rename(aside)
        say(f"  the media that was there is kept in {aside}")
    staging = target.with_name(target.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(source / manifest["media"]["file"], "r:gz") as tar:
        tar.extractall(staging, filter="data")  # no absolute paths, links out or device files
    staging.rename(target)
    say(f"  media restored: {manifest['media']['files']} files")
    return "restored"


# ------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    database_url = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/unionhub")
    media_root = Path(os.environ.get("MEDIA_ROOT") or ROOT / "media")
    backup_dir = Path(os.environ.get("BACKUP_DIR") or ROOT / ".run" / "backups")
    try:
        if command == "backup":
            backup(database_url, media_root, backup_dir)
        elif command == "restore":
            source = Path(os.environ["BACKUP"]) if os.environ.get("BACKUP") else newest_backup(backup_dir)
            restore(
                database_url,
                source,
                target_db=os.environ.get("TARGET_DB") or None,
                media_target=Path(os.environ["MEDIA_TARGET"]) if os.environ.get("MEDIA_TARGET") else None,
                media_root=media_root,
                force=os.environ.get("FORCE") == "1",
                jobs=int(os.environ.get("JOBS") or os.cpu_count() or 2),
            )
        elif command == "checksums":
            server = server_of(database_url)
            with connect(server, argv[2] if len(argv) > 2 else None) as conn:
                for name, figures in table_checksums(conn).items():
                    print(f"{name}\t{figures['rows']}\t{figures['md5']}")
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Refused as refused:
        print(f"{command}: {refused}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
