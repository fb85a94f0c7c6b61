"""Working days in China: Monday to Friday, minus public holidays, plus make-up workdays (调休).

The exceptions to the usual week are data (events.models.WorkingDay), loaded from
events/data/working_days_cn.json and kept in the admin, because the State Council sets them
each November for the next year. Grievance deadlines count working days with ``add``; a
pause gives back the working days it lasted (``between``).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from .choices import DayKind
from .models import WorkingDay

DATA_FILE = Path(__file__).with_name("data") / "working_days_cn.json"
# A grievance is due at the end of its last working day (local time).
END_OF_DAY = datetime.time(23, 59, 59)


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def exceptions(start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    """The holidays and make-up workdays from ``start`` to ``end`` (inclusive), in one query."""
    return dict(WorkingDay.objects.filter(date__range=(start, end)).values_list("date", "kind"))


def is_working_day(day: datetime.date, known: dict[datetime.date, str] | None = None) -> bool:
    known = exceptions(day, day) if known is None else known
    kind = known.get(day)
    if kind == DayKind.HOLIDAY:
        return False
    if kind == DayKind.WORKDAY:
        return True
    return day.weekday() < 5


def add(start: datetime.date | datetime.datetime, n: int) -> datetime.date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted); ``start``'s date when n is 0."""
    day = _as_date(start)
    if n <= 0:
        return day
    known: dict[datetime.date, str] = {}
    fetched_until = day
    counted = 0
    while counted < n:
        day += datetime.timedelta(days=1)
        if day > fetched_until:
            # Two calendar weeks per working week, plus room for the longest holiday (9 days): one query.
            fetched_until = day + datetime.timedelta(days=(n - counted) * 2 + 21)
            known = exceptions(day, fetched_until)
        if is_working_day(day, known):
            counted += 1
    return day


def between(start: datetime.date | datetime.datetime, end: datetime.date | datetime.datetime) -> int:
    """How many working days from ``start`` up to, not including, ``end`` (0 when end is not later)."""
    first, last = _as_date(start), _as_date(end)
    if last <= first:
        return 0
    known = exceptions(first, last)
    return sum(is_working_day(first + datetime.timedelta(days=i), known) for i in range((last - first).days))


def counted_since(end: datetime.date | datetime.datetime, n: int) -> datetime.date:
    """The latest date ``start`` with ``between(start, end) >= n`` (n > 0): the n-th working day
    before ``end``. Earlier dates count at least as many working days and later ones fewer, so
    "n working days have passed since ``start``" is one comparison, ``start <= counted_since(end, n)``,
    that a query can make for many rows at once."""
    day = _as_date(end)
    known: dict[datetime.date, str] = {}
    fetched_from = day
    counted = 0
    while counted < n:
        day -= datetime.timedelta(days=1)
        if day < fetched_from:
            # As in add(): two calendar weeks per working week plus the longest holiday, in one query.
            fetched_from = day - datetime.timedelta(days=(n - counted) * 2 + 21)
            known = exceptions(fetched_from, day)
        if is_working_day(day, known):
            counted += 1
    return day


def due_at(start: datetime.date | datetime.datetime, n: int) -> datetime.datetime:
    """The end (local time) of the ``n``-th working day after ``start``."""
    return timezone.make_aware(datetime.datetime.combine(add(start, n), END_OF_DAY))


def shift(due: datetime.datetime, working_days: int) -> datetime.datetime:
    """A due time moved on by ``working_days`` working days (after a pause)."""
    if working_days <= 0:
        return due
    return timezone.make_aware(datetime.datetime.combine(add(due, working_days), timezone.localtime(due).time()))


def year_is_known(year: int) -> bool:
    """Whether ``year`` has a calendar confirmed by the State Council's notice."""
    return WorkingDay.objects.filter(date__year=year, confirmed=True).exists()


def load_calendar(path: Path = DATA_FILE, *, years: list[int] | None = None) -> int:
    """Load (or update) the calendar from the data file; return how many dates were written.

    Dates are upserted by date, so a rerun changes nothing; ``years`` limits the load to those years
    (dates edited in the admin for a year loaded again take the file's values).
    """
    data = json.loads(path.read_text(encoding="utf-8"))["years"]
    rows: list[WorkingDay] = []
    for year, entry in data.items():
        if years and int(year) not in years:
            continue
        for period in entry["periods"]:
            first, last = (datetime.date.fromisoformat(d) for d in period["off"])
            for i in range((last - first).days + 1):
                rows.append(
                    WorkingDay(
                        date=first + datetime.timedelta(days=i),
                        kind=DayKind.HOLIDAY,
                        name=period["name"],
                        confirmed=entry["confirmed"],
                    )
                )
            for workday in period["work"]:
                rows.append(
                    WorkingDay(
                        date=datetime.date.fromisoformat(workday),
                        kind=DayKind.WORKDAY,
                        name=period["name"],
                        confirmed=entry["confirmed"],
                    )
                )
    with transaction.atomic():
        WorkingDay.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=["kind", "name", "confirmed"],
        )
    return len(rows)
