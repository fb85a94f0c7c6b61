"""What a quarterly (or ad-hoc) report says: its figures snapshot and the narrative drafted from it.

The figures come from the dashboard's summary table through unionhub.reports.dashboard (the
same sums the leadership sees on /dashboard/), for the report's node of the tree rather than
a user's scope, plus a few short lists read from the raw tables to name the exceptions:
unions planned for a visit and not visited, stations whose weekly check failed, zones under
the visit target, work items done late or still open past their date, grievances not handled
by their due time, zones whose workers were seldom satisfied, a hardship budget nearly spent.
The median time to resolve a grievance cannot be added up from the summary rows, so it is
read directly from the node's grievances of the period (reports are built by Celery).

The snapshot is plain JSON (keys, numbers, names): labels are translated when it is rendered,
so that the narrative and the files can be drawn again from it (an edited narrative) and a
locked report keeps what it said.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from events.choices import GRIEVANCE_OPEN
from events.models import Grievance
from stations.choices import UpkeepItem
from stations.models import UpkeepCheck
from unionhub.core.models import Federation
from unionhub.core.text.hot import rank
from zones.choices import WorkState
from zones.models import VisitPlanEntry, WorkItem, Zone
from zones.quarters import Quarter

from . import dashboard
from .dashboard import Compare, Period, Selection
from .models import BudgetFigures, HotWordFigures, MonthlyFigures
from .summaries import add_months, first_of_month, last_day, local_midnight

# Lists in the snapshot are cut at this length (the count is kept whole): a report names names,
# it does not replace the lists on the dashboard.
LISTED = 50
# The narrative names at most this many of each kind of exception.
NAMED = 8
# The report names the node's hottest words in the quarter's grievances (from the dashboard's counts).
HOT_WORDS_NAMED = 10
# Figures compared quarter on quarter in the narrative, in this order.
COMPARED = [
    "members",
    "members_new",
    "visits",
    "findings_found",
    "findings_handled",
    "check_ins",
    "activities",
    "participants",
    "grievances_found",
    "grievances_handled",
    "hardship_paid",
]


def satisfaction_target() -> float:
    """Zones whose evaluated grievances were rated satisfied less often than this (%) are named."""
    return float(getattr(settings, "REPORT_SATISFACTION_TARGET_PERCENT", 80))


def budget_warning() -> float:
    """A hardship budget with less than this share (%) of its amount left is reported as nearly spent."""
    return float(getattr(settings, "REPORT_BUDGET_LEFT_WARNING_PERCENT", 10))


class Median(Aggregate):
    """PostgreSQL's continuous median (of intervals, here)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def visit_target() -> float:
    """The share of a quarter's planned unions a zone is expected to visit (%), from settings."""
    return float(getattr(settings, "REPORT_VISIT_TARGET_PERCENT", 80))


@dataclass(frozen=True)
class Node:
    """What a report covers: a federation node and everything under it, or one zone."""

    federation: Federation
    zone: Zone | None = None

    @classmethod
    def of_zone(cls, zone: Zone) -> Node:
        return cls(zone.federation, zone)

    @property
    def name(self) -> str:
        return self.zone.name if self.zone is not None else self.federation.name

    def rows(self, queryset: QuerySet) -> QuerySet:
        """The rows of a table with federation_path and zone_id columns that belong to the node."""
        if self.zone is not None:
            return queryset.filter(zone_id=self.zone.pk)
        return queryset.filter(federation_path__startswith=self.federation.path)


@dataclass(frozen=True)
class NodeSelection(Selection):
    """A dashboard selection over a node's summary rows instead of a user's scope (beat builds have no user)."""

    node: Node | None = None

    def scope(self) -> str:
        assert self.node is not None
        return f"node {self.node.federation.path} {self.node.zone.pk if self.node.zone else ''}"

    def figures(self) -> Any:
        assert self.node is not None
        return self.node.rows(MonthlyFigures.objects.all())

    def budgets(self) -> Any:
        assert self.node is not None
        if self.node.zone is not None:
            return BudgetFigures.objects.none()
        return BudgetFigures.objects.filter(federation_path__startswith=self.node.federation.path)


