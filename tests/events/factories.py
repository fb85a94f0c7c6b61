"""Factories for activities, their registrations, photos and monthly themes."""

from __future__ import annotations

import datetime
import itertools

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from events.choices import ActivityKind, Organiser, RegistrationStatus
from events.models import Activity, ActivityPhoto, Grievance, Registration, ThemeSeries
from tests.factories import StationFactory, jpeg_bytes
from unionhub.core import crypto

_phones = itertools.count(1)


class ThemeSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThemeSeries

    federation = factory.SubFactory("tests.factories.FederationFactory")
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    theme = "安全生产月"


class ActivityFactory(factory.django.DjangoModelFactory):
    """A zone's activity at one of its stations, next week, with ten places."""

    class Meta:
        model = Activity

    title = factory.Sequence(lambda n: f"职工活动{n}")
    kind = ActivityKind.LECTURE
    organiser = Organiser.ZONE
    station = factory.SubFactory(StationFactory)
    zone = factory.SelfAttribute("station.zone")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + datetime.timedelta(hours=2))
    capacity = 10


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration
        skip_postgeneration_save = True

    activity = factory.SubFactory(ActivityFactory)
    name = "周晓敏"
    status = RegistrationStatus.CONFIRMED

    @factory.post_generation
    def personal(obj, create, extracted, **kwargs):
        obj.set_phone(f"137{next(_phones) % 100000000:08d}")
        if create:
            obj.save()


class ActivityPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityPhoto

    activity = factory.SubFactory(ActivityFactory)
    image = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="photo.jpg"))
    thumbnail = factory.LazyFunction(lambda: ContentFile(jpeg_bytes((32, 24)), name="thumb.jpg"))


class GrievanceFactory(factory.django.DjangoModelFactory):
    """A wage-arrears grievance phoned in to the 12351 hotline, about a union in a zone, just submitted."""

    class Meta:
        model = Grievance

    category = "wage_arrears"
    description = "老板已经三个月没发工资了"
    union = factory.SubFactory("tests.factories.GrassrootsUnionFactory")
    zone = factory.SelfAttribute("union.zone")
    federation = factory.SelfAttribute("union.federation")
    submitter_name = "王师傅"
    phone_encrypted = factory.LazyFunction(lambda: crypto.encrypt("13800138000"))
    phone_hash = factory.LazyFunction(lambda: crypto.keyed_hash("13800138000"))
    phone_last4 = "8000"
