"""The outbox hands tasks to a real Celery worker through the real Redis broker."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.conftest import wait_for
from unionhub.core import outbox
from unionhub.core.models import OutboxMessage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_committed_task_runs_on_the_worker(celery_worker_process):
    stale = OutboxMessage.objects.create(task_name="core.relay_outbox", sent_at=timezone.now() - timedelta(days=30))

    with transaction.atomic():
        message = outbox.enqueue("core.purge_outbox")

    wait_for(lambda: not OutboxMessage.objects.filter(pk=stale.pk).exists())
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.attempts == 1


def test_a_rolled_back_transaction_sends_nothing(celery_worker_process):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("core.purge_outbox")
        raise RuntimeError("the write failed")

    assert not OutboxMessage.objects.exists()


def test_the_sweep_sends_what_the_broker_refused(celery_worker_process, monkeypatch):
    from unionhub.celery import app

    stale = OutboxMessage.objects.create(task_name="core.relay_outbox", sent_at=timezone.now() - timedelta(days=30))

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(app, "send_task", broker_down)
    with transaction.atomic():
        message = outbox.enqueue("core.purge_outbox")
    message.refresh_from_db()
    assert message.sent_at is None
    assert "Redis is down" in message.last_error

    monkeypatch.undo()
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    assert outbox.relay() == 1
    wait_for(lambda: not OutboxMessage.objects.filter(pk=stale.pk).exists())


def test_a_key_enqueues_once():
    with transaction.atomic():
        first = outbox.enqueue("core.purge_outbox", key="nightly-2026-11-23")
        second = outbox.enqueue("core.purge_outbox", key="nightly-2026-11-23")
    assert first is not None
    assert second is None
    assert OutboxMessage.objects.filter(key="nightly-2026-11-23").count() == 1
