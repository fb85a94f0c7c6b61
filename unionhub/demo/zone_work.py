"""Zone work at scale, generated deterministically: zone staff, visit plans, visits and findings.

Pure generation (no database), like ``unionhub.demo.scale``; ``unionhub.demo.bulk`` loads it.

- Staff: every zone is staffed 1+1+1 (a chief, a social worker and an instructor); the
  busiest zone's chief and social worker are the bench users, bound by ``bulk``.
- Plans: one entry per union for every quarter that starts inside the year of visits, the
  current one included, assigned the way ``zones.actions.plan_zone`` balances them (the
  zone's workers in id order, in turn, over its unions in id order: the same worker every
  quarter).
- Visits: over the 365 days before the seeding day. Each planned union is visited at least
  once in about 95% of its quarters, on a day spread over the whole quarter (so the current
  quarter's coverage is about as far along as the quarter); the rest of the preset's visits
  are return visits on any day of the year. Positions lie near the union, some far (> 500 m,
  flagged for review) or missing; most carry the phone's idempotency key.
- Findings: on about one visit in seven; recent ones mostly open, older ones mostly resolved.

Times are Ningbo's (UTC+8, no daylight saving), written as text for COPY.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from unionhub.core.choices import Role
from unionhub.core.text import search_document
from zones.choices import FindingKind, FindingStatus, ResourceCategory, VisitDuty, VisitReview
from zones.models import Visit
from zones.quarters import Quarter

from .scale import UnionRow, World, ZoneRow, person_name

LOCAL = dt.timezone(dt.timedelta(hours=8))
YEAR_DAYS = 365
# A zone's 1+1+1: the roles its visits are planned for (zones.actions.PLANNED_ROLES).
STAFF_ROLES = [(Role.ZONE_CHIEF, "chief"), (Role.ZONE_SOCIAL_WORKER, "worker"), (Role.ZONE_INSTRUCTOR, "instructor")]
QUARTER_COVERAGE = 0.95  # unions visited at least once by the end of a quarter
FAR_SHARE = 0.06  # logged more than Visit.FAR_VISIT_METRES away (flagged for review)
NO_POSITION_SHARE = 0.02  # the phone gave no position (flagged too)
KEYED_SHARE = 0.75  # sent by the phone page, with its idempotency key
OFFLINE_SHARE = 0.15  # queued on the phone, synced hours later
REVIEWED_AFTER_DAYS = 21  # flagged visits older than this have been reviewed
FINDING_RATE = (0.12, 0.02)  # one finding, two findings
DUTY_WEIGHTS = {
    VisitDuty.CONTACT: 90,
    VisitDuty.BRIEFING: 45,
    VisitDuty.GUIDANCE: 35,
    VisitDuty.VERIFY: 25,
    VisitDuty.CARE: 15,
    VisitDuty.REPORT: 20,
}
NOTES = [
    "与工会主席座谈，了解职工近况",
    "宣传职工互助保障政策",
    "检查职工之家台账",
    "指导换届选举准备工作",
    "了解企业用工和工资支付情况",
    "走访车间，听取一线职工意见",
    "送清凉慰问高温作业职工",
    "核实困难职工家庭情况",
]
# Kind: (weight, [(description, what a demand asks for)]).
FINDINGS: dict[FindingKind, tuple[int, list[tuple[str, str]]]] = {
    FindingKind.DEMAND: (
        60,
        [
            ("希望共享邻近企业的健身房", ResourceCategory.SPORTS),
            ("职工希望开设技能培训班", ResourceCategory.TRAINING_ROOM),
            ("需要劳动法律咨询服务", ResourceCategory.LEGAL),
            ("职工子女暑期托管需求", ResourceCategory.CHILDCARE),
            ("希望解决职工午餐就餐问题", ResourceCategory.CANTEEN),
            ("外来职工希望协调住宿", ResourceCategory.DORMITORY),
        ],
    ),
    FindingKind.INCIDENT: (
        25,
        [
            ("消防通道堆放杂物", ""),
            ("车间通风不良，职工反映头晕", ""),
            ("有职工反映工资延期发放", ""),
            ("宿舍私拉电线，存在用电隐患", ""),
        ],
    ),
    FindingKind.HARDSHIP: (
        15,
        [("职工家属重病，家庭困难", ""), ("单亲职工子女上学困难", ""), ("职工工伤后生活困难", "")],
    ),
}


@dataclass
class StaffRow:
    username: str
    last_name: str
    first_name: str
    zone: ZoneRow
    role: str


def zone_staff(world: World, bench_zone: ZoneRow, bench_roles: set[str]) -> list[StaffRow]:
    """Every zone's 1+1+1, except the roles of ``bench_zone`` the bench users hold."""
    rng = random.Random(f"{world.seed}:zone-staff")
    rows = []
    for zone in world.zones:
        for role, label in STAFF_ROLES:
            name = person_name(rng)  # drawn for skipped roles too: the other zones' names stay the same
            if zone is bench_zone and role in bench_roles:
                continue
            rows.append(StaffRow(f"zone{zone.id}-{label}", name[0], name[1:], zone, str(role)))
    return rows


