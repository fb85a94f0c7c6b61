"""Core tasks: the outbox relay and its clean-up, and notification delivery."""

from datetime import timedelta

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import channels, notify, outbox, security_log
from .choices import DeliveryStatus
from .models import OutboxMessage


@shared_task(name="core.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """Send outbox rows whose on-commit relay did not happen (broker down, process killed)."""
    return outbox.relay()


@shared_task(name="core.purge_outbox", ignore_result=True)
def purge_outbox(days: int = 14) -> int:
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


@shared_task(name="core.purge_security_log", ignore_result=True)
def purge_security_log() -> dict[str, int]:
    """Nightly: security events older than SECURITY_LOG_RETENTION_DAYS, and axes' spent rows."""
    return security_log.purge()


@shared_task(
    bind=True,
    name="notify.deliver",
    ignore_result=True,
    acks_late=True,
    max_retries=None,  # notify.MAX_ATTEMPTS counts attempts, duplicates of the task included
    # Below notify.LEASE, so a killed attempt's lease has run out when it is found again; and never
    # above the global limit, which the broker's visibility timeout is sized against.
    soft_time_limit=min(90, settings.CELERY_TASK_SOFT_TIME_LIMIT),
    time_limit=min(120, settings.CELERY_TASK_TIME_LIMIT),
)
def deliver(self: Task, delivery_id: int) -> str:
    """Send one Delivery; retry transient failures with backoff; record every attempt (DESIGN.md rule 6)."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    delivery = notify.claim(delivery_id, redelivered=redelivered)
    if delivery is None:
        return "skipped"  # sent, failed, gone, or being sent by another worker
    error: channels.DeliveryError
    try:
        receipt = channels.send(delivery)
    except SoftTimeLimitExceeded:
        error = channels.TransientDeliveryError("time limit reached", certain=False)
    except channels.DeliveryError as exc:
        error = exc
    except Exception as exc:
        # A bug: on record as an uncertain failure, then raised for the worker's log.
        notify.record(delivery, DeliveryStatus.FAILED, error=exc)
        raise
    else:
        notify.record(delivery, DeliveryStatus.SENT, receipt=receipt)
        return "sent"
    if isinstance(error, channels.TransientDeliveryError) and delivery.attempts < notify.MAX_ATTEMPTS:
        notify.record(delivery, DeliveryStatus.RETRYING, error=error)
        raise self.retry(countdown=notify.backoff(delivery.attempts))
    notify.record(delivery, DeliveryStatus.FAILED, error=error)
    return "failed"


@shared_task(name="notify.sweep_deliveries", ignore_result=True)
def sweep_deliveries() -> int:
    """Enqueue again the deliveries whose task was lost (broker restarted, message dropped)."""
    stale = notify.stale_deliveries()
    with transaction.atomic():
        for delivery_id in stale:
            outbox.enqueue(notify.DELIVER_TASK, delivery_id, queue="notify")
    return len(stale)


@shared_task(name="core.rebuild_text_categories", ignore_result=True, acks_late=True)
def rebuild_text_categories() -> int:
    """Rebuild the category suggestion's learned counts from every handled case (idempotent: a full rebuild)."""
    from .text.classify import rebuild_from_sources

    return rebuild_from_sources()
