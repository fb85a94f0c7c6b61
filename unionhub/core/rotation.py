"""Re-encrypt every encrypted column and file under the current FIELD_ENCRYPTION_KEY (key rotation).

The columns are found, not listed: every ``BinaryField`` whose name ends in ``_encrypted`` on
any installed model, the change-history tables (simple-history) included, so a model added
later is covered the day it exists. Encrypted files (a roster import's checked rows) are
registered by their app (``register_encrypted_file``). Work goes in batches, each in its own
transaction, by primary key; a value already under the current key is skipped, so the
rotation can be stopped and run again. ``remaining()`` counts what is still under another
key: when it is empty everywhere, the old key may be removed from FIELD_ENCRYPTION_OLD_KEYS.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection, models, transaction

from . import crypto

BATCH = 2000
_encrypted_files: set[tuple[str, str]] = set()


def register_encrypted_file(model: type[models.Model], field: str) -> None:
    """A FileField whose file holds crypto.encrypt_bytes output, re-encrypted by the rotation."""
    _encrypted_files.add((model._meta.label, field))


@dataclass(frozen=True)
class Column:
    model: type[models.Model]
    field: str  # the column's name

    def __str__(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


def encrypted_columns() -> list[Column]:
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.BinaryField) and field.name.endswith("_encrypted"):
                found.append(Column(model, field.column or field.name))
    return sorted(found, key=str)


def _stale_sql(column: Column) -> tuple[str, str, str, str]:
    """The WHERE clause of the values under another key (parameters: prefix length, prefix), and the names."""
    table = connection.ops.quote_name(column.model._meta.db_table)
    col = connection.ops.quote_name(column.field)
    pk = connection.ops.quote_name(column.model._meta.pk.column or "id")
    return f"FROM {table} WHERE {col} IS NOT NULL AND substring({col} from 1 for %s) <> %s", table, col, pk


def remaining() -> dict[str, int]:
    """How many values each column (and file field) still holds under another key; only the non-zero ones."""
    prefix = crypto.current_prefix()
    counts = {}
    with connection.cursor() as cursor:
        for column in encrypted_columns():
            where, *_ = _stale_sql(column)
            cursor.execute(f"SELECT count(*) {where}", [len(prefix), prefix])
            if count := cursor.fetchone()[0]:
                counts[str(column)] = count
    for label, field, instance in _files():
        if not _file_is_current(instance, field):
            counts[f"{label}.{field}"] = counts.get(f"{label}.{field}", 0) + 1
    return counts


def rotate(batch: int = BATCH) -> dict[str, int]:
    """Re-encrypt everything under the current key; returns how many values were rewritten, by column."""
    done: dict[str, int] = {}
    prefix = crypto.current_prefix()
    for column in encrypted_columns():
        where, table, col, pk = _stale_sql(column)
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                after = "" if last is None else f" AND {pk} > %s"
                cursor.execute(
                    f"SELECT {pk}, {col} {where}{after} ORDER BY {pk} LIMIT %s FOR UPDATE",
                    [len(prefix), prefix, *([] if last is None else [last]), batch],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                ids = [row[0] for row in rows]
                values = [crypto.reencrypt(row[1]) for row in rows]
                pk_type = "bigint" if isinstance(ids[0], int) else "text"
                cursor.execute(
                    f"UPDATE {table} SET {col} = v.c FROM unnest(%s::{pk_type}[], %s::bytea[]) AS v(id, c) "  # noqa: S608 - names from the model registry
                    f"WHERE {table}.{pk} = v.id",
                    [ids, values],
                )
                last = ids[-1]
                done[str(column)] = done.get(str(column), 0) + len(rows)
    for label, field, instance in _files():
        if _file_is_current(instance, field):
            continue
        stored = getattr(instance, field)
        with stored.open("rb") as handle:
            data = crypto.reencrypt(handle.read())
        name = stored.name
        stored.storage.delete(name)
        stored.storage.save(name, ContentFile(data))
        done[f"{label}.{field}"] = done.get(f"{label}.{field}", 0) + 1
    return done


def _files() -> Iterator[tuple[str, str, models.Model]]:
    for label, field in sorted(_encrypted_files):
        model = apps.get_model(label)
        for instance in model._base_manager.exclude(**{field: ""}).only("pk", field).iterator():
            if getattr(instance, field).storage.exists(getattr(instance, field).name):
                yield label, field, instance


def _file_is_current(instance: models.Model, field: str) -> bool:
    with getattr(instance, field).open("rb") as handle:
        return crypto.is_current(handle.read(1 + crypto.KEY_ID_BYTES))