@dataclass
class ZoneWork:
    """Rows for COPY: plan entries, visits and findings, each in its model's field order below."""

    plan: list[tuple[Any, ...]] = field(default_factory=list)
    visits: list[tuple[Any, ...]] = field(default_factory=list)
    findings: list[tuple[Any, ...]] = field(default_factory=list)


PLAN_FIELDS = ["id", "quarter", "union", "zone", "federation_path", "assignee", "first_visit"]
VISIT_FIELDS = [
    "id", "union", "zone", "federation_path", "worker", "visited_at", "quarter", "position", "distance_m", "review",
    "duties", "notes", "client_key", "created_at", "search_tokens",
]  # fmt: skip
FINDING_FIELDS = [
    "id", "union", "zone", "federation_path", "visit", "kind", "category", "description", "status", "raised_by",
    "created_at", "closed_at", "search_tokens",
]  # fmt: skip

# COPY bypasses save(): the search tokens are written with the rows (few distinct texts, so cached).
indexed = lru_cache(maxsize=None)(search_document)


def planned_quarters(today: dt.date) -> list[Quarter]:
    """The quarters that start inside the year of visits, oldest first (the current one last)."""
    first = today - dt.timedelta(days=YEAR_DAYS)
    quarters: list[Quarter] = []
    quarter = Quarter.of(today)
    while quarter.first_day >= first:
        quarters.append(quarter)
        quarter = quarter.previous()
    return quarters[::-1]


def assignments(world: World, workers: dict[int, list[int]]) -> dict[int, int]:
    """Each union's worker, as zones.actions.plan_zone balances them: the zone's workers in turn."""
    assigned: dict[int, int] = {}
    seen: dict[int, int] = {}
    for union in world.unions:
        staff = workers.get(union.zone.id)
        if staff:
            n = seen[union.zone.id] = seen.get(union.zone.id, -1) + 1
            assigned[union.id] = staff[n % len(staff)]
    return assigned


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _duties(rng: random.Random) -> str:
    done = [str(duty) for duty, weight in DUTY_WEIGHTS.items() if rng.random() * 100 < weight]
    return "{" + ",".join(done or [str(VisitDuty.CONTACT)]) + "}"


def _position(rng: random.Random, union: UnionRow) -> tuple[str | None, int | None]:
    """Where the phone was: EWKT for the geography column, and the distance in metres (None: no position)."""
    draw = rng.random()
    if draw < NO_POSITION_SHARE:
        return None, None
    if draw < NO_POSITION_SHARE + FAR_SHARE:
        metres = rng.uniform(Visit.FAR_VISIT_METRES + 100, 4_000)
    else:
        metres = min(Visit.FAR_VISIT_METRES - 150, rng.lognormvariate(math.log(60), 0.8))
    bearing = rng.uniform(0, 2 * math.pi)
    per_degree = 6_371_000 * math.pi / 180  # on the sphere: within 0.5% of the spheroid
    lon, lat = union.location.x, union.location.y
    lat2 = lat + metres * math.cos(bearing) / per_degree
    lon2 = lon + metres * math.sin(bearing) / (per_degree * math.cos(math.radians(lat)))
    return f"SRID=4326;POINT({lon2:.6f} {lat2:.6f})", round(metres)


def _status(rng: random.Random, age_days: int) -> str:
    if age_days < 30:
        weights = {FindingStatus.OPEN: 60, FindingStatus.IN_PROGRESS: 30, FindingStatus.RESOLVED: 10}
    elif age_days < 120:
        weights = {FindingStatus.OPEN: 15, FindingStatus.IN_PROGRESS: 20, FindingStatus.RESOLVED: 55,
                   FindingStatus.CLOSED: 10}  # fmt: skip
    else:
        weights = {FindingStatus.OPEN: 5, FindingStatus.IN_PROGRESS: 5, FindingStatus.RESOLVED: 75,
                   FindingStatus.CLOSED: 15}  # fmt: skip
    return str(_weighted(rng, weights))


