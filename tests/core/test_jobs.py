"""Long jobs are claimed once, report progress, and end as succeeded or failed."""

import pytest

from tests.factories import RoleAssignmentFactory
from unionhub.core.choices import JobStatus
from unionhub.core.jobs import report_progress, run_job, start_job
from unionhub.core.models import Job, OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    staff = RoleAssignmentFactory().user
    return start_job("export", "core.purge_outbox", actor=staff, params={"zone": 1})


def test_starting_a_job_enqueues_its_task_with_the_jobs_id(job):
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args) == ("core.purge_outbox", [job.pk])
    assert job.status == JobStatus.PENDING
    assert job.federation_path == job.created_by.federation_path


def test_a_job_runs_once_and_records_its_result(job):
    calls = []

    def work(running):
        calls.append(running.pk)
        report_progress(running, 50, total=100, message="一半")
        return {"rows": 100}

    run_job(job.pk, work)
    run_job(job.pk, work)  # a redelivered task finds the job taken

    job.refresh_from_db()
    assert calls == [job.pk]
    assert (job.status, job.progress, job.percent, job.result) == (JobStatus.SUCCEEDED, 50, 50, {"rows": 100})
    assert job.finished_at is not None


def test_a_failing_job_says_why(job):
    def work(running):
        raise ValueError("第3行缺少身份证号")

    with pytest.raises(ValueError):
        run_job(job.pk, work)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "第3行缺少身份证号" in job.message


def test_its_creator_and_the_federations_staff_see_it_others_do_not(job):
    staff_elsewhere = RoleAssignmentFactory().user
    assert Job.objects.restrict(job.created_by).filter(pk=job.pk).exists()
    assert not Job.objects.restrict(staff_elsewhere).filter(pk=job.pk).exists()
