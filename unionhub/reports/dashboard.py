"""What the leadership dashboard shows, read from the summary table and scoped by restrict().

Pages (views.py), the JSON API (api/views.py) and the xlsx exports all take their figures
from here, so a number is worked out in one place. Every read adds up MonthlyFigures rows
(a few per zone and month) with one grouped query, whatever the number of zones; none
groups a raw table. Call these inside ``reading_from_replica()``.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from events.grievance_metrics import SATISFIED_FROM, grievance_figures
from events.models import Grievance
from members.hardship import PAID
from members.hardship_models import HardshipCase
from stations.models import HeatCell
from unionhub.core.choices import Action, NodeKind
from unionhub.core.models import Federation, User
from unionhub.core.scoping import get_scoped_or_404, grants_for, scope_key
from unionhub.core.text.hot import rank
from zones.choices import FindingStatus
from zones.models import Finding, GrassrootsUnion, UnionIndicator, Visit, VisitPlanEntry, Zone
from zones.quarters import Quarter

from .models import BudgetFigures, HotWordFigures, MonthlyFigures, SummaryRefresh
from .summaries import (
    FLOWS,
    HISTORY_MONTHS,
    STOCKS,
    add_months,
    first_of_month,
    last_day,
    local_midnight,
    month_range,
)

Sums = dict[str, int | None]
T = TypeVar("T")
# A union's page lists its latest visits in the period, at most this many.
UNION_VISITS_SHOWN = 20


class Compare:
    """What the period is compared with."""

    PREVIOUS = "previous"
    YEAR = "year"
    NONE = "none"
    choices = [
        (PREVIOUS, _("the period just before")),
        (YEAR, _("the same months a year earlier")),
        (NONE, _("nothing")),
    ]


@dataclass(frozen=True)
class Period:
    """Whole months, from ``first`` to ``last`` (both first days of their month)."""

    first: datetime.date
    last: datetime.date

    @classmethod
    def default(cls) -> Period:
        """This quarter so far."""
        today = first_of_month(timezone.localdate())
        return cls(today.replace(month=(today.month - 1) // 3 * 3 + 1), today)

    @property
    def months(self) -> list[datetime.date]:
        return month_range(self.first, self.last)

    def compared(self, compare: str) -> Period | None:
        if compare == Compare.YEAR:
            return Period(add_months(self.first, -12), add_months(self.last, -12))
        if compare == Compare.PREVIOUS:
            length = len(self.months)
            return Period(add_months(self.first, -length), add_months(self.last, -length))
        return None

    def __str__(self) -> str:
        if self.first == self.last:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m} – {self.last:%Y-%m}"


def earliest_month() -> datetime.date:
    """The first month the dashboard offers: the history the nightly rebuild keeps."""
    return add_months(first_of_month(timezone.localdate()), -(HISTORY_MONTHS - 1))


@dataclass(frozen=True)
class Selection:
    """Whose figures, over which months, compared with what, and optionally one zone."""

    user: User
    period: Period
    compare: str = Compare.PREVIOUS
    zone_id: int | None = None
    # Figures read once per selection: the page's cards and its trends add up the same months.
    read: dict[str, Any] = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

    @property
    def compared(self) -> Period | None:
        return self.period.compared(self.compare)

    def figures(self) -> Any:
        rows = MonthlyFigures.objects.restrict(self.user, Action.VIEW)
        return rows.filter(zone_id=self.zone_id) if self.zone_id is not None else rows

    def all_months(self) -> list[datetime.date]:
        return self.period.months + (self.compared.months if self.compared else [])

    def hot_words(self) -> Any:
        rows = HotWordFigures.objects.restrict(self.user, Action.VIEW)
        return rows.filter(zone_id=self.zone_id) if self.zone_id is not None else rows

    @property
    def refresh(self) -> tuple[int, datetime.datetime] | None:
        """The latest summary refresh (id and finish), read once per selection."""
        if "refresh" not in self.read:
            latest = SummaryRefresh.objects.order_by("-finished_at").values_list("pk", "finished_at").first()
            self.read["refresh"] = latest
        return self.read["refresh"]

    def scope(self) -> str:
        """What decides the rows ``figures``, ``hot_words`` and ``budgets`` read, besides the selection's fields."""
        return scope_key(self.user)

    def cache_key(self, name: str, *more: Any) -> str | None:
        """The cache key of one thing worked out for this selection; None before any refresh."""
        if self.refresh is None:
            return None
        parts = (
            name, *more, self.refresh, settings.DATABASES["default"]["NAME"], get_language(),
            self.scope(), self.period, self.compare, self.zone_id,
        )  # fmt: skip
        return "dashboard:" + hashlib.sha256(repr(parts).encode()).hexdigest()

    def remember(self, name: str, compute: Callable[[], T], *more: Any) -> T:
        """``compute()``, from the cache when this selection's scope worked it out since the last refresh.

        What a selection works out from the summary tables changes only when a refresh commits
        (every five minutes, docs/dashboards.md), so it is kept under that refresh, the scope,
        the period and the language, for all who share them: a city's by-zone table (264 zones)
        cost its page most of its 75 ms (bench/mix.py). A newer refresh means new keys; entries
        expire after settings.DASHBOARD_CACHE_SECONDS (0: nothing is kept).
        """
        key = self.cache_key(name, *more)
        if key is None or settings.DASHBOARD_CACHE_SECONDS <= 0:
            return compute()
        found = cache.get(key)
        if found is None:
            found = compute()
            cache.set(key, found, settings.DASHBOARD_CACHE_SECONDS)
        return found

    def budgets(self) -> Any:
        """The hardship budget figures the user sees; none for one zone (budgets are a federation's)."""
        if self.zone_id is not None:
            return BudgetFigures.objects.none()
        return BudgetFigures.objects.restrict(self.user, Action.VIEW)


