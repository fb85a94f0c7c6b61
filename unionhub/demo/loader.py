"""Writes the demo plan (demo_data.py) through the apps' actions, creating only what is missing.

Every row has a natural key (a federation's name under its parent, a zone's name in its
federation, a credit code, a member's ID-number hash, a user name, a station's name in its
federation), and the keys already present are read with one query per table, so a second
load writes nothing and takes well under a second. ``wipe()`` removes exactly the rows the
plan describes (and the members of its unions), leaving anything else alone.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from events.actions import do_save_activity, do_save_series, do_set_quotas
from events.choices import ActivityKind, Organiser
from events.models import Activity, Grievance, ThemeSeries
from members.actions import do_save_member
from members.hardship_models import HardshipBudget, HardshipCase, HardshipSuggestion
from members.models import Member
from stations.actions import (
    do_bind_station_keeper,
    do_check_in,
    do_save_station,
    do_save_station_part,
    do_set_opening_hours,
)
from stations.choices import Occupation, VenueKind
from stations.models import (
    Booking,
    CheckIn,
    OpeningPeriod,
    Station,
    StationKeeper,
    StationPartner,
    StationService,
    Venue,
)
from stations.venues import do_save_venue
from unionhub.core.actions import do_assign_role, do_save_federation, do_save_user
from unionhub.core.choices import ZONE_ROLES, Role
from unionhub.core.models import AccessLog, Federation, RoleAssignment, User
from zones.actions import (
    FindingInput,
    do_bind_union_chair,
    do_bind_zone_staff,
    do_log_visit,
    do_save_enterprise,
    do_save_resource,
    do_save_union,
    do_save_zone,
    plan_zone,
)
from zones.choices import FindingKind, ResourceCategory, VisitDuty, ZoneKind
from zones.models import (
    Enterprise,
    Finding,
    GrassrootsUnion,
    ServiceResource,
    UnionChair,
    UnionIndicator,
    Visit,
    VisitPhoto,
    VisitPlanEntry,
    Zone,
    ZoneStaff,
)
from zones.quarters import Quarter

from .demo_data import (
    ADMIN_USERNAME,
    CHECK_IN_STATION,
    DEMO_PASSWORD,
    SEED,
    Plan,
    Ring,
    boundary_ring,
    build_plan,
)
from .grievances import load_grievances
from .hardship import load_hardship

# The change reason of every history record the demo writes: how wipe() knows the demo's rows.
DEMO_REASON = "load_demo"

# What the first unions of each zone share with the zone's service alliance (名称后缀, category, capacity,
# terms), and the demands found on demo visits, in turn.
SHARED_RESOURCES = [
    ("职工健身房", ResourceCategory.SPORTS, 40, "工作日18:00–21:00对片区会员免费开放，需提前一天预约"),
    ("培训教室", ResourceCategory.TRAINING_ROOM, 60, "周末可借用，用于技能培训和工会活动"),
    ("职工食堂", ResourceCategory.CANTEEN, 200, "片区内小微企业职工午餐按成本价供应"),
]
DEMO_DEMANDS = [
    (ResourceCategory.SPORTS, "希望与周边企业共享职工文体活动场地"),
    (ResourceCategory.TRAINING_ROOM, "新招一批电工，想借用场地开展技能培训"),
    (ResourceCategory.CANTEEN, "厂里没有食堂，职工希望就近解决午餐"),
]


class DemoError(Exception):
    """The demo cannot be loaded or wiped; the message says why."""


def multipolygon(ring: Ring) -> MultiPolygon:
    return MultiPolygon(Polygon(ring), srid=4326)


def point(lon_lat: tuple[float, float]) -> Point:
    return Point(*lon_lat, srid=4326)


def zone_boundary(plan: Plan, key: str) -> MultiPolygon | None:
    zone = plan.zone(key)
    if zone.centre is None:
        return None
    return multipolygon(boundary_ring(zone.centre, zone.radius, random.Random(f"{SEED}:{zone.key}:boundary")))


class Loader:
    """Loads the plan; ``created`` counts the rows written, by model.

    ``members=False`` leaves the rosters out (four fifths of the rows): the browser tests,
    whose database is emptied after every test, load the rest in about a second.
    """

    def __init__(self, plan: Plan | None = None, *, members: bool = True) -> None:
        self.plan = plan or build_plan()
        self.with_members = members
        self.created: Counter[str] = Counter()
        self.federations: dict[str, Federation] = {}
        self.zones: dict[str, Zone] = {}
        self.unions: dict[str, GrassrootsUnion] = {}
        self.stations: dict[str, Station] = {}
        self.users: dict[str, User] = {}

    def _write(self, action: Callable[..., Any], obj: models.Model, admin: User, **kwargs: Any) -> None:
        """Save one new row through its app's action, marked as the demo's in its history."""
        obj._change_reason = DEMO_REASON  # type: ignore[attr-defined]
        action(obj, actor=admin, **kwargs)
        self.created[str(obj._meta.verbose_name_plural)] += 1

    # -- load ------------------------------------------------------------------------------

    def load(self) -> Counter[str]:
        with transaction.atomic():
            admin = self.ensure_admin()
            self.load_federations(admin)
            self.load_zones(admin)
            self.load_users(admin)
            self.load_unions(admin)
            self.load_stations(admin)
            if self.with_members:
                self.load_members(admin)
            self.load_roles(admin)
            self.load_check_ins()
            self.load_venues(admin)
            self.load_service_resources(admin)
            self.load_zone_work()
            self.load_activities(admin)
            if cases := load_hardship(self.federations, self.users):
                self.created[str(HardshipCase._meta.verbose_name_plural)] += cases
            if grievances := load_grievances(list(self.unions.values()), reason=DEMO_REASON):
                self.created[str(Grievance._meta.verbose_name_plural)] += grievances
        return self.created

    def ensure_admin(self) -> User:
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            admin = User.objects.create_superuser(ADMIN_USERNAME, password=DEMO_PASSWORD)
            self.created[str(User._meta.verbose_name_plural)] += 1
        elif not admin.is_superuser:
            raise DemoError(
                _("A user named “{username}” exists but is not a superuser; the demo needs it as its actor.").format(
                    username=ADMIN_USERNAME
                )
            )
        return admin

    def load_federations(self, admin: User) -> None:
        names = [spec.name for spec in self.plan.federations]
        existing = {(f.parent_id, f.name): f for f in Federation.objects.filter(name__in=names)}
        for spec in self.plan.federations:  # parents come first
            parent = self.federations[spec.parent] if spec.parent else None
            federation = existing.get((parent.pk if parent else None, spec.name))
            if federation is None:
                federation = Federation(
                    name=spec.name,
                    kind=spec.kind,
                    parent=parent,
                    area=multipolygon(spec.area) if spec.area else None,
                )
                self._write(do_save_federation, federation, admin)
            self.federations[spec.key] = federation

    def load_zones(self, admin: User) -> None:
        existing = {
            (z.federation_id, z.name): z
            for z in Zone.objects.filter(federation__in=self.federations.values()).defer("boundary")
        }
        for spec in self.plan.zones:
            federation = self.federations[spec.federation]
            zone = existing.get((federation.pk, spec.name))
            if zone is None:
                zone = Zone(
                    name=spec.name,
                    federation=federation,
                    kind=ZoneKind.SECTOR if spec.sector else ZoneKind.GEOGRAPHIC,
                    sector=spec.sector,
                    boundary=zone_boundary(self.plan, spec.key),
                    service_centre_address=spec.service_centre,
                )
                self._write(do_save_zone, zone, admin)
            self.zones[spec.key] = zone

    def load_users(self, admin: User) -> None:
        existing = {u.username: u for u in User.objects.filter(username__in=[s.username for s in self.plan.users])}
        # One hash for every account (they share the published password): PBKDF2 costs ~0.4 s a time.
        password = make_password(DEMO_PASSWORD)
        for spec in self.plan.users:
            user = existing.get(spec.username)
            if user is None:
                user = User(
                    username=spec.username,
                    last_name=spec.last_name,
                    first_name=spec.first_name,
                    federation=self.federations[spec.federation] if spec.federation else None,
                    is_staff=True,
                )
                user.password = password
                user.set_mobile(spec.mobile)
                self._write(do_save_user, user, admin)
            self.users[spec.username] = user

    def load_unions(self, admin: User) -> None:
        codes = [u.credit_code for u in self.plan.unions]
        existing = {u.credit_code: u for u in GrassrootsUnion.objects.filter(credit_code__in=codes)}
        enterprise_codes = {e.credit_code for u in self.plan.unions for e in u.enterprises}
        enterprises = set(
            Enterprise.objects.filter(credit_code__in=enterprise_codes).values_list("credit_code", flat=True)
        )
        for spec in self.plan.unions:
            union = existing.get(spec.credit_code)
            if union is None:
                union = GrassrootsUnion(
                    name=spec.name,
                    credit_code=spec.credit_code,
                    is_joint=spec.is_joint,
                    federation=self.federations[spec.federation],
                    zone=self.zones[spec.zone] if spec.zone_set_by_hand and spec.zone else None,
                    zone_set_by_hand=spec.zone_set_by_hand,
                    sector=spec.sector,
                    address=spec.address,
                    location=point(spec.location),
                    member_count=len(spec.members),
                    chair_name=spec.chair_name,
                    founded_on=spec.founded_on,
                )
                self._write(do_save_union, union, admin)
            self.unions[spec.credit_code] = union
            for enterprise in spec.enterprises:
                if enterprise.credit_code not in enterprises:
                    self._write(
                        do_save_enterprise,
                        Enterprise(
                            union=union,
                            name=enterprise.name,
                            credit_code=enterprise.credit_code,
                            employees=enterprise.employees,
                        ),
                        admin,
                    )

    def load_stations(self, admin: User) -> None:
        existing = {
            (s.federation_id, s.name): s
            for s in Station.objects.filter(
                federation__in=self.federations.values(), name__in=[s.name for s in self.plan.stations]
            )
        }
        for spec in self.plan.stations:
            federation = self.federations[spec.federation]
            station = existing.get((federation.pk, spec.name))
            if station is None:
                station = Station(
                    name=spec.name,
                    kind=spec.kind,
                    status=spec.status,
                    federation=federation,
                    zone=self.zones[spec.zone] if spec.zone else None,
                    address=spec.address,
                    position=point(spec.position),
                    open_24h=spec.open_24h,
                    amenities=list(spec.amenities),
                )
                self._write(do_save_station, station, admin)
            self.stations[spec.name] = station
        self.load_station_parts(admin)

    def load_station_parts(self, admin: User) -> None:
        """Hours, services and partners of the demo's stations that have none yet (one query per table)."""
        ids = [station.pk for station in self.stations.values()]
        with_hours = set(OpeningPeriod.objects.filter(station_id__in=ids).values_list("station_id", flat=True))
        with_services = set(StationService.objects.filter(station_id__in=ids).values_list("station_id", flat=True))
        with_partners = set(StationPartner.objects.filter(station_id__in=ids).values_list("station_id", flat=True))
        for spec in self.plan.stations:
            station = self.stations[spec.name]
            if spec.hours and station.pk not in with_hours:
                periods = [
                    OpeningPeriod(
                        weekday=day,
                        opens=datetime.time.fromisoformat(opens),
                        closes=datetime.time.fromisoformat(closes),
                        overnight=overnight,
                    )
                    for days, opens, closes, overnight in spec.hours
                    for day in days
                ]
                do_set_opening_hours(station, open_24h=spec.open_24h, periods=periods, exceptions=[], actor=admin)
                self.created[str(OpeningPeriod._meta.verbose_name_plural)] += len(periods)
            if station.pk not in with_services:
                for kind, weekdays, note in spec.services:
                    part = StationService(station=station, kind=kind, weekdays=list(weekdays), note=note)
                    self._write(do_save_station_part, part, admin)
            if station.pk not in with_partners:
                for name, kind, is_host in spec.partners:
                    self._write(
                        do_save_station_part,
                        StationPartner(station=station, name=name, kind=kind, is_host=is_host),
                        admin,
                    )

    def load_check_ins(self) -> None:
        """A month of check-ins at Haiyan's 24-hour station on 盐平路, unless it has some already.

        Riders and couriers at lunch and through the night, as the reports describe; each from
        its own demo phone, counted through the same action as a real scan.
        """
        station = self.stations[CHECK_IN_STATION]
        if CheckIn.objects.filter(station=station).exists():
            return
        rng = random.Random(f"{SEED}:check-ins")
        now = timezone.localtime()  # hours of the day on a Shanghai clock
        occupations = [Occupation.RIDER] * 5 + [Occupation.COURIER] * 3 + [Occupation.SANITATION, Occupation.OTHER]
        for number in range(120):
            hour = rng.choice((0, 1, 2, 3, 11, 12, 12, 13, 17, 18, 21, 22))
            at = (now - datetime.timedelta(days=rng.randrange(1, 30))).replace(hour=hour, minute=rng.randrange(60))
            _check_in, counted = do_check_in(
                station,
                occupation=rng.choice(occupations),
                is_member=rng.random() < 0.7,
                device_token=f"demo-phone-{number}",
                at=at,
            )
            self.created[str(CheckIn._meta.verbose_name_plural)] += counted

    def load_venues(self, admin: User) -> None:
        """Each zone's first union shares a basketball court with the zone's members (共享职工之家)."""
        existing = set(Venue.objects.filter(federation__in=self.federations.values()).values_list("name", flat=True))
        firsts: dict[str, Any] = {}
        for spec in self.plan.unions:
            if spec.zone and spec.zone not in firsts:
                firsts[spec.zone] = spec
        for spec in firsts.values():
            provider = spec.name.removesuffix("工会委员会").removesuffix("联合工会")
            name = f"{provider}职工篮球场"
            if name in existing:
                continue
            lon, lat = spec.location
            venue = Venue(
                name=name,
                kind=VenueKind.BASKETBALL,
                provider=provider,
                federation=self.federations[spec.federation],
                address=spec.address,
                position=point((lon - 0.0006, lat + 0.0004)),
                capacity=20,
                opens=datetime.time(17),
                closes=datetime.time(21),
                slot_minutes=60,
            )
            self._write(do_save_venue, venue, admin)

    def load_members(self, admin: User) -> None:
        pairs = self.plan.members()
        hashes = {spec.id_number: Member.id_number_lookup(spec.id_number) for _union, spec in pairs}
        existing = set(
            Member.objects.filter(id_number_hash__in=hashes.values()).values_list("id_number_hash", flat=True)
        )
        for union_spec, spec in pairs:
            if hashes[spec.id_number] in existing:
                continue
            member = Member(
                name=spec.name,
                union=self.unions[union_spec.credit_code],
                status=spec.status,
                occupation=spec.occupation,
                work_form=spec.work_form,
                joined_on=spec.joined_on,
            )
            self._write(do_save_member, member, admin, phone=spec.phone, id_number=spec.id_number)

    def load_roles(self, admin: User) -> None:
        users = self.users.values()
        federation_roles = set(
            RoleAssignment.objects.filter(user__in=users).values_list("user_id", "role", "federation_id")
        )
        zone_roles = set(ZoneStaff.objects.filter(user__in=users).values_list("user_id", "role", "zone_id"))
        chairs = set(UnionChair.objects.filter(user__in=users).values_list("user_id", "union_id"))
        keepers = set(StationKeeper.objects.filter(user__in=users).values_list("user_id", "station_id"))
        for spec in self.plan.users:
            user = self.users[spec.username]
            for node in spec.nodes:
                if spec.role in (Role.FEDERATION_STAFF, Role.LEADERSHIP):
                    federation = self.federations[node]
                    if (user.pk, spec.role, federation.pk) not in federation_roles:
                        self._write(
                            do_assign_role, RoleAssignment(user=user, role=spec.role, federation=federation), admin
                        )
                elif spec.role in ZONE_ROLES:
                    zone = self.zones[node]
                    if (user.pk, spec.role, zone.pk) not in zone_roles:
                        self._write(do_bind_zone_staff, ZoneStaff(user=user, zone=zone, role=spec.role), admin)
                elif spec.role == Role.UNION_CHAIR:
                    union = self.unions[node]
                    if (user.pk, union.pk) not in chairs:
                        self._write(do_bind_union_chair, UnionChair(user=user, union=union), admin)
                elif spec.role == Role.STATION_KEEPER:
                    station = self.stations[node]
                    if (user.pk, station.pk) not in keepers:
                        self._write(do_bind_station_keeper, StationKeeper(user=user, station=station), admin)

    def load_service_resources(self, admin: User) -> None:
        """Each zone's first unions share a gym, a training room and a canteen, in the zone's service alliance."""
        existing = set(
            ServiceResource.objects.filter(federation__in=self.federations.values()).values_list("name", flat=True)
        )
        providers: dict[str, list] = {}
        for spec in self.plan.unions:
            if spec.zone and len(providers.setdefault(spec.zone, [])) < len(SHARED_RESOURCES):
                providers[spec.zone].append(spec)
        for specs in providers.values():
            for spec, (suffix, category, capacity, terms) in zip(specs, SHARED_RESOURCES, strict=False):
                provider = spec.name.removesuffix("工会委员会").removesuffix("联合工会")
                name = f"{provider}{suffix}"
                if name in existing:
                    continue
                lon, lat = spec.location
                resource = ServiceResource(
                    name=name,
                    category=category,
                    provider=provider,
                    federation=self.federations[spec.federation],
                    address=spec.address,
                    position=point((lon + 0.0008, lat + 0.0005)),  # next door to the union
                    capacity=capacity,
                    terms=terms,
                )
                self._write(do_save_resource, resource, admin)

    def load_zone_work(self) -> None:
        """This quarter's visit plan in every demo zone not planned yet, and a third of it visited.

        Zones already planned are left to the quarterly task; visits carry a fixed idempotency
        key. So loading again writes nothing, in a handful of queries.
        """
        quarter = Quarter.current()
        zone_ids = list(Zone.objects.filter(federation__in=self.federations.values()).values_list("id", flat=True))
        planned_zones = set(
            VisitPlanEntry.objects.filter(zone_id__in=zone_ids, quarter=str(quarter)).values_list("zone_id", flat=True)
        )
        for zone_id in set(zone_ids) - planned_zones:
            self.created[str(VisitPlanEntry._meta.verbose_name_plural)] += plan_zone(zone_id, quarter)
        if not set(zone_ids) - planned_zones:
            return
        entries = (
            VisitPlanEntry.objects.filter(zone_id__in=zone_ids, quarter=str(quarter), assignee__isnull=False)
            .select_related("union", "assignee")
            .order_by("id")
        )
        for number, entry in enumerate(entries):
            if number % 3:
                continue
            visit = Visit(
                union=entry.union,
                visited_at=timezone.now() - datetime.timedelta(days=1 + number % 20),
                position=entry.union.location,
                duties=[VisitDuty.CONTACT, VisitDuty.BRIEFING],
                notes="了解企业用工和职工诉求情况",
            )
            visit._change_reason = DEMO_REASON  # type: ignore[attr-defined]
            category, description = DEMO_DEMANDS[number // 6 % len(DEMO_DEMANDS)]
            findings = [FindingInput(FindingKind.DEMAND, description, category)] if number % 2 else []
            _visit, created = do_log_visit(
                visit, actor=entry.assignee, findings=findings, client_key=f"demo-{entry.union.credit_code}-{quarter}"
            )
            if created:
                self.created[str(Visit._meta.verbose_name_plural)] += 1

    def load_activities(self, admin: User) -> None:
        """This month's theme and three activities at the first zoned station: a cadre training, a small
        health lecture that fills after two registrations (to try the waiting list), and a walk whose
        places are split between two unions."""
        station = next((s for s in self.stations.values() if s.zone_id is not None), None)
        if station is None:
            return
        federation = next(f for f in self.federations.values() if f.pk == station.federation_id)
        existing = set(
            Activity.objects.filter(federation=federation, title__in=DEMO_ACTIVITY_TITLES).values_list(
                "title", flat=True
            )
        )
        if existing == set(DEMO_ACTIVITY_TITLES):
            return  # loaded before: one query, so that loading again stays cheap
        month = timezone.localdate().replace(day=1)
        series = ThemeSeries.objects.filter(federation=federation, month=month).first()
        if series is None:
            series = ThemeSeries(federation=federation, month=month, theme="关爱户外劳动者")
            self._write(do_save_series, series, admin)
        start = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0) + datetime.timedelta(days=7)
        unions = [u for u in self.unions.values() if u.zone_id == station.zone_id][:2]
        training, lecture, walk = DEMO_ACTIVITY_TITLES
        planned = [
            Activity(
                title=training,
                kind=ActivityKind.TRAINING,
                organiser=Organiser.ZONE,
                zone_id=station.zone_id,
                station=station,
                capacity=30,
            ),
            Activity(
                title=lecture,
                kind=ActivityKind.HEALTH_LECTURE,
                organiser=Organiser.ZONE,
                zone_id=station.zone_id,
                station=station,
                capacity=2,
            ),
            Activity(
                title=walk,
                kind=ActivityKind.SPORTS_MEET,
                organiser=Organiser.FEDERATION,
                federation=federation,
                address=station.address or station.name,
                position=station.position,
                capacity=100,
                members_only=True,
            ),
        ]
        for day, activity in enumerate(planned):
            if activity.title in existing:
                continue
            activity.series = series
            activity.starts_at = start + datetime.timedelta(days=day)
            activity.ends_at = activity.starts_at + datetime.timedelta(hours=2)
            activity.description = "请提前十分钟到场，凭报名二维码签到。"
            self._write(do_save_activity, activity, admin)
            if activity.kind == ActivityKind.SPORTS_MEET and len(unions) == 2:
                do_set_quotas(activity, {unions[0]: 60, unions[1]: 40}, actor=admin)


