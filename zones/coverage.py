"""Visit coverage: of the unions planned this quarter, how many have been visited, per zone and worker."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Min, Q, QuerySet


def coverage(entries: QuerySet, quarter: str) -> list[dict[str, Any]]:
    """One row per zone among ``entries`` (already scoped), with a breakdown per assigned worker.

    Two grouped queries, whatever the number of zones.
    """
    planned = entries.filter(quarter=quarter)
    per_worker = (
        planned.values("zone_id", "assignee_id")
        .annotate(planned=Count("id"), visited=Count("id", filter=Q(first_visit__isnull=False)))
        .order_by("zone_id", "assignee_id")
    )
    workers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in per_worker:
        workers[row["zone_id"]].append(
            {"assignee": row["assignee_id"], "planned": row["planned"], "visited": row["visited"]}
        )
    # Grouped by the zone's id alone (its name taken with Min): grouping by the name too made
    # PostgreSQL sort every plan entry by name first, 4× slower over a whole city (bench/run).
    zones = (
        planned.values("zone_id")
        .annotate(
            zone__name=Min("zone__name"), planned=Count("id"), visited=Count("id", filter=Q(first_visit__isnull=False))
        )
        .order_by("zone__name", "zone_id")
    )
    return [
        {
            "zone": row["zone_id"],
            "zone_name": row["zone__name"],
            "quarter": quarter,
            "planned": row["planned"],
            "visited": row["visited"],
            "percent": round(100 * row["visited"] / row["planned"]) if row["planned"] else 0,
            "workers": workers[row["zone_id"]],
        }
        for row in zones
    ]
