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


@shared_task(name="stations.analyse_coverage", ignore_result=True, acks_late=True)
def analyse_coverage(job_id: int) -> None:
    """Run one 15-minute service circle analysis as a Job (params: federation, mode, day, hour)."""
    import datetime

    from unionhub.core.jobs import report_progress, run_job
    from unionhub.core.models import Federation, Job

    from .coverage import analyse

    def work(job: Job) -> dict:
        params = job.params
        return analyse(
            Federation.objects.get(pk=params["federation"]),
            mode=params["mode"],
            day=datetime.date.fromisoformat(params["day"]),
            hour=int(params["hour"]),
            progress=lambda done, total, message: report_progress(job, done, total, message),
        )

    run_job(job_id, work)
