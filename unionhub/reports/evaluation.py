"""Zone evaluation (片区考评): each zone of a federation scored each quarter on 依法 / 履职 / 创优.

Every indicator is a number from 0 to 100 worked out from the data:

| dimension | indicator | from |
|---|---|---|
| 依法 lawful operation | ``visit_coverage`` | unions visited / unions in the quarter's plan (%) |
| | ``upkeep_passed`` | stations' weekly checks passed / checks recorded (%) |
| 履职 duty performance | ``findings_handled`` | findings handled / raised in the quarter (%, capped at 100) |
| | ``work_on_time`` | work items due in the quarter done by their date (%) |
| | ``visits_per_union`` | visits per union, the best zone = 100 |
| | ``grievances_on_time`` | grievances found in the quarter handled by their due time / handled (%) |
| 创优 excellence | ``activities_per_union`` | activities per union, the best zone = 100 |
| | ``participation`` | participants per member, the best zone = 100 |
| | ``member_growth`` | new members per member, the best zone = 100 |
| | ``grievance_satisfaction`` | grievances rated satisfied (4 or 5) / evaluated (%) |

A dimension's score is the weighted mean of its indicators that have data (an indicator
without data, such as no findings raised, is left out and the others' weights count for
it); the total is the weighted mean of the three dimensions. Weights are whole numbers
in the federation's EvaluationScheme (the nearest ancestor's, else DEFAULT_WEIGHTS),
editable by federation staff. Zones are ranked by total; the workers of the best
``bonus_zones`` zones make the bonus list (优绩优酬, ``bonus_amount`` yuan each).
The grievance figures come from the summary table (the grievances found in the quarter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from stations.models import UpkeepCheck
from unionhub.core.models import Federation
from zones.choices import WorkState
from zones.models import WorkItem, ZoneStaff
from zones.quarters import Quarter

from . import dashboard
from .models import EvaluationScheme
from .quarterly import Node, NodeSelection, quarter_period
from .summaries import last_day, local_midnight

DIMENSIONS: list[tuple[str, Any, list[tuple[str, Any]]]] = [
    (
        "lawful",
        _("Lawful operation (依法)"),
        [("visit_coverage", _("Unions visited (%)")), ("upkeep_passed", _("Station checks passed (%)"))],
    ),
    (
        "duty",
        _("Duty performance (履职)"),
        [
            ("findings_handled", _("Findings handled (%)")),
            ("work_on_time", _("Work done on time (%)")),
            ("visits_per_union", _("Visits per union")),
            ("grievances_on_time", _("Grievances handled on time (%)")),
        ],
    ),
    (
        "excellence",
        _("Excellence (创优)"),
        [
            ("activities_per_union", _("Activities per union")),
            ("participation", _("Participants per member")),
            ("member_growth", _("New members per member")),
            ("grievance_satisfaction", _("Grievances with a satisfied worker (%)")),
        ],
    ),
]
DEFAULT_WEIGHTS: dict[str, int] = {
    "lawful": 30,
    "duty": 40,
    "excellence": 30,
    "visit_coverage": 2,
    "upkeep_passed": 1,
    "findings_handled": 1,
    "work_on_time": 1,
    "visits_per_union": 1,
    "grievances_on_time": 1,
    "activities_per_union": 1,
    "participation": 1,
    "member_growth": 1,
    "grievance_satisfaction": 1,
}
RELATIVE = ("visits_per_union", "activities_per_union", "participation", "member_growth")


def scheme_for(federation: Federation) -> EvaluationScheme:
    """The federation's scheme, or its nearest ancestor's, or an unsaved one with the defaults."""
    ancestors = _prefixes(federation.path)
    found = EvaluationScheme.objects.filter(federation_path__in=ancestors).order_by("-federation_path").first()
    if found is None:
        found = EvaluationScheme(federation=federation, federation_path=federation.path, weights=dict(DEFAULT_WEIGHTS))
    return found


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def weights_of(scheme: EvaluationScheme) -> dict[str, int]:
    return {key: int(scheme.weights.get(key, default)) for key, default in DEFAULT_WEIGHTS.items()}


@dataclass
class ZoneScore:
    zone_id: int
    name: str
    indicators: dict[str, float | None]
    dimensions: dict[str, float | None] = field(default_factory=dict)
    total: float = 0.0
    rank: int = 0


def _ratio(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return min(100.0, 100 * part / whole)


def _weighted(values: dict[str, float | None], weights: dict[str, int]) -> float | None:
    present = [(values[key], weights.get(key, 0)) for key in values if values[key] is not None]
    total = sum(weight for _value, weight in present)
    if not total:
        return None
    return round(sum((value or 0) * weight for value, weight in present) / total, 1)


def evaluate(federation: Federation, quarter: Quarter, scheme: EvaluationScheme | None = None) -> list[ZoneScore]:
    """The zones under ``federation`` scored for ``quarter``, ranked (1 = best)."""
    scheme = scheme or scheme_for(federation)
    weights = weights_of(scheme)
    node = Node(federation)
    period = quarter_period(quarter)
    selection = NodeSelection(user=None, period=period, compare=dashboard.Compare.NONE, node=node)  # type: ignore[arg-type]
    rows = [row for row in dashboard.by_zone(selection) if row["id"] is not None]
    since, until = local_midnight(period.first), local_midnight(quarter.next().first_day)
    checks = (
        node.rows(UpkeepCheck.objects.filter(checked_at__gte=since, checked_at__lt=until))
        .values("zone_id")
        .annotate(n=Count("id"), passed=Count("id", filter=Q(failed=[])))
        .order_by()
    )
    upkeep = {row["zone_id"]: (row["passed"], row["n"]) for row in checks}
    due = node.rows(WorkItem.objects.filter(due_on__gte=period.first, due_on__lte=last_day(period.last)))
    work = {
        row["zone_id"]: (row["on_time"], row["n"])
        for row in due.annotate(closed_on=TruncDate("closed_at"))
        .values("zone_id")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(state=WorkState.DONE, closed_on__lte=F("due_on"))),
        )
        .order_by()
    }
    scores = []
    for row in rows:
        unions, members = row["unions"] or 0, row["members"] or 0
        indicators: dict[str, float | None] = {
            "visit_coverage": row["visited_percent"],
            "upkeep_passed": _ratio(*upkeep.get(row["id"], (None, None))),
            "findings_handled": _ratio(row["findings_handled"], row["findings_found"]),
            "work_on_time": _ratio(*work.get(row["id"], (None, None))),
            "visits_per_union": row["visits"] / unions if unions else None,
            "activities_per_union": row["activities"] / unions if unions else None,
            "participation": row["participants"] / members if members else None,
            "member_growth": row["members_new"] / members if members else None,
            "grievances_on_time": row["grievances_on_time_percent"],
            "grievance_satisfaction": row["grievances_satisfied_percent"],
        }
        scores.append(ZoneScore(row["id"], row["name"], indicators))
    for key in RELATIVE:  # the best zone = 100
        best = max((s.indicators[key] or 0 for s in scores), default=0)
        for score in scores:
            value = score.indicators[key]
            score.indicators[key] = None if value is None else (round(100 * value / best, 1) if best else 0.0)
    for score in scores:
        for key, _label, named in DIMENSIONS:
            score.dimensions[key] = _weighted({name: score.indicators[name] for name, _l in named}, weights)
        score.total = _weighted(score.dimensions, weights) or 0.0
    scores.sort(key=lambda s: (-s.total, s.name))
    for rank, score in enumerate(scores, start=1):
        score.rank = rank
    return scores


def bonus_list(scores: list[ZoneScore], scheme: EvaluationScheme) -> list[dict[str, Any]]:
    """The workers of the best-ranked zones (those with a score), each with the bonus amount."""
    best = [s for s in scores if s.total > 0][: scheme.bonus_zones]
    names = {s.zone_id: s.name for s in best}
    staff = (
        ZoneStaff.objects.filter(zone_id__in=names, user__is_active=True)
        .select_related("user")
        .order_by("zone_id", "user__username")
    )
    return [
        {
            "zone": names[row.zone_id],
            "user": row.user.get_full_name() or row.user.username,
            "role": row.get_role_display(),
            "amount": scheme.bonus_amount,
        }
        for row in staff
    ]
