"""Long jobs: a Job row per run, claimed by its task, with progress that pages poll."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import current_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import outbox
from .choices import JobStatus
from .exceptions import DATABASE_UNAVAILABLE
from .models import Job, User


def start_job(kind: str, task_name: str, *, actor: User, params: dict[str, Any] | None = None, queue: str = "") -> Job:
    """Create a Job and enqueue the task that runs it (the task receives the job's id)."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, params=params or {}, created_by=actor, federation_path=actor.federation_path
        )
        outbox.enqueue(task_name, job.pk, queue=queue)
    return job


def claim_job(job_id: int, task_id: str = "") -> Job | None:
    """Move a pending job to running; None if it is gone, finished, or another message has it.

    A job left running by a worker that died is taken over when its own message comes back
    (acks_late: the broker delivers an unacknowledged message again, with the same task id,
    only after its worker is lost or the visibility timeout, longer than any task may run,
    has passed). The work itself is atomic or idempotent, so running it again is safe.
    """
    mine = Q(status=JobStatus.PENDING)
    if task_id:
        mine |= Q(status=JobStatus.RUNNING, task_id=task_id)
    claimed = Job.objects.filter(mine, pk=job_id).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), task_id=task_id
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
    """Claim the job, run ``work(job)`` and record success or failure; a second message does nothing."""
    job = claim_job(job_id, _current_task_id())
    if job is None:
        return
    try:
        result = work(job) or {}
    except DATABASE_UNAVAILABLE:
        # The work rolled back and the job cannot be written to now anyway: it stays running
        # under this task id, and the task's retry (same id) takes it over (unionhub.celery.Task).
        raise
    except Exception as exc:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, message=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, result=result, finished_at=timezone.now())


def _current_task_id() -> str:
    request = current_task.request if current_task else None
    return str(getattr(request, "id", None) or "")