# --- the headline figures ----------------------------------------------------------------------

# (key, label, kind): "stock" is read at the period's end, "flow" is added up over it.
CARDS: list[tuple[str, Any]] = [
    ("members", _("Members")),
    ("members_new", _("New members")),
    ("new_form_percent", _("New employment form (%)")),
    ("unions", _("Grassroots unions")),
    ("zones", _("Zones")),
    ("visited_percent", _("Unions visited this quarter (%)")),
    ("visits", _("Visits")),
    ("findings_found", _("Findings raised")),
    ("findings_handled", _("Findings handled")),
    ("stations", _("Stations")),
    ("check_ins", _("Station check-ins")),
    ("activities", _("Activities")),
    ("participants", _("Participants")),
    ("grievances_found", _("Grievances found")),
    ("grievances_handled", _("Grievances handled")),
    ("grievances_on_time", _("Grievances handled on time")),
    ("grievances_evaluated", _("Grievances evaluated")),
    ("grievances_satisfied", _("Grievances with a satisfied worker")),
    ("grievances_reopened", _("Grievances reopened")),
    ("hardship_paid", _("Hardship aid paid (yuan)")),
    ("hardship_paid_cases", _("Hardship cases paid")),
    ("hardship_submitted", _("Hardship cases submitted")),
    ("hardship_budget", _("Hardship budget for the year (yuan)")),
    ("hardship_spent", _("Spent from the year's budget (yuan)")),
    ("hardship_remaining", _("Left in the year's budget (yuan)")),
]


def remembered(compute: Callable[[Selection], T]) -> Callable[[Selection], T]:
    """A function of a selection, kept per refresh (``Selection.remember``)."""

    @wraps(compute)
    def wrapped(selection: Selection) -> T:
        return selection.remember(compute.__name__, lambda: compute(selection))

    return wrapped


