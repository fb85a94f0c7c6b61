"""How a station is used: check-ins by hour of day, weekday and occupation, in Asia/Shanghai time.

Each figure is one GROUP BY over the station's rows in the period, read from the covering
index (station, checked_in_at) INCLUDE (occupation, is_member): a busy station's year stays
an index-only scan whatever the size of the whole table.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, F, Func, IntegerField, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from .choices import Occupation, Weekday
from .hours import SHANGHAI
from .models import CheckIn, Station

DEFAULT_DAYS = 90


def _local_part(part: str) -> Cast:
    """``date_part(part, checked_in_at AT TIME ZONE 'Asia/Shanghai')::integer``.

    date_part returns a double; EXTRACT (Django's ExtractHour) returns numeric since PostgreSQL 14,
    which made the busiest station's hour and weekday counts four times slower (bench/stations.py).
    """
    local = Func(F("checked_in_at"), template=f"(%(expressions)s AT TIME ZONE '{SHANGHAI.key}')")
    return Cast(Func(Value(part), local, function="date_part"), IntegerField())


def usage_summary(
    station: Station, *, days: int = DEFAULT_DAYS, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """Check-ins of the last ``days`` days: totals, members, and counts by hour, weekday and occupation."""
    until = now or timezone.now()
    since = until - datetime.timedelta(days=days)
    rows = CheckIn.objects.filter(station=station, checked_in_at__gte=since, checked_in_at__lt=until)
    # COUNT(*), not of ids: the covering index holds no id, and the scan must stay index-only.
    totals = rows.aggregate(total=Count("*"), members=Count("is_member", filter=Q(is_member=True)))
    by_hour = dict(
        rows.annotate(hour=_local_part("hour")).values_list("hour").annotate(n=Count("*")).values_list("hour", "n")
    )
    by_weekday = dict(
        rows.annotate(day=_local_part("isodow")).values_list("day").annotate(n=Count("*")).values_list("day", "n")
    )
    by_occupation = dict(rows.values_list("occupation").annotate(n=Count("*")).values_list("occupation", "n"))
    return {
        "since": since,
        "until": until,
        "days": days,
        "total": totals["total"],
        "members": totals["members"],
        "by_hour": [{"hour": hour, "count": by_hour.get(hour, 0)} for hour in range(24)],
        "by_weekday": [
            {"weekday": day, "label": str(Weekday(day).label), "count": by_weekday.get(day + 1, 0)}
            for day in Weekday.values
        ],
        "by_occupation": [
            {"occupation": value, "label": str(label), "count": by_occupation.get(value, 0)}
            for value, label in Occupation.choices
        ],
    }