def quarter_period(quarter: Quarter) -> Period:
    return Period(quarter.first_day, first_of_month(quarter.last_day))


def collect(node: Node, period: Period) -> dict[str, Any]:
    """The figures snapshot of one report: JSON only (keys, numbers, names, ISO dates)."""
    selection = NodeSelection(user=None, period=period, compare=Compare.PREVIOUS, node=node)  # type: ignore[arg-type]
    compared = selection.compared
    assert compared is not None
    sums, budgets = dashboard.month_sums(selection), dashboard.budget_sums(selection)
    now, before = dashboard.headline(sums, period, budgets), dashboard.headline(sums, compared, budgets)
    both = Period(compared.first, period.last)
    trend = dashboard.trends(NodeSelection(user=None, period=both, node=node, compare=Compare.NONE))  # type: ignore[arg-type]
    zones = dashboard.by_zone(selection)
    since, until = local_midnight(period.first), local_midnight(add_months(period.last, 1))
    quarter = Quarter.of(period.last)
    refreshed = dashboard.last_refresh()
    return {
        "node": {"federation": node.federation.name, "zone": node.zone.name if node.zone else None},
        "period": {"first": f"{period.first:%Y-%m}", "last": f"{period.last:%Y-%m}", "quarter": str(quarter)},
        "previous": {"first": f"{compared.first:%Y-%m}", "last": f"{compared.last:%Y-%m}"},
        "now": now,
        "before": before,
        "trend": {"months": trend["months"], "series": trend["series"]},
        "zones": [
            {
                key: row[key]
                for key in (
                    "id",
                    "name",
                    "unions_to_visit",
                    "unions_visited",
                    "visited_percent",
                    "visits",
                    "members",
                    "check_ins",
                    "activities",
                    "grievances_found",
                    "grievances_handled",
                    "grievances_on_time_percent",
                    "grievances_evaluated",
                    "grievances_satisfied_percent",
                    "hardship_paid",
                )
            }
            for row in zones
        ],
        "unvisited": _unvisited(node, quarter),
        "failed_checks": _failed_checks(node, since, until),
        "under_target": _under_target(zones),
        "overdue": _overdue(node, period),
        "grievances": _grievances(node, since, until),
        "low_satisfaction": _low_satisfaction(zones),
        "hot_words": _hot_words(node, quarter),
        "budget_nearly_spent": _budget_nearly_spent(now),
        "visit_target": visit_target(),
        "satisfaction_target": satisfaction_target(),
        "budget_warning": budget_warning(),
        "figures_as_of": refreshed.isoformat() if refreshed else None,
    }


def _unvisited(node: Node, quarter: Quarter) -> dict[str, Any]:
    """Unions in the quarter's visit plan with no visit in it."""
    entries = node.rows(VisitPlanEntry.objects.filter(quarter=str(quarter), first_visit__isnull=True))
    rows = list(entries.order_by("zone__name", "union__name").values("union__name", "zone__name")[:LISTED])
    return {
        "count": entries.count(),
        "planned": node.rows(VisitPlanEntry.objects.filter(quarter=str(quarter))).count(),
        "unions": [{"name": row["union__name"], "zone": row["zone__name"]} for row in rows],
    }


def _failed_checks(node: Node, since: datetime.datetime, until: datetime.datetime) -> dict[str, Any]:
    """Stations with a failed weekly check in the period: how many checks failed, and which items."""
    checks = node.rows(UpkeepCheck.objects.filter(checked_at__gte=since, checked_at__lt=until)).exclude(failed=[])
    stations: dict[int, dict[str, Any]] = {}
    for station_id, name, zone, failed in checks.order_by("station__name", "id").values_list(
        "station_id", "station__name", "zone__name", "failed"
    ):
        entry = stations.setdefault(station_id, {"name": name, "zone": zone, "checks": 0, "items": []})
        entry["checks"] += 1
        entry["items"] = sorted(set(entry["items"]) | set(failed))
    listed = list(stations.values())
    return {"count": len(listed), "checks": sum(s["checks"] for s in listed), "stations": listed[:LISTED]}


