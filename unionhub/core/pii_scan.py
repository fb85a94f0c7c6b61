"""Find resident ID numbers stored in plain text: in database columns, files and Redis (DESIGN.md rule 3).

A candidate is 17 digits and a digit or X with no digit on either side; it counts as an ID
number only if its GB 11643 check character and its date of birth are right, so member
numbers, timestamps and phone numbers are not mistaken for one. Encrypted columns hold
random bytes, in which a checksum-valid number is as unlikely as anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection

from .validators import validate_id_number

CANDIDATE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
TEXT_TYPES = ["text", "character varying", "character", "json", "jsonb", "bytea"]


@dataclass(frozen=True)
class Finding:
    where: str  # "table.column", a file path, or "redis:<key>"
    masked: str  # the number found, masked: the report itself must not leak it


def id_numbers_in(text: str) -> list[str]:
    found = []
    for match in CANDIDATE.finditer(text):
        try:
            validate_id_number(match.group())
        except ValidationError:
            continue
        found.append(match.group())
    return found


def _masked(number: str) -> str:
    return number[:3] + "*" * 11 + number[-4:]


def mask_id_numbers(text: str) -> str:
    """Free text with every resident ID number in it masked (a note that quotes a worker's number)."""
    return CANDIDATE.sub(lambda match: _masked(match.group()) if id_numbers_in(match.group()) else match.group(), text)


def scan_database() -> Iterator[Finding]:
    """Every text, JSON and binary column of every table in the current schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = ANY(%s) ORDER BY table_name, column_name",
            [TEXT_TYPES],
        )
        for table, column, data_type in cursor.fetchall():
            # The database keeps only values with 17 digits in a row; Python checks those.
            value = f"encode(\"{column}\", 'escape')" if data_type == "bytea" else f'"{column}"::text'
            cursor.execute(f'SELECT {value} FROM "{table}" WHERE {value} ~ %s', [r"[0-9]{17}"])  # noqa: S608 - names from the catalogue
            for (text,) in cursor.fetchall():
                for number in id_numbers_in(text):
                    yield Finding(f"{table}.{column}", _masked(number))


def scan_files(paths: Iterable[Path]) -> Iterator[Finding]:
    for path in paths:
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path] if path.is_file() else []
        for file in files:
            for number in id_numbers_in(file.read_bytes().decode("utf-8", errors="replace")):
                yield Finding(str(file), _masked(number))


def scan_redis(client: Any) -> Iterator[Finding]:
    """Every string, list, set and hash value of one Redis database (Celery's queues, the cache)."""
    readers = {
        b"string": lambda key: [client.get(key)],
        b"list": lambda key: client.lrange(key, 0, -1),
        b"set": lambda key: list(client.smembers(key)),
        b"hash": lambda key: list(client.hvals(key)),
    }
    for key in client.scan_iter(count=500):
        read = readers.get(client.type(key))
        for value in read(key) if read else []:
            for number in id_numbers_in((value or b"").decode("utf-8", errors="replace")):
                yield Finding(f"redis:{key.decode(errors='replace')}", _masked(number))