def percent(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def month_sums(selection: Selection) -> dict[datetime.date, Sums]:
    """Each month's figures over the user's scope: one grouped query over the summary table, once per selection."""
    if "month_sums" not in selection.read:
        selection.read["month_sums"] = _month_sums(selection)
    return selection.read["month_sums"]


@remembered
def _month_sums(selection: Selection) -> dict[datetime.date, Sums]:
    rows = (
        selection.figures()
        .filter(month__in=selection.all_months())
        .values("month")
        .annotate(**{name: Sum(name) for name in (*FLOWS, *STOCKS)})
        .order_by()
    )
    return {row.pop("month"): row for row in rows}


Budgets = dict[int, dict[str, float]]


@remembered
def budget_sums(selection: Selection) -> Budgets:
    """Each year's hardship budget over the selection: amount, spent and remaining, in yuan.

    Budgets nest (a city's covers its counties' cases too), so only the outermost budgets the
    selection sees are added up: each covers its whole subtree, and they cover disjoint ones.
    """
    years = sorted({month.year for month in selection.all_months()})
    rows = list(
        selection.budgets().filter(year__in=years).values("year", "federation_path", "amount", "spent", "committed")
    )
    found: Budgets = {}
    for row in rows:
        path = row["federation_path"]
        if any(
            other["year"] == row["year"]
            and other["federation_path"] != path
            and path.startswith(other["federation_path"])
            for other in rows
        ):
            continue  # inside a budget already counted
        year = found.setdefault(row["year"], {"amount": 0.0, "spent": 0.0, "remaining": 0.0})
        year["amount"] += float(row["amount"])
        year["spent"] += float(row["spent"])
        year["remaining"] += float(row["amount"] - row["spent"] - row["committed"])
    return {year: {key: round(value, 2) for key, value in figures.items()} for year, figures in found.items()}


def headline(sums: dict[datetime.date, Sums], period: Period, budgets: Budgets | None = None) -> dict[str, Any]:
    """The cards' figures for one period: stocks at its last month, flows added up over its months.

    The hardship budget is the one of the year of the period's last month (None without one).
    """
    end = sums.get(period.last, {})
    budget = (budgets or {}).get(period.last.year)
    months = [sums.get(month, {}) for month in period.months]  # once: a city's zone table calls this 264 times

    def total(name: str) -> Any:
        return sum(figures.get(name) or 0 for figures in months)

    return {
        "members": end.get("members_active") or 0,
        "members_new": total("members_new"),
        "new_form_percent": percent(end.get("members_new_form"), end.get("members_active")),
        "unions": end.get("unions"),
        "zones": end.get("zones"),
        "unions_to_visit": end.get("plan_planned") or 0,
        "unions_visited": end.get("plan_visited") or 0,
        "visited_percent": percent(end.get("plan_visited"), end.get("plan_planned")),
        "visits": total("visits"),
        "findings_found": total("findings_found"),
        "findings_handled": total("findings_handled"),
        "stations": end.get("stations"),
        "stations_open": end.get("stations_open"),
        "check_ins": total("check_ins"),
        "activities": total("activities"),
        "participants": total("participants"),
        "grievances_found": total("grievances_found"),
        "grievances_handled": total("grievances_handled"),
        "grievances_on_time": total("grievances_on_time"),
        "grievances_on_time_percent": percent(total("grievances_on_time"), total("grievances_handled")),
        "grievances_evaluated": total("grievances_evaluated"),
        "grievances_satisfied": total("grievances_satisfied"),
        "grievances_satisfied_percent": percent(total("grievances_satisfied"), total("grievances_evaluated")),
        "grievances_reopened": total("grievances_reopened"),
        "hardship_submitted": total("hardship_submitted"),
        "hardship_paid_cases": total("hardship_paid_cases"),
        "hardship_paid": round(float(total("hardship_paid")), 2),
        "hardship_budget": budget["amount"] if budget else None,
        "hardship_spent": budget["spent"] if budget else None,
        "hardship_remaining": budget["remaining"] if budget else None,
    }


def cards(selection: Selection, sums: dict[datetime.date, Sums], budgets: Budgets) -> list[dict[str, Any]]:
    """The KPI cards: each figure, its value in the compared period, and the change."""
    now = headline(sums, selection.period, budgets)
    before = headline(sums, selection.compared, budgets) if selection.compared else {}
    shown = []
    for key, label in CARDS:
        value, earlier = now[key], before.get(key)
        change = None if value is None or earlier is None else round(value - earlier, 1)
        shown.append({"key": key, "label": str(label), "value": value, "compared": earlier, "change": change})
    return shown


def last_refresh() -> datetime.datetime | None:
    return SummaryRefresh.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()


def summary(selection: Selection) -> dict[str, Any]:
    sums = month_sums(selection)
    return {
        "period": period_json(selection),
        "cards": cards(selection, sums, budget_sums(selection)),
        "refreshed_at": selection.refresh[1] if selection.refresh else None,
    }


def period_json(selection: Selection) -> dict[str, Any]:
    compared = selection.compared
    return {
        "first": f"{selection.period.first:%Y-%m}",
        "last": f"{selection.period.last:%Y-%m}",
        "compare": selection.compare,
        "compared_first": f"{compared.first:%Y-%m}" if compared else None,
        "compared_last": f"{compared.last:%Y-%m}" if compared else None,
    }


# --- trends ------------------------------------------------------------------------------------

TREND_SERIES: list[tuple[str, Any]] = [
    ("members", _("Members")),
    ("members_new", _("New members")),
    ("visits", _("Visits")),
    ("visited_percent", _("Unions visited this quarter (%)")),
    ("findings_found", _("Findings raised")),
    ("findings_handled", _("Findings handled")),
    ("check_ins", _("Station check-ins")),
    ("activities", _("Activities")),
    ("participants", _("Participants")),
    ("grievances_found", _("Grievances found")),
    ("grievances_handled", _("Grievances handled")),
    ("grievances_satisfied_percent", _("Satisfied with the handling (%)")),
    ("hardship_paid", _("Hardship aid paid (yuan)")),
]


def trends(selection: Selection) -> dict[str, Any]:
    """One value per month for each series, and the compared period's values month by month."""
    sums = month_sums(selection)

    def series(period: Period) -> dict[str, list[Any]]:
        values = [headline(sums, Period(month, month)) for month in period.months]
        return {key: [value[key] for value in values] for key, _label in TREND_SERIES}

    compared = selection.compared
    return {
        "period": period_json(selection),
        "months": [f"{month:%Y-%m}" for month in selection.period.months],
        "labels": {key: str(label) for key, label in TREND_SERIES},
        "series": series(selection.period),
        "compared": series(compared) if compared else None,
    }


# --- by zone -------------------------------------------------------------------------------------

ZONE_COLUMNS: list[tuple[str, Any]] = [
    ("members", _("Members")),
    ("members_new", _("New members")),
    ("new_form_percent", _("New employment form (%)")),
    ("unions", _("Unions")),
    ("unions_to_visit", _("To visit this quarter")),
    ("unions_visited", _("Visited")),
    ("visited_percent", _("Visited (%)")),
    ("visits", _("Visits")),
    ("findings_found", _("Findings raised")),
    ("findings_handled", _("Findings handled")),
    ("stations", _("Stations")),
    ("check_ins", _("Check-ins")),
    ("activities", _("Activities")),
    ("participants", _("Participants")),
    ("grievances_found", _("Grievances found")),
    ("grievances_handled", _("Grievances handled")),
    ("grievances_on_time_percent", _("Handled on time (%)")),
    ("grievances_evaluated", _("Grievances evaluated")),
    ("grievances_satisfied_percent", _("Satisfied (%)")),
    ("grievances_reopened", _("Grievances reopened")),
    ("hardship_paid_cases", _("Hardship cases paid")),
    ("hardship_paid", _("Hardship aid paid (yuan)")),
]


@remembered
def by_zone(selection: Selection) -> list[dict[str, Any]]:
    """One row per zone in the user's scope (and one for rows in no zone), over the period."""
    rows = (
        selection.figures()
        .filter(month__in=selection.period.months)
        .values("zone_id", "month")
        .annotate(**{name: Sum(name) for name in (*FLOWS, *STOCKS)})
        .order_by()
    )
    per_zone: dict[int | None, dict[datetime.date, Sums]] = defaultdict(dict)
    for row in rows:
        per_zone[row.pop("zone_id")][row.pop("month")] = row
    names = dict(Zone.objects.filter(id__in=[z for z in per_zone if z is not None]).values_list("id", "name"))
    table = []
    for zone_id, sums in per_zone.items():
        figures = headline(sums, selection.period)
        name = names.get(zone_id, "") if zone_id is not None else str(_("Not in a zone"))
        table.append({"id": zone_id, "name": name, **{key: figures[key] for key, _label in ZONE_COLUMNS}})
    table.sort(key=lambda row: (row["id"] is None, row["name"]))
    return table


# --- hot words ---------------------------------------------------------------------------------

HOT_WORDS_SHOWN = 20
HOT_WORD_COLUMNS: list[tuple[str, Any]] = [
    ("word", _("Word")),
    ("count", _("Grievances mentioning it")),
    ("compared", _("In the compared quarter")),
    ("change", _("Change")),
]


def hot_word_quarters(selection: Selection) -> tuple[Quarter, Quarter | None]:
    """The quarter of the period's last month, and the quarter it is compared with (or None)."""
    quarter = Quarter.of(selection.period.last)
    if selection.compare == Compare.YEAR:
        return quarter, Quarter(quarter.year - 1, quarter.number)
    if selection.compare == Compare.PREVIOUS:
        return quarter, quarter.previous()
    return quarter, None


def _word_sums(selection: Selection, quarter: Quarter, words: list[str] | None = None) -> dict[str, int]:
    rows = selection.hot_words().filter(quarter=str(quarter))
    if words is not None:
        rows = rows.filter(word__in=words)
    return dict(rows.values("word").annotate(n=Sum("texts")).order_by().values_list("word", "n"))


@remembered
def hot_words(selection: Selection) -> dict[str, Any]:
    """The quarter's hottest words in the grievances the user sees (one zone's when drilled down).

    Read from HotWordFigures (the summary refresh counts them): each word with the number of
    grievances mentioning it, the number in the compared quarter and the change. Over several
    zones the counts are the sums of each zone's kept words (HOT_WORDS_KEPT per zone).
    """
    quarter, compared = hot_word_quarters(selection)
    top = rank(_word_sums(selection, quarter), HOT_WORDS_SHOWN)
    before = _word_sums(selection, compared, [word for word, _count in top]) if compared and top else {}
    words = [
        {
            "word": word,
            "count": count,
            "compared": before.get(word, 0) if compared else None,
            "change": count - before.get(word, 0) if compared else None,
        }
        for word, count in top
    ]
    return {"quarter": str(quarter), "compared_quarter": str(compared) if compared else None, "words": words}


# --- the heat layer ------------------------------------------------------------------------------


def heat_nodes(user: User) -> list[int]:
    """The federation nodes whose heat map (stations.heat) the dashboard's map offers: the user's outermost.

    From the user's grants, without a query (a superuser, who has none, gets the roots). Each
    node's cells are read from the scoped heat-map API, so a node out of scope yields nothing.
    """
    if user.is_superuser:
        return list(Federation.objects.filter(depth=0).order_by("id").values_list("id", flat=True))
    paths = sorted(
        {
            grant.value
            for grant in grants_for(user)
            if grant.kind == NodeKind.FEDERATION and Action.VIEW in HeatCell.scope_spec.actions_for(grant.role)
        },
        key=len,
    )
    outermost: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in outermost):
            outermost.append(path)
    return [int(path.strip("/").split("/")[-1]) for path in outermost]


