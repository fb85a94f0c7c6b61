"""Report tasks: keep the dashboard's summary table fresh (unionhub.reports.summaries)."""

from __future__ import annotations

from celery import shared_task

from .summaries import refresh


@shared_task(name="reports.refresh_dashboard_figures", ignore_result=True)
def refresh_dashboard_figures() -> int:
    """Every few minutes: rewrite the current and previous month; the rows written.

    Idempotent: a run rewrites its months from the raw tables; a run that finds another
    under way returns at once (the next one picks the changes up).
    """
    run = refresh()
    return run.rows if run is not None else 0


@shared_task(name="reports.rebuild_dashboard_figures", ignore_result=True)
def rebuild_dashboard_figures() -> int:
    """Nightly: rewrite every month of the dashboard's history (takes in changes made after the fact)."""
    run = refresh(full=True)
    return run.rows if run is not None else 0
