"""Factories for every scoped model; the authorization matrix builds its worlds from these."""

from __future__ import annotations

import datetime
import io
import itertools

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from members.models import JoinApplication, Member
from stations.models import Station, StationKeeper
from unionhub.core.choices import FederationKind, Role
from unionhub.core.models import Federation, RoleAssignment, User
from unionhub.core.validators import credit_check_character, id_check_character
from zones.choices import FindingKind, ResourceCategory, VisitDuty, WorkKind
from zones.models import (
    DemandMatch,
    Enterprise,
    Finding,
    GrassrootsUnion,
    ServiceResource,
    UnionChair,
    Visit,
    VisitPhoto,
    VisitPlanEntry,
    WorkItem,
    Zone,
    ZoneStaff,
)
from zones.quarters import Quarter

_serial = itertools.count(1)


def credit_code(prefix: str = "81") -> str:
    body = f"{prefix}330226{next(_serial):09d}"[:17]
    return body + credit_check_character(body)


def id_number(birth: str | None = None) -> str:
    serial = next(_serial)
    if birth is None:
        # Another birth day every thousand numbers: a test session never hands out one number twice
        # (one live membership per ID number and federation is a database rule).
        birth = (datetime.date(1990, 1, 1) + datetime.timedelta(days=serial // 1000)).strftime("%Y%m%d")
    body = f"330226{birth}{serial % 1000:03d}"
    return body + id_check_character(body)


def square(lon: float, lat: float, size: float = 0.05) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((lon, lat, lon + size, lat + size)), srid=4326)


PASSWORD = "demo-password-1"  # every factory-made account's


class FederationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Federation

    name = factory.Sequence(lambda n: f"测试县总工会{n}")
    kind = FederationKind.COUNTY
    parent = factory.LazyFunction(
        lambda: Federation.objects.get_or_create(
            name="测试市总工会",
            kind=FederationKind.CITY,
            parent=Federation.objects.get_or_create(name="测试省总工会", kind=FederationKind.PROVINCE)[0],
        )[0]
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.FEDERATION_STAFF
    federation = factory.SubFactory(FederationFactory)


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    name = factory.Sequence(lambda n: f"测试片区{n}")
    federation = factory.SubFactory(FederationFactory)
    boundary = factory.LazyFunction(lambda: square(121.40, 29.30))


class GrassrootsUnionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrassrootsUnion

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司工会委员会")
    credit_code = factory.LazyFunction(credit_code)
    zone = factory.SubFactory(ZoneFactory)
    federation = factory.SelfAttribute("zone.federation")
    zone_set_by_hand = True
    location = factory.LazyFunction(lambda: Point(121.42, 29.32, srid=4326))


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    union = factory.SubFactory(GrassrootsUnionFactory)
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.LazyFunction(lambda: credit_code("91"))


class ZoneStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ZoneStaff

    user = factory.SubFactory(UserFactory)
    zone = factory.SubFactory(ZoneFactory)
    role = Role.ZONE_CHIEF


class UnionChairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnionChair

    user = factory.SubFactory(UserFactory)
    union = factory.SubFactory(GrassrootsUnionFactory)


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    name = factory.Sequence(lambda n: f"测试驿站{n}")
    zone = factory.SubFactory(ZoneFactory)
    federation = factory.SelfAttribute("zone.federation")
    position = factory.LazyFunction(lambda: Point(121.43, 29.33, srid=4326))


class StationKeeperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StationKeeper

    user = factory.SubFactory(UserFactory)
    station = factory.SubFactory(StationFactory)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    name = factory.Iterator(["王芳", "李强", "张伟", "陈静", "秦伟"])
    union = factory.SubFactory(GrassrootsUnionFactory)

    @factory.post_generation
    def personal(obj, create, extracted, **kwargs):
        obj.set_phone(f"138{next(_serial) % 100000000:08d}")
        obj.set_id_number(id_number())
        if create:
            obj.save()


class JoinApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinApplication
        skip_postgeneration_save = True

    name = "赵晓雨"
    union = factory.SubFactory(GrassrootsUnionFactory)
    channel = "union"

    @factory.post_generation
    def personal(obj, create, extracted, **kwargs):
        obj.set_phone(f"139{next(_serial) % 100000000:08d}")
        obj.set_id_number(id_number())
        if create:
            obj.save()


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    union = factory.SubFactory(GrassrootsUnionFactory)
    worker = factory.SubFactory(UserFactory)
    visited_at = factory.LazyFunction(timezone.now)
    position = factory.LazyAttribute(lambda v: v.union.location)
    duties = factory.LazyFunction(lambda: [VisitDuty.CONTACT])


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    union = factory.SubFactory(GrassrootsUnionFactory)
    kind = FindingKind.DEMAND
    category = ResourceCategory.SPORTS
    description = "希望共享隔壁企业的健身房"
    raised_by = factory.SubFactory(UserFactory)


class ServiceResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceResource

    name = factory.Sequence(lambda n: f"共享健身房{n}")
    category = ResourceCategory.SPORTS
    provider = "甬江机械有限公司"
    zone = factory.SubFactory(ZoneFactory)
    federation = factory.SelfAttribute("zone.federation")
    zone_set_by_hand = True
    position = factory.LazyFunction(lambda: Point(121.425, 29.32, srid=4326))
    capacity = 30
    terms = "工作日晚间对片区会员免费开放"


class DemandMatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemandMatch

    finding = factory.SubFactory(FindingFactory)
    resource = factory.SubFactory(ServiceResourceFactory)
    matched_by = factory.SubFactory(UserFactory)


class WorkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkItem

    kind = WorkKind.STATION_CHECK
    title = factory.Sequence(lambda n: f"驿站周检未通过 {n}")
    zone = factory.SubFactory(ZoneFactory)
    source_key = factory.Sequence(lambda n: f"test:{n}")


class VisitPlanEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPlanEntry

    union = factory.SubFactory(GrassrootsUnionFactory)
    zone = factory.SelfAttribute("union.zone")
    quarter = factory.LazyFunction(lambda: str(Quarter.current()))


def jpeg_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


class VisitPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPhoto

    visit = factory.SubFactory(VisitFactory)
    image = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="photo.jpg"))
    thumbnail = factory.LazyFunction(lambda: ContentFile(jpeg_bytes((32, 24)), name="thumb.jpg"))
