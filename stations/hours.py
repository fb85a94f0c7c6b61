"""Opening hours: whether a station is open at a moment, evaluated in Asia/Shanghai, in SQL.

A station is open at a moment when its status is open and either

- a period starting *today* covers the time: today's exception if there is one, otherwise
  the 24-hour flag or today's weekly periods; or
- a period that started *yesterday* runs past midnight into the time: yesterday's exception
  if there is one, otherwise yesterday's weekly periods.

So an exception replaces the periods that start on its date (a holiday closure on Saturday
still lets Friday night's period run until it closes on Saturday morning). The condition is a
``Q``, so it combines with the KNN ordering of the finder and with any other filter, and there
is one implementation for the finder, the station page and the tests.

Most stations have no exception today or yesterday; for them the answer is one in-row test
of ``Station.week_minutes`` (the week's periods as minutes of the week, a multirange kept in
step with the periods by stations.actions.sync_week). Only stations with an exception on
either day (looked up first, by id) go through the subqueries over periods and exceptions:
a KNN scan of 12,000 stations at 2 a.m. then stays an index scan with a cheap filter per
row, and on a day without exceptions the statement has no subqueries at all.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Exists, F, Func, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import StationStatus, Weekday
from .models import OpeningException, OpeningPeriod

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTES_A_DAY = 24 * 60
MINUTES_A_WEEK = 7 * MINUTES_A_DAY


@dataclass(frozen=True)
class LocalMoment:
    """A moment as a Shanghai clock shows it: the date, the weekday and the time of day."""

    date: datetime.date
    time: datetime.time

    @classmethod
    def of(cls, instant: datetime.datetime | None = None) -> LocalMoment:
        local = (instant or timezone.now()).astimezone(SHANGHAI)
        return cls(local.date(), local.time().replace(tzinfo=None))

    @property
    def weekday(self) -> int:
        return self.date.weekday()

    @property
    def yesterday(self) -> datetime.date:
        return self.date - datetime.timedelta(days=1)

    @property
    def minute_of_week(self) -> int:
        return self.weekday * MINUTES_A_DAY + self.time.hour * 60 + self.time.minute


def _covers(time: datetime.time) -> Q:
    """A period starting on the day in question covers ``time`` (until midnight if it runs past it)."""
    return Q(opens__lte=time) & (Q(overnight=True) | Q(closes__gt=time))


def _spills_into(time: datetime.time) -> Q:
    """A period that started the day before still runs at ``time``."""
    return Q(overnight=True, closes__gt=time)


def open_at(moment: LocalMoment) -> Q:
    """The condition on Station for "open at ``moment``".

    The stations with an exception today or yesterday are looked up first (one query on a
    small table, nearly always empty): every other station is decided by the in-row test of
    ``week_minutes``, so the finder's statement carries no subqueries for PostgreSQL to plan
    on every request (planning them cost more than running the KNN scan: bench/stations.py).
    """
    excepted = list(
        OpeningException.objects.filter(date__in=[moment.yesterday, moment.date])
        .values_list("station_id", flat=True)
        .distinct()
    )
    usual_week = Q(open_24h=True) | Q(_week_contains(moment.minute_of_week))
    if not excepted:
        return Q(status=StationStatus.OPEN) & usual_week
    station = OuterRef("pk")
    exception_today = OpeningException.objects.filter(station=station, date=moment.date)
    exception_yesterday = OpeningException.objects.filter(station=station, date=moment.yesterday)
    periods = OpeningPeriod.objects.filter(station=station)
    today = (Exists(exception_today) & Exists(exception_today.filter(_covers(moment.time)))) | (
        ~Exists(exception_today)
        & (Q(open_24h=True) | Exists(periods.filter(_covers(moment.time), weekday=moment.weekday)))
    )
    from_yesterday = (Exists(exception_yesterday) & Exists(exception_yesterday.filter(_spills_into(moment.time)))) | (
        ~Exists(exception_yesterday)
        & Exists(periods.filter(_spills_into(moment.time), weekday=(moment.weekday - 1) % 7))
    )
    return Q(status=StationStatus.OPEN) & (
        (~Q(pk__in=excepted) & usual_week) | (Q(pk__in=excepted) & (today | from_yesterday))
    )


def _week_contains(minute: int) -> Func:
    """``week_minutes @> minute``: whether the usual week is open at that minute."""
    return Func(
        F("week_minutes"),
        Cast(Value(minute), IntegerField()),
        arg_joiner=" @> ",
        template="(%(expressions)s)",
        output_field=BooleanField(),
    )


# --- Checking a weekly schedule ---------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    weekday: int
    opens: datetime.time
    closes: datetime.time
    overnight: bool = False

    def minutes(self) -> tuple[int, int]:
        """Start and end in minutes from Monday 00:00; the end may pass Sunday midnight."""
        start = self.weekday * MINUTES_A_DAY + self.opens.hour * 60 + self.opens.minute
        end = self.weekday * MINUTES_A_DAY + self.closes.hour * 60 + self.closes.minute
        return start, end + (MINUTES_A_DAY if self.overnight else 0)

    def label(self) -> str:
        return f"{Weekday(self.weekday).label} {self.opens:%H:%M}–{self.closes:%H:%M}"


def check_no_overlap(spans: Iterable[Span], field: str = "periods") -> None:
    """Refuse a week in which two periods overlap (a Sunday-night period wraps onto Monday)."""
    intervals: list[tuple[int, int, Span]] = []
    for span in spans:
        start, end = span.minutes()
        intervals.append((start, end, span))
        if end > MINUTES_A_WEEK:
            intervals.append((start - MINUTES_A_WEEK, end - MINUTES_A_WEEK, span))
    intervals.sort(key=lambda item: item[0])
    latest: tuple[int, Span] | None = None  # the furthest end so far, and whose it is
    for start, end, span in intervals:
        if latest is not None and start < latest[0] and span is not latest[1]:
            message = _("{first} overlaps {second}.").format(first=latest[1].label(), second=span.label())
            raise ValidationError({field: ValidationError(message, code="overlap")})
        if latest is None or end > latest[0]:
            latest = (end, span)


def week_ranges(spans: Iterable[Span]) -> list[tuple[int, int]]:
    """The minutes of the week the spans cover, merged, a Sunday-night span split at the week's end."""
    pieces: list[tuple[int, int]] = []
    for span in spans:
        start, end = span.minutes()
        if end > MINUTES_A_WEEK:
            pieces += [(start, MINUTES_A_WEEK), (0, end - MINUTES_A_WEEK)]
        else:
            pieces.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def periods_of_day(periods: Sequence[OpeningPeriod], day: datetime.date) -> list[OpeningPeriod]:
    """The weekly periods that start on ``day``, in order (for "today's hours" on a page)."""
    return sorted((p for p in periods if p.weekday == day.weekday()), key=lambda p: p.opens)
