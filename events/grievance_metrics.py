"""Grievance figures per zone and period (issue 6 item 11), for the dashboards to read.

A handled rate alone hides a lot, so each figure is counted separately over the grievances
found (submitted) in the period: handled (resolved at least once), handled on time (first
resolution by its due time), evaluated (the worker rated it), satisfied (rating ≥ 4),
reopened (at least once), and the median time from submission to first resolution. One
grouped query over the period's rows, using the (zone, created_at) index; scoped through
restrict() when a user is given.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q

from unionhub.core.choices import Action

from .models import Grievance

SATISFIED_FROM = 4


@dataclass(frozen=True)
class GrievanceFigures:
    zone_id: int | None
    found: int
    handled: int
    handled_on_time: int
    evaluated: int
    satisfied: int
    reopened: int
    median_to_resolve: datetime.timedelta | None

    @property
    def handled_rate(self) -> float | None:
        return self.handled / self.found if self.found else None

    @property
    def on_time_rate(self) -> float | None:
        return self.handled_on_time / self.handled if self.handled else None

    @property
    def satisfied_rate(self) -> float | None:
        return self.satisfied / self.evaluated if self.evaluated else None


class _Median(Aggregate):
    """PostgreSQL's continuous median (of intervals, here)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def grievance_figures(
    start: datetime.datetime, end: datetime.datetime, *, user: Any = None, zone_ids: list[int] | None = None
) -> dict[int | None, GrievanceFigures]:
    """The figures of grievances submitted in [start, end), per zone (None: not in a zone)."""
    rows = Grievance.objects.all()
    if user is not None:
        rows = rows.restrict(user, Action.VIEW)
    rows = rows.filter(created_at__gte=start, created_at__lt=end)
    if zone_ids is not None:
        rows = rows.filter(zone_id__in=zone_ids)
    to_resolve = ExpressionWrapper(F("first_resolved_at") - F("created_at"), output_field=DurationField())
    grouped = (
        rows.order_by()
        .values("zone_id")
        .annotate(
            found=Count("id"),
            handled=Count("id", filter=Q(first_resolved_at__isnull=False)),
            handled_on_time=Count("id", filter=Q(resolved_on_time=True)),
            evaluated=Count("id", filter=Q(rating__isnull=False)),
            satisfied=Count("id", filter=Q(rating__gte=SATISFIED_FROM)),
            reopened=Count("id", filter=Q(reopen_count__gt=0)),
            median_to_resolve=_Median(to_resolve),
        )
    )
    return {row["zone_id"]: GrievanceFigures(**row) for row in grouped}
