"""Writing many rows with PostgreSQL COPY (psycopg 3): the scale loader and the roster import share it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection, models
from psycopg import sql


def column_plan(model: type[models.Model], fields: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
    """Columns for COPY: the given fields, then every other concrete field with its default
    (fields with a database default, and generated columns, are left to the database).

    Fields added to a model later are then filled as ``Model()`` would fill them, so a loader
    keeps working; a NOT NULL field without a default makes COPY fail loudly.
    """
    named = [cast(models.Field, model._meta.get_field(name)) for name in fields]
    columns = [str(f.column) for f in named]
    given = {f.attname for f in named}
    constants = []
    for f in model._meta.concrete_fields:
        # A database default fills itself; a generated column (a search vector) may not be written.
        if f.attname not in given and not f.has_db_default() and not f.generated:
            columns.append(str(f.column))
            constants.append(f.get_db_prep_save(f.get_default(), connection))
    return columns, tuple(constants)


def copy_rows(
    cursor: Any,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    freeze: bool = False,
) -> int:
    """COPY rows (values in ``fields`` order) into the model's table; return how many were written.

    ``freeze`` writes them frozen, which PostgreSQL allows only into a table created or
    truncated in the current transaction.
    """
    columns, constants = column_plan(model, fields)
    statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(" WITH (FREEZE)" if freeze else ""),
    )
    written = 0
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((*row, *constants) if constants else row)
            written += 1
    return written


def next_ids(cursor: Any, model: type[models.Model], count: int, column: str = "id") -> list[int]:
    """Take ``count`` values from the sequence of the model's id column, for rows written by COPY."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, column, count],
    )
    return [row[0] for row in cursor.fetchall()]
