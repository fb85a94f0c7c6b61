"""Zone tasks: quarterly visit plans."""

from __future__ import annotations

from celery import shared_task

from .actions import plan_zone
from .models import Zone
from .quarters import Quarter


@shared_task(name="zones.generate_visit_plans", ignore_result=True)
def generate_visit_plans(quarter: str | None = None) -> int:
    """Plan the quarter's visits in every zone (this quarter unless given, e.g. "2027Q1").

    Idempotent: entries that exist stay as they are (and keep any reassignment made since).
    """
    planned_quarter = Quarter.parse(quarter) if quarter else Quarter.current()
    return sum(plan_zone(zone_id, planned_quarter) for zone_id in Zone.objects.values_list("id", flat=True))
