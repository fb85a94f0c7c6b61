"""The transactional outbox (DESIGN.md rule 2): tasks written with the change, relayed after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)

# Rows younger than this are left to their own on-commit relay; the sweep takes the rest.
SWEEP_GRACE = timedelta(seconds=10)


def enqueue(
    task_name: str, *args: Any, key: str | None = None, queue: str = "", eta: datetime | None = None, **kwargs: Any
) -> OutboxMessage | None:
    """Write a task to the outbox in the current transaction; it is sent once the transaction commits.

    With ``key``, a task already enqueued under the same key is not enqueued again (None is returned).
    """
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                task_name=task_name, args=list(args), kwargs=kwargs, key=key, queue=queue, eta=eta
            )
    except IntegrityError:
        if key is None:
            raise
        return None
    transaction.on_commit(lambda: relay([message.pk]))
    return message


def relay(ids: Iterable[int] | None = None, *, limit: int = 500) -> int:
    """Send unsent messages to the broker; return how many were sent.

    Each message is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` so that two relays never
    send the same row; the task id is derived from the row, so a resend after an uncertain
    broker answer reaches the worker under the same id.
    """
    from unionhub.celery import app

    sent = 0
    with transaction.atomic():
        rows = OutboxMessage.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        else:
            rows = rows.filter(created_at__lte=timezone.now() - SWEEP_GRACE)
        for message in rows.order_by("id")[:limit]:
            message.attempts += 1
            try:
                options: dict[str, Any] = {"task_id": f"outbox-{message.pk}"}
                if message.queue:
                    options["queue"] = message.queue
                if message.eta:
                    options["eta"] = message.eta
                app.send_task(message.task_name, args=message.args, kwargs=message.kwargs, **options)
            except Exception as exc:  # noqa: BLE001 - whatever the broker raised, keep the row for the sweep
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                message.save(update_fields=["attempts", "last_error"])
                log.warning("outbox relay failed for message %s: %s", message.pk, type(exc).__name__)
                break
            message.sent_at = timezone.now()
            message.last_error = ""
            message.save(update_fields=["attempts", "sent_at", "last_error"])
            sent += 1
    return sent
