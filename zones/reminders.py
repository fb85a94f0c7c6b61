"""Daily visit reminders (每季度全覆盖走访): unvisited unions near the end of the quarter.

A zone worker is reminded of each union still to visit once fewer than
VISIT_REMINDER_DAYS_LEFT days remain; in the last VISIT_ESCALATION_DAYS_LEFT days the
zone's chief and instructor are told too; each day the federation's group robots (WeCom,
DingTalk) get one summary per zone. One reminder per (worker, union, quarter, kind):
the notification key makes the inbox row exactly-once and the outside deliveries
at-least-once with a stable key, so the task may run every hour, or be killed and rerun,
without sending anything twice. Nothing is sent during quiet hours.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from unionhub.core.choices import Channel, Role
from unionhub.core.models import Notification
from unionhub.core.notify import notify, notify_federation

from .models import VisitPlanEntry, Zone, ZoneStaff
from .quarters import Quarter

CHANNELS = (Channel.INBOX, Channel.EMAIL)
ESCALATE_TO = [Role.ZONE_CHIEF, Role.ZONE_INSTRUCTOR]


def in_quiet_hours(moment: datetime.datetime) -> bool:
    start, end = settings.QUIET_HOURS
    hour = timezone.localtime(moment).hour
    return hour >= start or hour < end if start > end else start <= hour < end


def send_visit_reminders(now: datetime.datetime | None = None) -> int:
    """Remind of this quarter's unvisited unions; return the number of new reminders."""
    now = now or timezone.now()
    if in_quiet_hours(now):
        return 0
    today = timezone.localtime(now).date()
    quarter = Quarter.of(today)
    days_left = quarter.days_left(today)
    if days_left > settings.VISIT_REMINDER_DAYS_LEFT:
        return 0
    escalate = days_left <= settings.VISIT_ESCALATION_DAYS_LEFT
    unvisited = (
        VisitPlanEntry.objects.filter(quarter=str(quarter), first_visit=None, assignee__isnull=False)
        .select_related("union", "assignee")
        .only("id", "zone_id", "union__id", "union__name", "assignee")
        .order_by("id")
    )
    overseers: dict[int, list] = {}
    sent = 0
    with override(settings.LANGUAGE_CODE):  # reminders are written in the federation's language
        for entry in unvisited.iterator(chunk_size=500):
            link = f"/m/unions/{entry.union.id}/"
            title = _("Visit {union} before the quarter ends").format(union=entry.union.name)
            body = _("{days} days are left in {quarter}; {union} has not been visited yet.").format(
                days=days_left, quarter=quarter, union=entry.union.name
            )
            with transaction.atomic():  # one reminder at a time: a killed run loses nothing
                sent += _remind([entry.assignee], entry, "worker", title, body, link)
                if escalate:
                    if entry.zone_id not in overseers:
                        overseers[entry.zone_id] = [
                            staff.user
                            for staff in ZoneStaff.objects.filter(zone_id=entry.zone_id, role__in=ESCALATE_TO)
                            .select_related("user")
                            .exclude(user=entry.assignee)
                        ]
                    sent += _remind(overseers[entry.zone_id], entry, "escalation", title, body, link)
        _post_zone_summaries(unvisited, quarter, today, days_left)
    return sent


def _post_zone_summaries(unvisited: QuerySet, quarter: Quarter, today: datetime.date, days_left: int) -> None:
    """Once a day, tell each federation's group robots how many unions each of its zones has left."""
    left = dict(unvisited.order_by().values_list("zone_id").annotate(count=Count("id")))
    for zone in Zone.objects.filter(pk__in=left).select_related("federation").order_by("id"):
        notify_federation(
            zone.federation,
            key=f"visit-summary:{zone.pk}:{quarter}:{today.isoformat()}",
            title=_("{zone}: {count} unions still to visit").format(zone=zone.name, count=left[zone.pk]),
            body=_("{days} days are left in {quarter}.").format(days=days_left, quarter=quarter),
        )


def _remind(users: list, entry: VisitPlanEntry, kind: str, title: str, body: str, link: str) -> int:
    """Notify each user once per (union, quarter, kind); return how many were new."""
    sent = 0
    for user in users:
        key = f"visit-reminder:{entry.union.id}:{entry.quarter}:{kind}"
        if Notification.objects.filter(recipient=user, key=key).exists():
            continue  # reminded on an earlier run
        notify([user], key=key, title=title, body=body, link=link, channels=CHANNELS)
        sent += 1
    return sent