def _under_target(zones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    target = visit_target()
    return [
        {"name": row["name"], "visited_percent": row["visited_percent"], "to_visit": row["unions_to_visit"]}
        for row in sorted(zones, key=lambda r: r["visited_percent"] if r["visited_percent"] is not None else 0)
        if row["id"] is not None and row["visited_percent"] is not None and row["visited_percent"] < target
    ]


def _overdue(node: Node, period: Period) -> dict[str, Any]:
    """Work items due in the period (up to today) that were not done by their date: done late, or still open."""
    end = min(last_day(period.last), timezone.localdate())
    due = node.rows(WorkItem.objects.filter(due_on__gte=period.first, due_on__lte=end))
    late = due.annotate(closed_on=TruncDate("closed_at")).filter(
        ~Q(state=WorkState.DONE) | Q(closed_on__isnull=True) | Q(closed_on__gt=F("due_on"))
    )
    by_kind = dict(late.values("kind").annotate(n=Count("id")).order_by().values_list("kind", "n"))
    return {"due": due.count(), "count": sum(by_kind.values()), "by_kind": by_kind}


def _grievances(node: Node, since: datetime.datetime, until: datetime.datetime) -> dict[str, Any]:
    """Of the node's grievances found in the period: the median days to first resolution, and the overdue.

    Overdue: handled after their due time, or still being handled past it when the report is built.
    """
    rows = node.rows(Grievance.objects.filter(created_at__gte=since, created_at__lt=until))
    to_resolve = ExpressionWrapper(F("first_resolved_at") - F("created_at"), output_field=DurationField())
    median = rows.aggregate(median=Median(to_resolve))["median"]
    overdue = rows.filter(
        Q(resolved_on_time=False)
        | Q(first_resolved_at__isnull=True, status__in=GRIEVANCE_OPEN, due_at__lt=timezone.now())
    )
    by_zone = overdue.values("zone__name").annotate(n=Count("id")).order_by("-n", "zone__name")
    return {
        "median_days": dashboard.days(median),
        "overdue": {
            "count": overdue.count(),
            "late": overdue.filter(resolved_on_time=False).count(),
            "zones": [{"name": row["zone__name"], "count": row["n"]} for row in by_zone[:LISTED]],
        },
    }


def _hot_words(node: Node, quarter: Quarter) -> list[dict[str, Any]]:
    """The quarter's hottest words in the node's grievances, with the grievances mentioning each (no text)."""
    rows = node.rows(HotWordFigures.objects.filter(quarter=str(quarter)))
    counts = dict(rows.values("word").annotate(n=Sum("texts")).order_by().values_list("word", "n"))
    return [{"word": word, "count": count} for word, count in rank(counts, HOT_WORDS_NAMED)]


def _low_satisfaction(zones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    target = satisfaction_target()
    return [
        {"name": row["name"], "satisfied_percent": row["grievances_satisfied_percent"],
         "evaluated": row["grievances_evaluated"]}
        for row in sorted(zones, key=lambda r: r["grievances_satisfied_percent"] or 0)
        if row["id"] is not None and row["grievances_satisfied_percent"] is not None
        and row["grievances_satisfied_percent"] < target
    ]  # fmt: skip


def _budget_nearly_spent(now: dict[str, Any]) -> bool:
    amount, remaining = now.get("hardship_budget"), now.get("hardship_remaining")
    if not amount or remaining is None:
        return False
    return 100 * remaining / amount < budget_warning()


# --- the narrative -------------------------------------------------------------------------------


def report_language() -> str:
    """Reports are written in the federation's language (zh-hans unless settings say otherwise)."""
    return getattr(settings, "REPORT_LANGUAGE", "zh-hans")


def _labels() -> dict[str, str]:
    return {key: str(label) for key, label in dashboard.CARDS}


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))


