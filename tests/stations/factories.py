"""Factories for the parts of a station and for check-ins."""

from __future__ import annotations

import datetime
import itertools

import factory
from django.contrib.gis.geos import Point
from django.utils import timezone

from stations.actions import device_hash, sync_week
from stations.choices import Occupation, PartnerKind, ServiceKind
from stations.models import CheckIn, OpeningException, OpeningPeriod, StationPartner, StationService, UpkeepCheck, Venue
from tests.factories import StationFactory

_devices = itertools.count(1)


class OpeningPeriodFactory(factory.django.DjangoModelFactory):
    """A weekly period, copied into its station's week_minutes as the actions do."""

    class Meta:
        model = OpeningPeriod
        skip_postgeneration_save = True

    station = factory.SubFactory(StationFactory)
    weekday = 0
    opens = datetime.time(8)
    closes = datetime.time(18)

    @factory.post_generation
    def week(obj, create, extracted, **kwargs):
        if create:
            sync_week(obj.station)


class OpeningExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningException

    station = factory.SubFactory(StationFactory)
    date = factory.LazyFunction(timezone.localdate)
    note = "春节"


class StationServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StationService

    station = factory.SubFactory(StationFactory)
    kind = ServiceKind.HAIRCUT
    weekdays = factory.LazyFunction(lambda: [2])


class StationPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StationPartner

    station = factory.SubFactory(StationFactory)
    name = factory.Sequence(lambda n: f"农商银行第{n}支行")
    kind = PartnerKind.BANK


class CheckInFactory(factory.django.DjangoModelFactory):
    """A check-in from a new phone each time (so the half-hour rule never collides)."""

    class Meta:
        model = CheckIn

    station = factory.SubFactory(StationFactory)
    checked_in_at = factory.LazyFunction(timezone.now)
    window = factory.LazyAttribute(lambda c: (c.checked_in_at, c.checked_in_at + CheckIn.COUNTS_FOR))
    occupation = Occupation.RIDER
    is_member = True
    device_hash = factory.LazyFunction(lambda: device_hash(f"test-device-{next(_devices)}"))


class UpkeepCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UpkeepCheck

    station = factory.SubFactory(StationFactory)
    checked_by = factory.SubFactory("tests.factories.UserFactory")
    checked_at = factory.LazyFunction(timezone.now)
    week = factory.LazyAttribute(
        lambda check: (
            timezone.localtime(check.checked_at).date()
            - datetime.timedelta(days=timezone.localtime(check.checked_at).weekday())
        )
    )


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"职工篮球场{n}")
    kind = "basketball"
    provider = "甬江机械有限公司"
    zone = factory.SubFactory("tests.factories.ZoneFactory")
    federation = factory.SelfAttribute("zone.federation")
    position = factory.LazyFunction(lambda: Point(121.43, 29.33, srid=4326))
    opens = datetime.time(9)
    closes = datetime.time(21)
    slot_minutes = 60