# --- drill-down ----------------------------------------------------------------------------------

UNION_COLUMNS: list[tuple[str, Any]] = [
    ("name", _("Union")),
    ("member_count", _("Members")),
    ("anomaly_index", _("Anomaly index")),
    ("days_since_visit", _("Days since the last visit")),
    ("open_findings", _("Open findings")),
    ("new_members_90d", _("New members in 90 days")),
]


def zone_unions(user: User, zone_id: int) -> list[dict[str, Any]]:
    """The zone's unions in the user's scope with their anomaly indices, the most anomalous first.

    Unions whose indicators the nightly job has not computed yet are listed last, without figures.
    """
    rows = (
        GrassrootsUnion.objects.restrict(user, Action.VIEW)
        .filter(zone_id=zone_id, is_holding_pool=False)
        .order_by(F("indicator__anomaly_index").desc(nulls_last=True), "name", "id")
        .values(
            "id",
            "name",
            "member_count",
            anomaly_index=F("indicator__anomaly_index"),
            days_since_visit=F("indicator__days_since_visit"),
            open_findings=F("indicator__open_findings"),
            new_members_90d=F("indicator__new_members_90d"),
            computed_at=F("indicator__computed_at"),
        )
    )
    return list(rows)


def zone_in_scope(user: User, zone_id: int) -> Zone | None:
    """The zone, when the user sees some of its figures; None otherwise (the caller answers 404)."""
    if not MonthlyFigures.objects.restrict(user, Action.VIEW).filter(zone_id=zone_id).exists():
        return None
    return Zone.objects.defer("boundary").filter(pk=zone_id).first()


