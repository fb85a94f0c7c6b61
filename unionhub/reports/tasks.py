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


@shared_task(name="reports.build_quarterly_reports", ignore_result=True)
def build_quarterly_reports(quarter: str = "") -> int:
    """First day of each quarter: enqueue, for every federation node and zone, its report for the quarter just ended.

    One task per node (the reports queue spreads them over the workers); each is enqueued
    once per quarter under its key, and the build itself is idempotent (unique per node and
    quarter, a draft replaced, a locked report left alone). Returns the number enqueued.
    """
    from unionhub.core import outbox
    from zones.quarters import Quarter

    from .actions import nodes_for_quarterly_reports

    ended = Quarter.parse(quarter) if quarter else Quarter.current().previous()
    enqueued = 0
    for node in nodes_for_quarterly_reports():
        federation_id, zone_id = node.federation.pk, node.zone.pk if node.zone else None
        key = f"reports.quarterly:{ended}:{federation_id}:{zone_id or '-'}"
        if outbox.enqueue(
            "reports.build_quarterly_report", federation_id, zone_id, str(ended), key=key, queue="reports"
        ):
            enqueued += 1
    return enqueued


@shared_task(name="reports.build_quarterly_report", ignore_result=True)
def build_quarterly_report(federation_id: int, zone_id: int | None, quarter: str) -> int | None:
    """Build (or rebuild the draft of) one node's report for one quarter; None when it is locked or gone."""
    from unionhub.core.models import Federation
    from zones.models import Zone
    from zones.quarters import Quarter

    from .actions import ReportLocked, build_report
    from .quarterly import Node, quarter_period

    if zone_id is not None:
        zone = Zone.objects.select_related("federation").defer("boundary").filter(pk=zone_id).first()
        if zone is None:
            return None
        node = Node.of_zone(zone)
    else:
        federation = Federation.objects.filter(pk=federation_id).first()
        if federation is None:
            return None
        node = Node(federation)
    parsed = Quarter.parse(quarter)
    try:
        return build_report(node, quarter_period(parsed), quarter=parsed).pk
    except ReportLocked:
        return None


@shared_task(name="reports.build_ad_hoc_report", ignore_result=True)
def build_ad_hoc_report(job_id: int) -> None:
    """An ad-hoc report asked for on the page or the API: a job with progress (claimed once)."""
    from unionhub.core.jobs import run_job

    from .actions import run_ad_hoc_report

    run_job(job_id, run_ad_hoc_report)
