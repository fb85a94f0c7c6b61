"""Refresh the dashboard's summary table (MonthlyFigures) from the raw tables.

Every few minutes Celery rewrites the current and the previous month (where nearly every
new row lands: visits logged late, findings closed at the start of a month); every night
it rewrites the whole history the dashboard offers (HISTORY_MONTHS), which also takes in
rows changed after the fact (a backdated joining date, a union moved to another zone).
Source tables have no "changed at" column to find the changed months by, and a rewrite of
two months costs about as much as finding them would. docs/dashboards.md says the same.

Each figure is one grouped query over its raw table, grouped by the raw rows' own
``federation_path`` and ``zone_id`` and their month in the federation's time zone.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.gis.db.models import MultiPolygonField
from django.db import connection, transaction
from django.db.models import Count, DateField, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest, TruncMonth
from django.utils import timezone

from events.choices import Attendance
from events.grievance_metrics import SATISFIED_FROM
from events.grievance_text import HOT_WORDS_TEXTS, quarter_bounds
from events.models import Activity, Grievance, Registration
from members.choices import MemberStatus, WorkForm
from members.hardship import PAID, with_figures
from members.hardship_models import HardshipBudget, HardshipCase
from members.models import Member
from stations.choices import StationStatus
from stations.models import CheckIn, Station
from unionhub.core.api.geo import Multi, SimplifyPreserveTopology
from unionhub.core.text.hot import rank, word_counts
from zones.choices import FindingStatus
from zones.models import Finding, GrassrootsUnion, Visit, VisitPlanEntry, Zone
from zones.quarters import Quarter

from .models import BudgetFigures, HotWordFigures, MonthlyFigures, SummaryRefresh, ZoneOutline

# How far back the nightly rebuild goes, and so how far back the dashboard's date range reaches.
HISTORY_MONTHS = 36
# Refresh runs are kept this long (the page shows the latest; the rest is an audit of timings).
KEEP_REFRESH_LOG = datetime.timedelta(days=14)
# Zone outlines on the dashboard's map: about 50 m, a city's 264 zones in about 250 kB.
OUTLINE_TOLERANCE_DEGREES = 0.0005
# Hot words kept per quarter, node and zone: the panel shows 20 (of a zone's, exactly; of a
# county's, the hottest of the sums of its zones' kept words).
HOT_WORDS_KEPT = 50
HOT_WORD_MAX_LENGTH = 64  # HotWordFigures.word; a longer "word" is a run of Latin letters, not a topic
# One refresh at a time: a nightly rebuild and a five-minute run never interleave their writes.
REFRESH_LOCK = 7_202_612

# Grievances are counted by the month they were submitted in (the cohort grievance_figures counts):
# of those, how many were handled, on time, evaluated, with a satisfied worker, reopened.
GRIEVANCE_FLOWS = (
    "grievances_found",
    "grievances_handled",
    "grievances_on_time",
    "grievances_evaluated",
    "grievances_satisfied",
    "grievances_reopened",
)
# Hardship aid: cases submitted in the month; cases paid in the month and the yuan paid.
HARDSHIP_FLOWS = ("hardship_submitted", "hardship_paid_cases", "hardship_paid")
FLOWS = (
    "members_active",
    "members_new",
    "members_new_form",
    "visits",
    "plan_planned",
    "plan_visited",
    "findings_found",
    "findings_handled",
    "check_ins",
    "activities",
    "participants",
    *GRIEVANCE_FLOWS,
    *HARDSHIP_FLOWS,
)
STOCKS = ("unions", "zones", "stations", "stations_open")
LEFT = [MemberStatus.TRANSFERRED, MemberStatus.LAPSED, MemberStatus.WITHDRAWN]
HANDLED = [FindingStatus.RESOLVED, FindingStatus.CLOSED]

Key = tuple[datetime.date, str, int | None]  # month, federation path, zone id
Number = int | Decimal


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first_of_month(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def last_day(month: datetime.date) -> datetime.date:
    return add_months(month, 1) - datetime.timedelta(days=1)


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class Collected:
    """The figures found for the months being refreshed, keyed by (month, path, zone)."""

    months: list[datetime.date]
    figures: dict[Key, dict[str, Number]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, month: datetime.date, path: str, zone: int | None, name: str, value: Number) -> None:
        if value:
            row = self.figures[(month, path, zone)]
            row[name] = row.get(name, 0) + value

    @property
    def first(self) -> datetime.date:
        return self.months[0]

    @property
    def last(self) -> datetime.date:
        return self.months[-1]


def _month(expression: str) -> TruncMonth:
    """The month of a date or time column, in the federation's time zone (Django's current one)."""
    return TruncMonth(expression, output_field=DateField())


def _grouped(queryset: QuerySet, month: Any, **counts: Any) -> Iterable[dict[str, Any]]:
    for row in queryset.values("federation_path", "zone_id", m=month).annotate(**counts).order_by():
        if isinstance(row["m"], datetime.datetime):  # GREATEST() of a month and a date is a timestamp
            row["m"] = row["m"].date()
        yield row


def collect_members(found: Collected) -> None:
    """Members at each month's end, new members, and the new-employment-form members among the first.

    A member counts from their joining date until their leaving date. Members who left with
    no leaving date (old imports) are counted as new in their month but in no month's
    stock, since when they stopped being members is unknown. Joins and leaves before the
    first refreshed month fall into that month's bucket, so the running sum starts right.
    """
    end = last_day(found.last)
    known = Q(status=MemberStatus.ACTIVE) | Q(status__in=LEFT, left_on__isnull=False)
    new_form = Q(work_form=WorkForm.NEW_FORM)
    joins = _grouped(
        Member.objects.filter(joined_on__isnull=False, joined_on__lte=end).exclude(status=MemberStatus.APPLIED),
        Greatest(_month("joined_on"), Value(found.first), output_field=DateField()),
        stock=Count("id", filter=known),
        stock_new_form=Count("id", filter=known & new_form),
        new=Count("id", filter=Q(joined_on__gte=found.first)),
    )
    leaves = _grouped(
        Member.objects.filter(status__in=LEFT, joined_on__isnull=False, left_on__isnull=False, left_on__lte=end),
        Greatest(_month("left_on"), Value(found.first), output_field=DateField()),
        stock=Count("id"),
        stock_new_form=Count("id", filter=new_form),
    )
    changes: dict[tuple[str, int | None], dict[datetime.date, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for row in joins:
        found.add(row["m"], row["federation_path"], row["zone_id"], "members_new", row["new"])
        delta = changes[(row["federation_path"], row["zone_id"])][row["m"]]
        delta[0] += row["stock"]
        delta[1] += row["stock_new_form"]
    for row in leaves:
        delta = changes[(row["federation_path"], row["zone_id"])][row["m"]]
        delta[0] -= row["stock"]
        delta[1] -= row["stock_new_form"]
    for (path, zone), by_month in changes.items():
        active = new_form_active = 0
        for month in found.months:
            active += by_month[month][0]
            new_form_active += by_month[month][1]
            found.add(month, path, zone, "members_active", active)
            found.add(month, path, zone, "members_new_form", new_form_active)


def collect_dated(found: Collected) -> None:
    """Visits, findings raised and handled, check-ins, activities held and who attended them, in each month."""
    since, until = local_midnight(found.first), local_midnight(add_months(found.last, 1))
    sources = [
        ("visits", Visit.objects.filter(visited_at__gte=since, visited_at__lt=until), "visited_at"),
        ("findings_found", Finding.objects.filter(created_at__gte=since, created_at__lt=until), "created_at"),
        (
            "findings_handled",
            Finding.objects.filter(status__in=HANDLED, closed_at__gte=since, closed_at__lt=until),
            "closed_at",
        ),
        ("check_ins", CheckIn.objects.filter(checked_in_at__gte=since, checked_in_at__lt=until), "checked_in_at"),
        ("activities", Activity.objects.filter(starts_at__gte=since, starts_at__lt=until), "starts_at"),
        (
            "participants",
            Registration.objects.filter(
                attendance=Attendance.ATTENDED, activity__starts_at__gte=since, activity__starts_at__lt=until
            ),
            "activity__starts_at",
        ),
    ]
    for name, queryset, column in sources:
        for row in _grouped(queryset, _month(column), n=Count("id")):
            found.add(row["m"], row["federation_path"], row["zone_id"], name, row["n"])


def collect_grievances(found: Collected) -> None:
    """Grievances submitted in each month, and of those the handled, on time, evaluated, satisfied, reopened.

    The same figures as events.grievance_metrics.grievance_figures, which counts them over the
    grievances submitted in a period. A grievance of an earlier month handled or rated now
    changes its month's row: the nightly rebuild takes that in (docs/dashboards.md).
    """
    since, until = local_midnight(found.first), local_midnight(add_months(found.last, 1))
    rows = _grouped(
        Grievance.objects.filter(created_at__gte=since, created_at__lt=until),
        _month("created_at"),
        grievances_found=Count("id"),
        grievances_handled=Count("id", filter=Q(first_resolved_at__isnull=False)),
        grievances_on_time=Count("id", filter=Q(resolved_on_time=True)),
        grievances_evaluated=Count("id", filter=Q(rating__isnull=False)),
        grievances_satisfied=Count("id", filter=Q(rating__gte=SATISFIED_FROM)),
        grievances_reopened=Count("id", filter=Q(reopen_count__gt=0)),
    )
    for row in rows:
        for name in GRIEVANCE_FLOWS:
            found.add(row["m"], row["federation_path"], row["zone_id"], name, row[name])


def collect_hardship(found: Collected) -> None:
    """Hardship cases submitted in each month, and the cases paid in it with the amount paid."""
    since, until = local_midnight(found.first), local_midnight(add_months(found.last, 1))
    submitted = HardshipCase.objects.filter(submitted_at__gte=since, submitted_at__lt=until)
    for row in _grouped(submitted, _month("submitted_at"), n=Count("id")):
        found.add(row["m"], row["federation_path"], row["zone_id"], "hardship_submitted", row["n"])
    paid = HardshipCase.objects.filter(
        status__in=PAID, disbursed_on__gte=found.first, disbursed_on__lte=last_day(found.last)
    )
    for row in _grouped(paid, _month("disbursed_on"), n=Count("id"), amount=Sum("amount_approved")):
        found.add(row["m"], row["federation_path"], row["zone_id"], "hardship_paid_cases", row["n"])
        found.add(row["m"], row["federation_path"], row["zone_id"], "hardship_paid", row["amount"] or Decimal(0))


def write_budgets() -> int:
    """Rewrite every hardship budget's figures (amount, paid, promised): a few rows per federation."""
    rows = with_figures(HardshipBudget.objects.all()).values(
        "federation_id", "federation_path", "year", "amount", "spent", "committed"
    )
    BudgetFigures.objects.all().delete()
    created = BudgetFigures.objects.bulk_create(BudgetFigures(**row) for row in rows)
    return len(created)


