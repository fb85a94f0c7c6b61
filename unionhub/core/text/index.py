"""Keeping ``search_tokens`` filled: on save, and for rows written by COPY or before the column existed.

A searchable model has a ``search_tokens`` text column and names the fields it indexes in
``search_sources``; its ``save()`` calls ``fill_search_tokens``. ``reindex`` fills rows in
batches (the ``reindex_text`` command, data migrations, bulk loaders after COPY).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.apps import apps
from django.db import connections, models

from .search import SEARCH_FIELD
from .segment import search_document


def document_of(instance: Any, sources: Sequence[str]) -> str:
    return search_document("\n".join(str(getattr(instance, f) or "") for f in sources))


def fill_search_tokens(instance: models.Model, save_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Set the instance's ``search_tokens`` before a save; returns the save's kwargs to use.

    A save limited by ``update_fields`` re-indexes only when one of the sources is saved.
    """
    sources: Sequence[str] = instance.search_sources  # type: ignore[attr-defined]
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None:
        if not set(update_fields) & set(sources):
            return save_kwargs
        save_kwargs = {**save_kwargs, "update_fields": [*update_fields, SEARCH_FIELD]}
    setattr(instance, SEARCH_FIELD, document_of(instance, sources))
    return save_kwargs


def indexed_models() -> list[type[models.Model]]:
    """Every installed model with a ``search_tokens`` column and ``search_sources``."""
    return [
        model
        for model in apps.get_models()
        if getattr(model, "search_sources", None) and any(f.name == SEARCH_FIELD for f in model._meta.concrete_fields)
    ]


def reindex(
    model: type[models.Model],
    sources: Sequence[str] | None = None,
    *,
    missing_only: bool = True,
    batch: int = 2_000,
    using: str = "default",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Fill ``search_tokens`` of a model's rows in primary-key batches; returns the rows updated.

    ``missing_only`` fills rows never indexed (COPY-loaded, older than the column); without it
    every row is re-indexed (after the vocabulary changed). ``sources`` defaults to the
    model's ``search_sources`` (a data migration's historical model has none: pass them).
    """
    sources = list(sources or model.search_sources)  # type: ignore[attr-defined]
    table = model._meta.db_table
    rows = model._base_manager.using(using).order_by("pk")
    if missing_only:
        rows = rows.filter(**{SEARCH_FIELD: ""})
    updated, last = 0, None
    while True:
        page = rows.filter(pk__gt=last) if last is not None else rows
        chunk = list(page.values_list("pk", *sources)[:batch])
        if not chunk:
            return updated
        last = chunk[-1][0]
        ids, docs = [], []
        for pk, *texts in chunk:
            doc = search_document("\n".join(t or "" for t in texts))
            if doc or not missing_only:
                ids.append(pk)
                docs.append(doc)
        if ids:
            with connections[using].cursor() as cursor:
                cursor.execute(
                    f'UPDATE "{table}" AS t SET "{SEARCH_FIELD}" = v.doc '  # noqa: S608 - a model's own table
                    "FROM unnest(%s::bigint[], %s::text[]) AS v(id, doc) WHERE t.id = v.id",
                    [ids, docs],
                )
            updated += len(ids)
        if progress is not None:
            progress(updated)
