"""Core tasks: the outbox relay and its clean-up."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import outbox
from .models import OutboxMessage


@shared_task(name="core.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """Send outbox rows whose on-commit relay did not happen (broker down, process killed)."""
    return outbox.relay()


@shared_task(name="core.purge_outbox", ignore_result=True)
def purge_outbox(days: int = 14) -> int:
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