def _change(now: Any, before: Any) -> str:
    """ "up 12 (8.5%)", "down 3", "unchanged" (translated)."""
    if now is None or before is None:
        return _("no comparison")
    difference = now - before
    if difference == 0:
        return _("unchanged")
    ratio = f" ({abs(difference) / before * 100:.1f}%)" if before else ""
    if difference > 0:
        return _("up {amount}{ratio}").format(amount=_number(difference), ratio=ratio)
    return _("down {amount}{ratio}").format(amount=_number(-difference), ratio=ratio)


def _names(items: list[str], total: int) -> str:
    shown = pgettext("list separator", ", ").join(items[:NAMED])
    if total > min(len(items), NAMED):
        shown += _(" and {count} more").format(count=total - min(len(items), NAMED))
    return shown


def _grievance_paragraph(figures: dict[str, Any]) -> str:
    now = figures["now"]
    text = _(
        "{found} grievances were found; {handled} were handled, {on_time} of them on time ({on_time_percent}%); "
        "{evaluated} were evaluated and {satisfied} of those workers were satisfied ({satisfied_percent}%); "
        "{reopened} were reopened."
    ).format(
        found=_number(now["grievances_found"]),
        handled=_number(now["grievances_handled"]),
        on_time=_number(now["grievances_on_time"]),
        on_time_percent=_number(now["grievances_on_time_percent"]),
        evaluated=_number(now["grievances_evaluated"]),
        satisfied=_number(now["grievances_satisfied"]),
        satisfied_percent=_number(now["grievances_satisfied_percent"]),
        reopened=_number(now["grievances_reopened"]),
    )
    median = (figures.get("grievances") or {}).get("median_days")
    if median is not None:
        text += " " + _("Half were first resolved within {days} days.").format(days=_number(median))
    hot = figures.get("hot_words")  # a report built before hot words were counted has none
    if hot:
        words = [_("{word} ({count})").format(word=row["word"], count=row["count"]) for row in hot]
        text += " " + _("The words they mentioned most: {words}.").format(
            words=pgettext("list separator", ", ").join(words)
        )
    text += " " + _("Hardship aid paid: {paid} yuan to {cases} cases.").format(
        paid=_number(now["hardship_paid"]), cases=_number(now["hardship_paid_cases"])
    )
    if now.get("hardship_budget") is not None:
        text += " " + _(
            "Of this year's budget of {amount} yuan, {spent} yuan are paid and {remaining} yuan are left."
        ).format(
            amount=_number(now["hardship_budget"]),
            spent=_number(now["hardship_spent"]),
            remaining=_number(now["hardship_remaining"]),
        )
    return text


def draft_narrative(figures: dict[str, Any], language: str | None = None) -> str:
    """The narrative drafted from a snapshot, one paragraph per line, in the report's language."""
    with translation.override(language or report_language()):
        return "\n".join(_paragraphs(figures))


