"""Station tasks: weekly upkeep checks that were never made."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="stations.flag_missed_upkeep_checks", ignore_result=True, acks_late=True)
def flag_missed_upkeep_checks() -> int:
    """Mondays: last week's open stations without a check get work raised for their zone (once per week)."""
    from .upkeep import flag_missed_checks

    return flag_missed_checks()


@shared_task(name="stations.refresh_heat_maps", ignore_result=True, acks_late=True)
def refresh_heat_maps() -> int:
    """Nightly: every federation node's heat map, each replaced in one transaction (a rerun gives the same)."""
    from .heat import refresh_all_heat_maps

    return refresh_all_heat_maps()
