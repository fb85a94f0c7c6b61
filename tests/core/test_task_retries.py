"""Every task retries while PostgreSQL cannot be reached (unionhub.celery.Task; issue 8, item 8).

The restart itself is proven in tests/faults/test_outages.py (make verify); here, that no task
opts out of the retry by naming its own ``autoretry_for``, and that a job whose work met the
outage is left for the retry to take over rather than recorded as failed.
"""

import pytest
from django.db import OperationalError

from tests.factories import UserFactory
from unionhub.celery import app
from unionhub.core.choices import JobStatus
from unionhub.core.jobs import run_job, start_job
from unionhub.core.models import Job


def test_every_task_of_ours_retries_when_the_database_is_unreachable():
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert len(ours) > 20
    for name, task in ours.items():
        assert OperationalError in task.autoretry_for, name


@pytest.mark.django_db
def test_a_job_that_met_the_outage_stays_running_for_its_retry_and_a_bug_fails_it():
    staff = UserFactory()
    job = start_job("test", "core.relay_outbox", actor=staff)

    def database_gone(_job):
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        run_job(job.pk, database_gone)
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING

    other = start_job("test", "core.relay_outbox", actor=staff)

    def bug(_job):
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        run_job(other.pk, bug)
    assert Job.objects.get(pk=other.pk).status == JobStatus.FAILED