def days(duration: datetime.timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 86400, 1)


def _span(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    return local_midnight(period.first), local_midnight(add_months(period.last, 1))


def zone_grievance_median(selection: Selection) -> float | None:
    """Median days from submission to first resolution of the zone's grievances found in the period.

    A median cannot be added up from monthly rows, so it is read directly: one zone's grievances
    of the period, through their (zone, created_at) index, scoped by restrict().
    """
    assert selection.zone_id is not None
    since, until = _span(selection.period)
    found = grievance_figures(since, until, user=selection.user, zone_ids=[selection.zone_id])
    row = found.get(selection.zone_id)
    return days(row.median_to_resolve) if row else None


UNION_GRIEVANCES = ["found", "handled", "handled_on_time", "evaluated", "satisfied", "reopened"]


def union_grievances(user: User, union_id: int, period: Period) -> dict[str, Any]:
    """The figures of the grievances about one union found in the period (read directly: one union's rows)."""
    since, until = _span(period)
    rows = Grievance.objects.restrict(user, Action.VIEW).filter(
        union_id=union_id, created_at__gte=since, created_at__lt=until
    )
    figures = rows.aggregate(
        found=Count("id"),
        handled=Count("id", filter=Q(first_resolved_at__isnull=False)),
        handled_on_time=Count("id", filter=Q(resolved_on_time=True)),
        evaluated=Count("id", filter=Q(rating__isnull=False)),
        satisfied=Count("id", filter=Q(rating__gte=SATISFIED_FROM)),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
    )
    return figures


def union_hardship(user: User, union_id: int, period: Period) -> dict[str, Any]:
    """The union's members' hardship cases paid in the period: how many, and the yuan paid."""
    paid = HardshipCase.objects.restrict(user, Action.VIEW).filter(
        union_id=union_id, status__in=PAID, disbursed_on__gte=period.first, disbursed_on__lte=last_day(period.last)
    )
    figures = paid.aggregate(cases=Count("id"), paid=Sum("amount_approved"))
    return {"cases": figures["cases"], "paid": float(figures["paid"] or 0)}


def union_detail(selection: Selection, union_id: int) -> dict[str, Any]:
    """One union in the user's scope: its indicators, its visits in the period, its findings, its plan.

    Each read is of one union's rows through an index on the union; 404 when out of scope.
    """
    user, period = selection.user, selection.period
    union = get_scoped_or_404(
        GrassrootsUnion.objects.select_related("zone").defer("zone__boundary", "location"),
        user,
        Action.VIEW,
        pk=union_id,
    )
    indicator = UnionIndicator.objects.restrict(user, Action.VIEW).filter(union_id=union.pk).first()
    since = local_midnight(period.first)
    until = local_midnight(add_months(period.last, 1))
    visits = list(
        Visit.objects.restrict(user, Action.VIEW)
        .filter(union_id=union.pk, visited_at__gte=since, visited_at__lt=until)
        .order_by("-visited_at")
        .values("id", "visited_at", "duties", "review")[:UNION_VISITS_SHOWN]
    )
    findings = dict(
        Finding.objects.restrict(user, Action.VIEW)
        .filter(union_id=union.pk)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    quarter = str(Quarter.of(period.last))
    entry = (
        VisitPlanEntry.objects.restrict(user, Action.VIEW)
        .filter(union_id=union.pk, quarter=quarter)
        .values("first_visit_id")
        .first()
    )
    return {
        "id": union.pk,
        "name": union.name,
        "zone": {"id": union.zone_id, "name": union.zone.name} if union.zone_id else None,
        "member_count": union.member_count,
        "chair_name": union.chair_name,
        "address": union.address,
        "indicator": None
        if indicator is None
        else {
            "anomaly_index": indicator.anomaly_index,
            "days_since_visit": indicator.days_since_visit,
            "open_findings": indicator.open_findings,
            "new_members_90d": indicator.new_members_90d,
            "cadres_trained_12m": indicator.cadres_trained_12m,
            "computed_at": indicator.computed_at,
        },
        "quarter": quarter,
        "planned_this_quarter": entry is not None,
        "visited_this_quarter": bool(entry and entry["first_visit_id"]),
        "visits": visits,
        "findings": {status: findings.get(status, 0) for status in FindingStatus.values},
        "grievances": union_grievances(user, union.pk, period),
        "hardship": union_hardship(user, union.pk, period),
    }
