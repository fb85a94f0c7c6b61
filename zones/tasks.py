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


@shared_task(name="zones.send_visit_reminders", ignore_result=True)
def send_visit_reminders_task() -> int:
    """Hourly in working hours: each reminder goes out once, whenever the first run reaches it."""
    from .reminders import send_visit_reminders

    return send_visit_reminders()


@shared_task(name="zones.compute_union_indicators", ignore_result=True)
def compute_union_indicators_task() -> int:
    from .indicators import compute_union_indicators

    return compute_union_indicators()
