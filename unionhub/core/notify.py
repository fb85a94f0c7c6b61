"""Notifications: the one interface every feature calls, and the bookkeeping of each delivery.

``notify()`` writes, inside the caller's transaction, an inbox row per recipient (once
per key, whatever happens) and a Delivery per outside channel with a stable key, and
puts a ``notify.deliver`` task in the outbox for each (DESIGN.md rules 2 and 6). The task
claims its delivery, sends it and records the attempt with the helpers below; a rolled
back write therefore notifies nobody, and a committed one is never lost.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import outbox
from .channels import DeliveryError, user_target, webhook_target
from .choices import Channel, DeliveryStatus
from .models import Delivery, Federation, Notification, User

log = logging.getLogger(__name__)

OUTSIDE_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.WECOM, Channel.DINGTALK})
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
DELIVER_TASK = "notify.deliver"

# Attempts per delivery, and the backoff between them: 30 s, 1, 2, 4, 8, 16, 30, 30 min.
# The cap stays below the broker's visibility timeout (2 h), because a task waiting for
# its countdown is held unacknowledged by the worker and would otherwise be handed out twice.
MAX_ATTEMPTS = 8
BACKOFF_BASE = 30
BACKOFF_CAP = 30 * 60
# An attempt still "sending" after this long died with its worker; the delivery may be claimed again.
# Longer than the deliver task's hard time limit.
LEASE = timedelta(minutes=5)
# A delivery with no attempt for this long after it was due has lost its task and is enqueued again.
STALE_AFTER = timedelta(seconds=BACKOFF_CAP) + LEASE + timedelta(minutes=10)

SENDING = "sending"


@dataclass
class Notified:
    """What one call wrote (or found already written under the same key)."""

    notifications: list[Notification] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


@dataclass
class Message:
    """One notification for ``notify_many``: its recipients and what ``notify`` takes besides."""

    recipients: Iterable[User]
    key: str
    title: str
    body: str = ""
    link: str = ""


def notify(
    recipients: Iterable[User],
    *,
    key: str,
    title: str,
    body: str = "",
    link: str = "",
    channels: Iterable[str] = (Channel.INBOX,),
) -> Notified:
    """Notify staff users on the given channels, at most once per ``(recipient, key)``.

    ``key`` names the event ("grievance-42-assigned"); calling again with the same key
    writes nothing new. Users without an e-mail address or a mobile number get no
    delivery on that channel, and inactive users none on any outside channel. ``link``
    goes into outside messages only when it is an absolute address.
    """
    return notify_many([Message(recipients, key, title, body, link)], channels=channels)


def notify_many(messages: Iterable[Message], *, channels: Iterable[str] = (Channel.INBOX,)) -> Notified:
    """``notify`` for many messages at once (a scan that tells hundreds of handlers): the same rows
    under the same keys, in a handful of statements whatever the number of messages."""
    channels = list(dict.fromkeys(Channel(c) for c in channels))
    # Recipients deduplicated per message, as notify() always did.
    wanted = [(m, list({user.pk: user for user in m.recipients}.values())) for m in messages]
    for message, _users in wanted:
        _check_key(message.key)
    result = Notified()
    with transaction.atomic():
        if Channel.INBOX in channels:
            Notification.objects.bulk_create(
                [
                    Notification(recipient=u, key=m.key, title=m.title[:200], body=m.body, link=m.link)
                    for m, users in wanted
                    for u in users
                ],
                ignore_conflicts=True,  # (recipient, key) is unique: a rerun writes nothing new
            )
            pairs = {(u.pk, m.key) for m, users in wanted for u in users}
            found = Notification.objects.filter(key__in={m.key for m, _users in wanted}).order_by("id")
            result.notifications = [n for n in found if (n.recipient_id, n.key) in pairs]
        inbox = {(n.recipient_id, n.key): n for n in result.notifications}
        rows = [
            Delivery(
                notification=inbox.get((user.pk, m.key)),
                channel=channel,
                target=user_target(user),
                key=delivery_key(m.key, channel, user_target(user)),
                subject=m.title[:200],
                body=_outside_body(m.body, m.link),
            )
            for m, users in wanted
            for user in users
            if user.is_active
            for channel in channels
            if (channel == Channel.EMAIL and user.email) or (channel == Channel.SMS and user.mobile_encrypted)
        ]
        result.deliveries = _create_and_enqueue(rows)
    return result


def notify_federation(
    federation: Federation, *, key: str, title: str, body: str = "", link: str = ""
) -> list[Delivery]:
    """Post to each active group robot (WeCom, DingTalk) of ``federation``, once per key and robot."""
    _check_key(key)
    with transaction.atomic():
        rows = [
            Delivery(
                channel=endpoint.channel,
                target=webhook_target(endpoint),
                key=delivery_key(key, endpoint.channel, webhook_target(endpoint)),
                subject=title[:200],
                body=_outside_body(body, link),
            )
            for endpoint in federation.webhooks.filter(is_active=True).order_by("id")
        ]
        return _create_and_enqueue(rows)


def delivery_key(key: str, channel: str, target: str) -> str:
    """The stable key of one message on one channel to one target; hashed when too long for the column."""
    full = f"{channel}:{target}:{key}"
    if len(full) <= 200:
        return full
    return f"{channel}:{target}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def _check_key(key: str) -> None:
    if not key or len(key) > 200:
        raise ValueError("a notification key is 1 to 200 characters")


def _outside_body(body: str, link: str) -> str:
    if link.startswith(("https://", "http://")):
        return f"{body}\n{link}".strip()
    return body


def _create_and_enqueue(rows: list[Delivery]) -> list[Delivery]:
    """Insert deliveries (ON CONFLICT DO NOTHING on the key) and enqueue each task once."""
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    deliveries = list(Delivery.objects.filter(key__in=[row.key for row in rows]).order_by("id"))
    for delivery in deliveries:
        if delivery.status in OPEN:
            outbox.enqueue(DELIVER_TASK, delivery.pk, key=f"{DELIVER_TASK}:{delivery.pk}", queue="notify")
    return deliveries


# The life of one delivery attempt, used by the notify.deliver task.


def claim(delivery_id: int, *, redelivered: bool = False) -> Delivery | None:
    """Take an open delivery for one attempt, or return None when it is done, gone, or being sent.

    ``attempts`` is the fence: the conditional UPDATE succeeds for one worker only, and
    the attempt it records as "sending" is committed before anything leaves, so an attempt
    whose worker dies is still on record (as uncertain, when the next claim takes over).
    An attempt still "sending" is taken over once its lease has run out, or at once when
    the broker delivers the task's message again (``redelivered``): it does so only after
    the worker holding it was lost.
    """
    delivery = Delivery.objects.filter(pk=delivery_id, status__in=OPEN).first()
    if delivery is None:
        return None
    now = timezone.now()
    attempt_log = list(delivery.attempt_log)
    if attempt_log and attempt_log[-1].get("outcome") == SENDING:
        if not redelivered and _at(attempt_log[-1]) > now - LEASE:
            return None
        attempt_log[-1] = {**attempt_log[-1], "outcome": "interrupted", "certain": False, "error": "WorkerLost"}
    entry = {"attempt": delivery.attempts + 1, "at": now.isoformat(), "outcome": SENDING, "certain": False}
    attempt_log.append(entry)
    claimed = Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts, status__in=OPEN).update(
        attempts=delivery.attempts + 1, attempt_log=attempt_log
    )
    if not claimed:
        return None
    delivery.attempts += 1
    delivery.attempt_log = attempt_log
    return delivery


def record(delivery: Delivery, status: str, *, error: BaseException | None = None, receipt: str = "") -> bool:
    """Write the outcome of the attempt ``claim`` started; False if another worker took over meanwhile."""
    now = timezone.now()
    entry: dict[str, Any] = {**delivery.attempt_log[-1], "finished_at": now.isoformat()}
    if error is None:
        entry.update(outcome="sent", certain=True, error="", detail=receipt)
    else:
        entry.update(
            outcome="failed" if status == DeliveryStatus.FAILED else "retrying",
            certain=getattr(error, "certain", False),
            error=type(error).__name__,
            # Our own errors carry a detail written to be safe; anything else only its class.
            detail=error.detail if isinstance(error, DeliveryError) else "",
        )
    delivery.attempt_log = [*delivery.attempt_log[:-1], entry]
    delivery.status = status
    fields: dict[str, Any] = {"status": status, "attempt_log": delivery.attempt_log}
    if status == DeliveryStatus.SENT:
        fields["sent_at"] = delivery.sent_at = now
    written = Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(**fields)
    if not written:
        log.warning("delivery %s: attempt %s was taken over before it was recorded", delivery.pk, delivery.attempts)
    return bool(written)


def backoff(attempts: int) -> int:
    """Seconds to wait after ``attempts`` failed tries."""
    return int(min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0)))


def stale_deliveries(limit: int = 500) -> list[int]:
    """Open deliveries whose task was evidently lost (no attempt long after one was due)."""
    now = timezone.now()
    candidates = Delivery.objects.filter(status__in=OPEN, created_at__lt=now - STALE_AFTER).order_by("id")
    stale: list[int] = []
    for pk, attempt_log, created_at in candidates.values_list("pk", "attempt_log", "created_at").iterator():
        last = _at(attempt_log[-1]) if attempt_log else created_at
        if last < now - STALE_AFTER:
            stale.append(pk)
            if len(stale) >= limit:
                break
    return stale


def _at(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["at"])