def _paragraphs(figures: dict[str, Any]) -> list[str]:
    now, before, labels = figures["now"], figures["before"], _labels()
    period = figures["period"]
    scope = figures["node"]["zone"] or figures["node"]["federation"]
    span = period["first"] if period["first"] == period["last"] else f"{period['first']} – {period['last']}"
    previous = figures["previous"]
    previous_span = f"{previous['first']} – {previous['last']}"
    lines = [
        _(
            "From {period}, {scope} counted {members} members, {new} of them new; {unions} grassroots unions; "
            "{visited} of the {planned} unions planned for a visit this quarter were visited ({percent}%)."
        ).format(
            period=span,
            scope=scope,
            members=_number(now["members"]),
            new=_number(now["members_new"]),
            unions=_number(now["unions"]),
            visited=_number(now["unions_visited"]),
            planned=_number(now["unions_to_visit"]),
            percent=_number(now["visited_percent"]),
        )
    ]
    changes = [
        _("{label} {value}, {change}").format(
            label=labels[key], value=_number(now[key]), change=_change(now[key], before.get(key))
        )
        for key in COMPARED
        if key in now  # a report built before a figure existed keeps what it said
    ]
    lines.append(
        _("Compared with {previous}: {changes}.").format(
            previous=previous_span, changes=pgettext("list separator", "; ").join(changes)
        )
    )
    if "grievances_found" in now:
        lines.append(_grievance_paragraph(figures))
    exceptions = []
    unvisited = figures["unvisited"]
    if unvisited["count"]:
        names = [f"{u['name']}（{u['zone']}）" if u["zone"] else u["name"] for u in unvisited["unions"]]
        exceptions.append(
            _("{count} of the unions planned for a visit were not visited: {names}.").format(
                count=unvisited["count"], names=_names(names, unvisited["count"])
            )
        )
    failed = figures["failed_checks"]
    if failed["count"]:
        item_labels = dict(UpkeepItem.choices)
        names = [
            _("{station} ({items})").format(
                station=s["name"],
                items=pgettext("list separator", ", ").join(str(item_labels.get(i, i)) for i in s["items"]),
            )
            for s in failed["stations"]
        ]
        exceptions.append(
            _("{count} stations failed a weekly check ({checks} checks): {names}.").format(
                count=failed["count"], checks=failed["checks"], names=_names(names, failed["count"])
            )
        )
    under = figures["under_target"]
    if under:
        names = [f"{z['name']} {_number(z['visited_percent'])}%" for z in under]
        exceptions.append(
            _("{count} zones are under the visit target of {target}%: {names}.").format(
                count=len(under), target=_number(figures["visit_target"]), names=_names(names, len(under))
            )
        )
    grievances = figures.get("grievances")
    if grievances and grievances["overdue"]["count"]:
        overdue_grievances = grievances["overdue"]
        names = [f"{z['name']} {z['count']}" for z in overdue_grievances["zones"] if z["name"]]
        said = _(
            "{count} grievances found in the period were not handled by their due time ({late} handled late)."
        ).format(count=overdue_grievances["count"], late=overdue_grievances["late"])
        if names:
            said += " " + _("Overdue grievances by zone: {zones}.").format(zones=_names(names, len(names)))
        exceptions.append(said)
    low = figures.get("low_satisfaction") or []
    if low:
        names = [f"{z['name']} {_number(z['satisfied_percent'])}%" for z in low]
        exceptions.append(
            # xgettext:no-python-format ("% of" is not a placeholder; the string is formatted with .format)
            _("In {count} zones fewer than {target}% of the workers who rated their grievance were satisfied: "
              "{names}.").format(
                count=len(low), target=_number(figures["satisfaction_target"]), names=_names(names, len(low))
            )
        )  # fmt: skip
    if figures.get("budget_nearly_spent"):
        exceptions.append(
            _("The hardship aid budget for {year} is nearly spent: {remaining} of {amount} yuan are left.").format(
                year=period["last"][:4],
                remaining=_number(now["hardship_remaining"]),
                amount=_number(now["hardship_budget"]),
            )
        )
    overdue = figures["overdue"]
    if overdue["count"]:
        exceptions.append(
            _("{count} of the {due} work items due in the period were not done by their date.").format(
                count=overdue["count"], due=overdue["due"]
            )
        )
    if exceptions:
        lines.append(_("Exceptions:") + " " + " ".join(exceptions))
    else:
        lines.append(
            _(
                "No exceptions: every planned union was visited, no station failed a check, no work is late, "
                "no grievance is overdue."
            )
        )
    return lines