def collect_plan(found: Collected) -> None:
    """Unions to visit in each month's quarter, and how many had their first visit by the month's end."""
    quarters = {str(Quarter.of(month)) for month in found.months}
    rows = (
        VisitPlanEntry.objects.filter(quarter__in=quarters)
        .values("federation_path", "zone_id", "quarter", m=_month("first_visit__visited_at"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        for month in found.months:
            if str(Quarter.of(month)) != row["quarter"]:
                continue
            found.add(month, row["federation_path"], row["zone_id"], "plan_planned", row["n"])
            if row["m"] is not None and row["m"] <= month:
                found.add(month, row["federation_path"], row["zone_id"], "plan_visited", row["n"])


def collect_stocks(found: Collected, month: datetime.date) -> None:
    """Unions, zones and stations as they stand now, recorded against the current month."""
    unions = GrassrootsUnion.objects.filter(is_holding_pool=False).values("federation_path", "zone_id")
    for row in unions.annotate(n=Count("id")).order_by():
        found.add(month, row["federation_path"], row["zone_id"], "unions", row["n"])
    for path, zone_id in Zone.objects.values_list("federation_path", "id"):
        found.add(month, path, zone_id, "zones", 1)
    stations = Station.objects.values("federation_path", "zone_id").annotate(
        n=Count("id"), open=Count("id", filter=Q(status=StationStatus.OPEN))
    )
    for row in stations.order_by():
        found.add(month, row["federation_path"], row["zone_id"], "stations", row["n"])
        found.add(month, row["federation_path"], row["zone_id"], "stations_open", row["open"])


def write_hot_words(quarters: list[Quarter]) -> int:
    """Rewrite the quarters' hot words, per federation node and zone, from their grievances' descriptions.

    jieba reads every description of the quarters (about 18,000 a second): the five-minute run
    rewrites this quarter (and the last one in its first month), the nightly run every quarter
    of the history. Like grievance_hot_words, a group reads its HOT_WORDS_TEXTS newest texts.
    """
    written = 0
    for quarter in quarters:
        start, end = quarter_bounds(quarter)
        texts: dict[tuple[str, int | None], list[str]] = defaultdict(list)
        rows = (
            Grievance.objects.filter(created_at__gte=start, created_at__lt=end)
            .order_by("-created_at", "-id")
            .values_list("federation_path", "zone_id", "description")
        )
        for path, zone_id, description in rows.iterator(chunk_size=2000):
            group = texts[(path, zone_id)]
            if len(group) < HOT_WORDS_TEXTS:
                group.append(description)
        HotWordFigures.objects.filter(quarter=str(quarter)).delete()
        kept = [
            HotWordFigures(quarter=str(quarter), federation_path=path, zone_id=zone_id, word=word, texts=count)
            for (path, zone_id), group in texts.items()
            for word, count in rank(word_counts(group), HOT_WORDS_KEPT)
            if len(word) <= HOT_WORD_MAX_LENGTH
        ]
        HotWordFigures.objects.bulk_create(kept, batch_size=2000)
        written += len(kept)
    return written


def outline_zones() -> None:
    """Rewrite every zone's map outline: its boundary simplified to about OUTLINE_TOLERANCE_DEGREES."""
    shape = MultiPolygonField(srid=4326)
    outline = Multi(SimplifyPreserveTopology("boundary", OUTLINE_TOLERANCE_DEGREES, output_field=shape))
    rows = Zone.objects.annotate(simplified=outline).values_list("id", "simplified")
    ZoneOutline.objects.all().delete()
    ZoneOutline.objects.bulk_create([ZoneOutline(zone_id=zone_id, outline=shape) for zone_id, shape in rows])


def refresh(*, full: bool = False) -> SummaryRefresh | None:
    """Rewrite the current and previous month (or every month of the history); None if a run is under way."""
    started = timezone.now()
    current = first_of_month(timezone.localdate())
    first = add_months(current, -(HISTORY_MONTHS - 1) if full else -1)
    found = Collected(month_range(first, current))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [REFRESH_LOCK])
            if not cursor.fetchone()[0]:
                return None
        collect_members(found)
        collect_dated(found)
        collect_plan(found)
        collect_grievances(found)
        collect_hardship(found)
        collect_stocks(found, current)
        written = _write(found, current)
        outline_zones()
        write_budgets()
        write_hot_words(sorted({Quarter.of(month) for month in found.months}))
        SummaryRefresh.objects.filter(finished_at__lt=started - KEEP_REFRESH_LOG).delete()
        return SummaryRefresh.objects.create(
            started_at=started, finished_at=timezone.now(), months=found.months, full=full, rows=written
        )


def _write(found: Collected, current: datetime.date) -> int:
    """Replace the refreshed months' rows; past months keep the stocks recorded while they were current."""
    past = MonthlyFigures.objects.filter(month__in=found.months).exclude(month=current)
    kept = {
        (row["month"], row["federation_path"], row["zone_id"]): {name: row[name] for name in STOCKS}
        for row in past.exclude(unions=None, zones=None, stations=None).values(
            "month", "federation_path", "zone_id", *STOCKS
        )
    }
    MonthlyFigures.objects.filter(month__in=found.months).delete()
    rows = []
    for key in found.figures.keys() | kept.keys():
        month, path, zone = key
        figures = found.figures.get(key, {})
        if month == current:
            stocks: dict[str, Number | None] = {name: figures.get(name, 0) for name in STOCKS}
        else:
            stocks = kept.get(key, dict.fromkeys(STOCKS))
        flows = {name: figures.get(name, 0) for name in FLOWS}
        rows.append(MonthlyFigures(month=month, federation_path=path, zone_id=zone, **flows, **stocks))
    MonthlyFigures.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