DEMO_ACTIVITY_TITLES = ("工会干部履职能力培训", "健康讲座：颈椎和腰椎养护", "环湖健步走")


def created_by_demo(model: type[models.Model]) -> models.QuerySet:
    """Primary keys of the model's rows whose creation the demo recorded in their history."""
    history = model.history  # type: ignore[attr-defined]
    return history.filter(history_type="+", history_change_reason=DEMO_REASON).values("id")


def demo_federations(plan: Plan) -> list[Federation]:
    """The demo's federations (by its mark, or by name under their parent), children last."""
    found: dict[str, Federation] = {}
    by_key = {(f.parent_id, f.name): f for f in Federation.objects.filter(name__in=[s.name for s in plan.federations])}
    for spec in plan.federations:
        parent = found.get(spec.parent) if spec.parent else None
        if spec.parent and parent is None:
            continue
        federation = by_key.get((parent.pk if parent else None, spec.name))
        if federation is not None:
            found[spec.key] = federation
    marked = Federation.objects.filter(pk__in=created_by_demo(Federation)).exclude(
        pk__in=[f.pk for f in found.values()]
    )
    return sorted([*found.values(), *marked], key=lambda f: f.depth)


def wipe(plan: Plan | None = None) -> Counter[str]:
    """Delete the demo's rows (and the members of its unions); the ``admin`` account stays.

    The demo's rows are those it marked when it wrote them (whatever version of the demo did)
    and those the current plan names. A federation or zone that other rows still use (someone's
    own data under the demo tree) is kept. Anything else that still refers to the demo's rows
    stops the wipe, and nothing is deleted.
    """
    plan = plan or build_plan()
    deleted: Counter[str] = Counter()

    def delete(queryset: Any) -> None:
        for label, count in queryset.delete()[1].items():
            if count:
                deleted[str(apps.get_model(label)._meta.verbose_name_plural)] += count

    def marked(model: type[models.Model], **planned: Any) -> Q:
        return Q(pk__in=created_by_demo(model)) | Q(**planned)

    with transaction.atomic():
        federations = demo_federations(plan)
        unions = GrassrootsUnion.objects.filter(
            marked(GrassrootsUnion, credit_code__in=[u.credit_code for u in plan.unions])
        )
        hashes = [Member.id_number_lookup(m.id_number) for _u, m in plan.members()]
        stations = Station.objects.filter(
            marked(Station, federation__in=federations, name__in=[s.name for s in plan.stations])
        )
        users = User.objects.filter(marked(User, username__in=[u.username for u in plan.users])).exclude(
            username=ADMIN_USERNAME
        )
        try:
            delete(Grievance.objects.filter(marked(Grievance, union__in=unions)))
            delete(Activity.objects.filter(pk__in=created_by_demo(Activity)))
            delete(ThemeSeries.objects.filter(pk__in=created_by_demo(ThemeSeries)))
            for zone_work in (VisitPhoto, Finding, VisitPlanEntry, Visit, UnionIndicator):
                delete(zone_work.objects.filter(union__in=unions))
            delete(ServiceResource.objects.filter(pk__in=created_by_demo(ServiceResource)))
            demo_members = Member.objects.filter(marked(Member, id_number_hash__in=hashes) | Q(union__in=unions))
            delete(HardshipSuggestion.objects.filter(Q(member__in=demo_members) | Q(union__in=unions)))
            delete(HardshipCase.objects.filter(member__in=demo_members))
            delete(HardshipBudget.objects.filter(federation__in=federations))
            delete(Member.objects.filter(marked(Member, id_number_hash__in=hashes) | Q(union__in=unions)))
            delete(Enterprise.objects.filter(pk__in=created_by_demo(Enterprise)))
            delete(CheckIn.objects.filter(station__in=stations))
            venues = Venue.objects.filter(pk__in=created_by_demo(Venue))
            delete(Booking.objects.filter(venue__in=venues))
            delete(venues)
            delete(stations)
            delete(unions)
            delete(AccessLog.objects.filter(user__in=users))
            delete(users)
        except ProtectedError as exc:
            blocking = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
            raise DemoError(
                _("Other rows still refer to the demo ({models}); delete them first.").format(
                    models=", ".join(blocking)
                )
            ) from exc
        zones = Zone.objects.filter(marked(Zone, federation__in=federations, name__in=[z.name for z in plan.zones]))
        for obj in [*zones, *reversed(federations)]:
            try:
                with transaction.atomic():
                    delete(type(obj)._default_manager.filter(pk=obj.pk))
            except ProtectedError:
                continue  # someone's own rows live under it: keep it
    return deleted
