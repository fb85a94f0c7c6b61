"""Long jobs: a Job row per run, claimed by its task, with progress that pages poll."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import outbox
from .choices import JobStatus
from .models import Job, User


def start_job(kind: str, task_name: str, *, actor: User, params: dict[str, Any] | None = None, queue: str = "") -> Job:
    """Create a Job and enqueue the task that runs it (the task receives the job's id)."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, params=params or {}, created_by=actor, federation_path=actor.federation_path
        )
        outbox.enqueue(task_name, job.pk, queue=queue)
    return job


def claim_job(job_id: int) -> Job | None:
    """Move a pending job to running; None if it is gone or another worker has it already."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    return Job.objects.get(pk=job_id) if claimed else None


def report_progress(job: Job, done: int, total: int | None = None, message: str = "") -> None:
    job.progress = done
    fields = ["progress"]
    if total is not None:
        job.total = total
        fields.append("total")
    if message:
        job.message = message
        fields.append("message")
    Job.objects.filter(pk=job.pk).update(**{f: getattr(job, f) for f in fields})


def run_job(job_id: int, work: Callable[[Job], dict[str, Any] | None]) -> None:
    """Claim the job, run ``work(job)`` and record success or failure; a second run does nothing."""
    job = claim_job(job_id)
    if job is None:
        return
    try:
        result = work(job) or {}
    except Exception as exc:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, message=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, result=result, finished_at=timezone.now())