def zone_work(world: World, workers: dict[int, list[int]], today: dt.date, total_visits: int) -> ZoneWork:
    """Plans, visits and findings for the year before ``today``; ``workers``: each zone's worker ids, ascending."""
    rng = random.Random(f"{world.seed}:zone-work:{today.isoformat()}")
    first_day = today - dt.timedelta(days=YEAR_DAYS)
    quarters = planned_quarters(today)
    assigned = assignments(world, workers)
    unions = [u for u in world.unions if u.id in assigned]

    def worker_for(union: UnionRow) -> int:
        # Now and then another worker of the zone (the chief standing in) makes the visit.
        return assigned[union.id] if rng.random() < 0.9 else rng.choice(workers[union.zone.id])

    drafts: list[tuple[dt.date, UnionRow, int]] = []
    for quarter in quarters:
        length = (quarter.last_day - quarter.first_day).days + 1
        for union in unions:
            if rng.random() < QUARTER_COVERAGE:
                day = quarter.first_day + dt.timedelta(days=rng.randrange(length))
                if day < today:  # the rest of the current quarter is still to come
                    drafts.append((day, union, worker_for(union)))
    for _ in range(total_visits - len(drafts)):
        union = rng.choice(unions)
        drafts.append((first_day + dt.timedelta(days=rng.randrange(YEAR_DAYS)), union, worker_for(union)))

    # Visiting hours, 08:30 to 17:30; ids in the order the visits were made.
    timed = sorted(
        ((dt.datetime.combine(day, dt.time(8, 30), LOCAL) + dt.timedelta(seconds=rng.randrange(32_400)), union,
          worker) for day, union, worker in drafts),
        key=lambda draft: (draft[0], draft[1].id),
    )  # fmt: skip
    work = ZoneWork()
    first_visits: dict[tuple[str, int], int] = {}
    midnight = dt.datetime.combine(today, dt.time(), LOCAL)
    for visit_id, (visited_at, union, worker) in enumerate(timed, start=1):
        label = str(Quarter.of(visited_at.date()))
        first_visits.setdefault((label, union.id), visit_id)
        age = (today - visited_at.date()).days
        position, metres = _position(rng, union)
        review = VisitReview.NOT_NEEDED
        if metres is None or metres > Visit.FAR_VISIT_METRES:
            review = VisitReview.PENDING
            if age > REVIEWED_AFTER_DAYS:
                review = VisitReview.ACCEPTED if rng.random() < 0.8 else VisitReview.REJECTED
        key = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if rng.random() < KEYED_SHARE else None
        delay = rng.uniform(600, 21_600) if rng.random() < OFFLINE_SHARE else rng.uniform(5, 600)
        created_at = visited_at + dt.timedelta(seconds=delay)
        path = union.zone.federation.path
        notes = rng.choice(NOTES) if rng.random() < 0.5 else ""
        work.visits.append(
            (visit_id, union.id, union.zone.id, path, worker, visited_at.isoformat(sep=" "), label, position,
             metres, str(review), _duties(rng), notes, key, created_at.isoformat(sep=" "), indexed(notes))
        )  # fmt: skip
        draw = rng.random()
        for _ in range(2 if draw < FINDING_RATE[1] else 1 if draw < sum(FINDING_RATE) else 0):
            kind = _weighted(rng, {kind: weight for kind, (weight, _) in FINDINGS.items()})
            status = _status(rng, age)
            closed_at = None
            if status in (FindingStatus.RESOLVED, FindingStatus.CLOSED):
                closed = created_at + dt.timedelta(days=rng.uniform(0.5, max(0.5, age - 1)))
                closed_at = min(closed, midnight).isoformat(sep=" ")
            description, category = rng.choice(FINDINGS[kind][1])
            work.findings.append(
                (len(work.findings) + 1, union.id, union.zone.id, path, visit_id, str(kind), str(category),
                 description, status, worker, created_at.isoformat(sep=" "), closed_at, indexed(description))
            )  # fmt: skip
    for label in map(str, quarters):
        for union in unions:
            work.plan.append(
                (len(work.plan) + 1, label, union.id, union.zone.id, union.zone.federation.path,
                 assigned[union.id], first_visits.get((label, union.id)))
            )  # fmt: skip
    return work
