"""Two federation branches, A and B, each with one row of every scoped model, and an actor per role in A.

The authorization matrix and the query-count pins build on these. A new scoped model needs
one entry in ``BUILDERS``; the tests fail, naming the model, until it has one.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from events.models import Activity, ActivityPhoto, Grievance, HotlineImport, Open311Key, Registration, ThemeSeries
from events.open311.models import hash_key
from members.hardship_models import HardshipBudget, HardshipCase, HardshipSuggestion
from members.models import CorrectionRequest, ImportMapping, JoinApplication, Member, MemberTransfer, RosterImport
from members.roster.exports import EXPORT_KIND
from stations.models import (
    Booking,
    CheckIn,
    HeatCell,
    HelpRequest,
    Station,
    StationKeeper,
    Suggestion,
    UpkeepCheck,
    Venue,
)
from tests import factories as f
from tests.events.factories import (
    ActivityFactory,
    ActivityPhotoFactory,
    GrievanceFactory,
    RegistrationFactory,
    ThemeSeriesFactory,
)
from tests.stations.factories import CheckInFactory, UpkeepCheckFactory, VenueFactory
from unionhub.core.choices import Role
from unionhub.core.models import (
    AccessLog,
    Delivery,
    Federation,
    Job,
    Notification,
    RoleAssignment,
    SecurityEvent,
    User,
    WebhookEndpoint,
)
from unionhub.reports.models import BudgetFigures, EvaluationScheme, HotWordFigures, MonthlyFigures, QuarterlyReport
from zones.models import (
    DemandMatch,
    Enterprise,
    Finding,
    GrassrootsUnion,
    ServiceResource,
    UnionChair,
    UnionIndicator,
    Visit,
    VisitPhoto,
    VisitPlanEntry,
    WorkItem,
    Zone,
    ZoneStaff,
)


@dataclass
class World:
    """One branch of the tree: a county federation, a zone, a union in it, a station, a member."""

    name: str
    federation: Federation
    zone: Zone
    union: GrassrootsUnion
    station: Station
    owner: User  # a user to whom personal rows (notifications, jobs) belong
    rows: dict[type[models.Model], models.Model] = field(default_factory=dict)


def build_world(name: str, lon: float) -> World:
    federation = f.FederationFactory(name=f"{name}县总工会")
    zone = f.ZoneFactory(federation=federation, name=f"{name}片区", boundary=f.square(lon, 29.3))
    union = f.GrassrootsUnionFactory(zone=zone, federation=federation, location=f.Point(lon + 0.01, 29.31))
    station = f.StationFactory(zone=zone, federation=federation, position=f.Point(lon + 0.02, 29.32))
    owner = f.UserFactory(username=f"{name}_owner", federation=federation)
    world = World(name, federation, zone, union, station, owner)
    for model, builder in BUILDERS.items():
        world.rows[model] = builder(world)
    return world


def _notification(w: World) -> Notification:
    return Notification.objects.create(recipient=w.owner, key=f"{w.name}-hello", title="你好")


def _transfer(w: World) -> MemberTransfer:
    """A transfer between two unions of the same branch (its ends are both in the branch)."""
    return MemberTransfer.objects.create(
        member=f.MemberFactory(union=w.union),
        from_union=w.union,
        to_union=f.GrassrootsUnionFactory(zone=w.zone, federation=w.federation),
        requested_by_side="sending",
        requested_by=w.owner,
    )


BUILDERS: dict[type[models.Model], Callable[[World], Any]] = {
    Federation: lambda w: w.federation,
    User: lambda w: w.owner,
    RoleAssignment: lambda w: f.RoleAssignmentFactory(federation=w.federation, role=Role.LEADERSHIP),
    Zone: lambda w: w.zone,
    GrassrootsUnion: lambda w: w.union,
    Enterprise: lambda w: f.EnterpriseFactory(union=w.union),
    ZoneStaff: lambda w: f.ZoneStaffFactory(zone=w.zone, role=Role.ZONE_AUXILIARY),
    UnionChair: lambda w: f.UnionChairFactory(union=w.union),
    Station: lambda w: w.station,
    StationKeeper: lambda w: f.StationKeeperFactory(station=w.station),
    CheckIn: lambda w: CheckInFactory(station=w.station),
    UpkeepCheck: lambda w: UpkeepCheckFactory(station=w.station),
    Suggestion: lambda w: Suggestion.objects.create(station=w.station, kind="wish", text="希望有冰镇绿豆汤"),
    HelpRequest: lambda w: HelpRequest.objects.create(station=w.station, topic="wages", description="拖欠工资"),
    HeatCell: lambda w: HeatCell.objects.create(
        federation=w.federation,
        federation_path=w.federation.path,
        layer="workplaces",
        cell=w.zone.boundary[0],
        weight=10,
        computed_at=timezone.now(),
    ),
    Venue: lambda w: VenueFactory(zone=w.zone, federation=w.federation, position=w.station.position),
    Booking: lambda w: Booking.objects.create(
        venue=w.rows[Venue],
        during=(timezone.now() + datetime.timedelta(days=1), timezone.now() + datetime.timedelta(days=1, hours=1)),
        booker_key="k",
        booker_label="王*",
    ),
    Member: lambda w: f.MemberFactory(union=w.union),
    JoinApplication: lambda w: f.JoinApplicationFactory(union=w.union),
    # A member of its own each time: one waiting correction per member and field.
    CorrectionRequest: lambda w: CorrectionRequest.objects.create(
        member=f.MemberFactory(union=w.union), field="employer", value="美团外卖", reason="换了平台"
    ),
    MemberTransfer: _transfer,
    Job: lambda w: Job.objects.create(kind=EXPORT_KIND, created_by=w.owner, federation_path=w.federation.path),
    ImportMapping: lambda w: ImportMapping.objects.create(federation=w.federation, columns={"name": "姓名"}),
    RosterImport: lambda w: RosterImport.objects.create(
        file_name="会员名册.xlsx", created_by=w.owner, federation_path=w.federation.path
    ),
    AccessLog: lambda w: AccessLog.objects.create(
        user=w.owner, action="reveal", model="members.member", federation_path=w.federation.path
    ),
    # Dated tomorrow: the log lists the newest first, and the tests' own log-ins must not push it off page one.
    SecurityEvent: lambda w: SecurityEvent.objects.create(
        kind="login",
        user=w.owner,
        actor=w.owner,
        ip_address="10.0.0.1",
        federation_path=w.federation.path,
        at=timezone.now() + datetime.timedelta(days=1),
    ),
    Notification: _notification,
    Delivery: lambda w: Delivery.objects.create(
        notification=w.rows[Notification], channel="email", key=f"{w.name}-hello-email", subject="你好"
    ),
    WebhookEndpoint: lambda w: WebhookEndpoint.objects.create(
        federation=w.federation, channel="wecom", name="片区群", url="http://127.0.0.1:9/robot"
    ),
    Visit: lambda w: f.VisitFactory(union=w.union, worker=w.owner),
    VisitPhoto: lambda w: f.VisitPhotoFactory(visit=w.rows[Visit]),
    Finding: lambda w: f.FindingFactory(union=w.union, visit=w.rows[Visit], raised_by=w.owner),
    VisitPlanEntry: lambda w: f.VisitPlanEntryFactory(union=w.union, assignee=w.owner),
    UnionIndicator: lambda w: UnionIndicator.objects.create(
        union=w.union, zone=w.zone, federation_path=w.federation.path, anomaly_index=40
    ),
    ServiceResource: lambda w: f.ServiceResourceFactory(
        federation=w.federation, zone=w.zone, position=f.Point(w.union.location.x + 0.005, w.union.location.y)
    ),
    DemandMatch: lambda w: f.DemandMatchFactory(
        finding=w.rows[Finding], resource=w.rows[ServiceResource], matched_by=w.owner
    ),
    WorkItem: lambda w: f.WorkItemFactory(zone=w.zone, union=w.union, source_key=f"{w.name}-station-check"),
    ThemeSeries: lambda w: ThemeSeriesFactory(federation=w.federation),
    Activity: lambda w: ActivityFactory(station=w.station, series=w.rows[ThemeSeries]),
    Registration: lambda w: RegistrationFactory(activity=w.rows[Activity]),
    ActivityPhoto: lambda w: ActivityPhotoFactory(activity=w.rows[Activity]),
    # Assigned to the world's union, so that its chair's view of grievances is in the matrix too.
    Grievance: lambda w: GrievanceFactory(union=w.union, assigned_union=w.union, assignee_kind="union"),
    # An Open311 client's key (the hash of a key nobody holds) and a hotline ticket import.
    Open311Key: lambda w: Open311Key.objects.create(
        federation=w.federation,
        name="12351 热线",
        prefix="uh311_test",
        key_hash=hash_key(f"{w.name}-{Open311Key.objects.count()}-not-held"),
    ),
    HotlineImport: lambda w: HotlineImport.objects.create(
        file_name="热线工单.xlsx", federation=w.federation, created_by=w.owner
    ),
    # Hardship aid: a draft case, the federation's budget, an open lead (keys unique per call).
    HardshipCase: lambda w: HardshipCase.objects.create(
        member=w.rows[Member], reason="illness", description="大病住院", amount_requested=1000, created_by=w.owner
    ),
    HardshipBudget: lambda w: HardshipBudget.objects.create(federation=w.federation, year=2026, amount=100000),
    HardshipSuggestion: lambda w: HardshipSuggestion.objects.create(
        member=w.rows[Member],
        union=w.union,
        source="repeated_aid",
        source_key=f"{w.name}-lead-{HardshipSuggestion.objects.count()}",
        reason="两年内两次获得帮扶",
    ),
    MonthlyFigures: lambda w: MonthlyFigures.objects.create(
        month=timezone.localdate().replace(day=1), federation_path=w.federation.path, zone=w.zone, members_active=1
    ),
    HotWordFigures: lambda w: HotWordFigures.objects.create(
        quarter=f"{timezone.localdate().year}Q{(timezone.localdate().month - 1) // 3 + 1}",
        federation_path=w.federation.path,
        zone=w.zone,
        word=f"{w.name}热词{HotWordFigures.objects.count()}",
        texts=1,
    ),
    BudgetFigures: lambda w: BudgetFigures.objects.create(
        federation=w.federation,
        federation_path=w.federation.path,
        year=2026,
        amount=100000,
        spent=3000,
        committed=1000,
    ),
    # Ad hoc: any number per zone (a quarterly report is unique per node and quarter).
    QuarterlyReport: lambda w: QuarterlyReport.objects.create(
        kind="ad_hoc",
        federation=w.federation,
        federation_path=w.federation.path,
        zone=w.zone,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 1),
        narrative="本季度走访工作稳步推进。",
    ),
    EvaluationScheme: lambda w: EvaluationScheme.objects.create(federation=w.federation, weights={"lawful": 40}),
}


def extra_rows(world: World, model: type[models.Model], count: int) -> None:
    """More rows of one model in a world (for query-count pins), built like the first one."""
    for i in range(count):
        if model is Federation:
            f.FederationFactory(parent=world.federation, kind="township")
        elif model is User:
            f.UserFactory(federation=world.federation)
        elif model is Zone:
            f.ZoneFactory(federation=world.federation, boundary=f.square(121.0 + i * 0.06, 30.0))
        elif model is GrassrootsUnion:
            f.GrassrootsUnionFactory(zone=world.zone, federation=world.federation)
        elif model is Station:
            f.StationFactory(zone=world.zone, federation=world.federation)
        elif model is Notification:
            Notification.objects.create(recipient=world.owner, key=f"{world.name}-extra-{i}", title="提醒")
        elif model is Delivery:
            Delivery.objects.create(
                notification=world.rows[Notification], channel="email", key=f"{world.name}-extra-{i}", subject="提醒"
            )
        elif model is UnionIndicator:
            union = f.GrassrootsUnionFactory(zone=world.zone, federation=world.federation)
            UnionIndicator.objects.create(union=union, zone=world.zone, federation_path=world.federation.path)
        elif model is VisitPlanEntry:
            f.VisitPlanEntryFactory(union=f.GrassrootsUnionFactory(zone=world.zone, federation=world.federation))
        elif model is DemandMatch:
            f.DemandMatchFactory(
                finding=f.FindingFactory(union=world.union, raised_by=world.owner),
                resource=world.rows[ServiceResource],
                matched_by=world.owner,
            )
        elif model is Booking:
            start = timezone.now() + datetime.timedelta(days=2 + i)
            slot = (start, start + datetime.timedelta(hours=1))
            Booking.objects.create(venue=world.rows[Venue], during=slot, booker_key="k", booker_label="x")
        elif model is UpkeepCheck:
            UpkeepCheckFactory(station=f.StationFactory(zone=world.zone, federation=world.federation))
        elif model is WorkItem:
            f.WorkItemFactory(zone=world.zone, union=world.union)
        elif model is ThemeSeries:
            ThemeSeriesFactory(federation=world.federation, month=datetime.date(2020, 1 + i, 1))
        elif model is HardshipBudget:
            HardshipBudget.objects.create(federation=world.federation, year=2010 + i, amount=1000)
        elif model is BudgetFigures:
            BudgetFigures.objects.create(
                federation=world.federation,
                federation_path=world.federation.path,
                year=2010 + i,
                amount=1000,
                spent=0,
                committed=0,
            )
        elif model is WebhookEndpoint:
            WebhookEndpoint.objects.create(
                federation=world.federation, channel="dingtalk", name=f"群{i}", url="http://127.0.0.1:9/r"
            )
        else:
            BUILDERS[model](world)


# The actors: one per role, each bound to world A's node of the right kind.
ROLE_BINDERS: dict[str, Callable[[World, User], Any]] = {
    Role.FEDERATION_STAFF: lambda w, u: RoleAssignment.objects.create(
        user=u, role=Role.FEDERATION_STAFF, federation=w.federation
    ),
    Role.LEADERSHIP: lambda w, u: RoleAssignment.objects.create(user=u, role=Role.LEADERSHIP, federation=w.federation),
    Role.ZONE_CHIEF: lambda w, u: ZoneStaff.objects.create(user=u, zone=w.zone, role=Role.ZONE_CHIEF),
    Role.ZONE_SOCIAL_WORKER: lambda w, u: ZoneStaff.objects.create(user=u, zone=w.zone, role=Role.ZONE_SOCIAL_WORKER),
    Role.ZONE_INSTRUCTOR: lambda w, u: ZoneStaff.objects.create(user=u, zone=w.zone, role=Role.ZONE_INSTRUCTOR),
    Role.ZONE_AUXILIARY: lambda w, u: ZoneStaff.objects.create(user=u, zone=w.zone, role=Role.ZONE_AUXILIARY),
    Role.STATION_KEEPER: lambda w, u: StationKeeper.objects.create(user=u, station=w.station),
    Role.UNION_CHAIR: lambda w, u: UnionChair.objects.create(user=u, union=w.union),
}


def actor(world: World, role: str) -> User:
    user = f.UserFactory(username=f"{world.name}_{role}", federation=world.federation)
    ROLE_BINDERS[role](world, user)
    return User.objects.get(pk=user.pk)  # fresh: no cached grants
