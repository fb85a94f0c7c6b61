"""Station upkeep (站点维护): the keeper's weekly check, and work for the zone when it fails or is missed.

A failed check, or an open station with no check for a whole week, becomes a work item in
the zone workers' inbox (zones.actions.do_raise_work_item: the one inbox, once per source
key) and tells them so. Stations in no zone have no zone workers: their federation's group
robots are told instead.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from unionhub.core.actions import save_scoped
from unionhub.core.models import User
from unionhub.core.notify import notify_federation
from zones.actions import do_raise_work_item
from zones.choices import WorkKind
from zones.models import WorkItem

from .choices import StationStatus
from .models import Station, UpkeepCheck

# Days the zone has to put a failed or missed check right.
FIX_WITHIN_DAYS = 3


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def do_record_upkeep_check(check: UpkeepCheck, *, actor: User) -> UpkeepCheck:
    """Record this week's check of a station; a failed one raises work for the zone."""
    with transaction.atomic():
        check.checked_by = actor
        save_scoped(check, actor=actor)
        if check.failed:
            items = "、".join(check.failed_labels)
            _raise_for(
                check.station,
                key=f"station-check:{check.station_id}:{check.week.isoformat()}",
                title=_("{station}: weekly check failed").format(station=check.station.name),
                detail=f"{items}。{check.note}",
            )
    return check


def flag_missed_checks(today: datetime.date | None = None) -> int:
    """For last week: every open station without a check gets work raised; return how many (new or not)."""
    today = today or timezone.localdate()
    week = monday_of(today) - datetime.timedelta(days=7)
    missing = (
        Station.objects.filter(status=StationStatus.OPEN, created_at__date__lt=week)
        .exclude(upkeep_checks__week=week)
        .only("id", "name", "zone_id", "federation_id")
        .order_by("id")
    )
    count = 0
    with override(settings.LANGUAGE_CODE):
        for station in missing.iterator(chunk_size=500):
            with transaction.atomic():  # one station at a time: a killed run loses nothing
                _raise_for(
                    station,
                    key=f"station-check-missed:{station.pk}:{week.isoformat()}",
                    title=_("{station}: no weekly check in the week of {week}").format(
                        station=station.name, week=week.isoformat()
                    ),
                    detail=_("Ask the keeper to check the station, or check it on the next visit."),
                )
            count += 1
    return count


def _raise_for(station: Station, *, key: str, title: str, detail: str) -> None:
    if station.zone_id is None:
        notify_federation(station.federation, key=key, title=title, body=detail)
        return
    do_raise_work_item(
        WorkItem(
            kind=WorkKind.STATION_CHECK,
            title=title[:200],
            detail=detail,
            link=f"/admin/stations/station/{station.pk}/change/",
            zone_id=station.zone_id,
            due_on=timezone.localdate() + datetime.timedelta(days=FIX_WITHIN_DAYS),
        ),
        source_key=key,
    )
