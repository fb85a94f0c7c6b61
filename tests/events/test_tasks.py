"""Nightly and periodic activity tasks: the cadre-training figure, no-shows."""

import datetime

import pytest
from django.utils import timezone

from events.choices import ActivityKind, Attendance, RegistrationStatus
from events.tasks import record_no_shows, update_cadres_trained
from tests import factories as f
from tests.events.factories import ActivityFactory, RegistrationFactory
from zones.models import UnionIndicator

pytestmark = pytest.mark.django_db


def indicator(union):
    return UnionIndicator.objects.create(union=union, zone=union.zone, federation_path=union.federation_path)


def training(days_ago: int, kind=ActivityKind.TRAINING):
    start = timezone.now() - datetime.timedelta(days=days_ago)
    return ActivityFactory(kind=kind, starts_at=start, ends_at=start + datetime.timedelta(hours=3))


def attended(activity, cadre_of, phone: str, attendance=Attendance.ATTENDED):
    registration = RegistrationFactory(activity=activity, cadre_of=cadre_of, attendance=attendance)
    registration.set_phone(phone)
    registration.save()
    return registration


def test_cadres_trained_counts_distinct_cadres_who_attended_a_training_in_12_months():
    union, untrained, other = f.GrassrootsUnionFactory(), f.GrassrootsUnionFactory(), f.GrassrootsUnionFactory()
    rows = {u: indicator(u) for u in (union, untrained, other)}
    spring, autumn = training(200), training(30)
    attended(spring, union, "13900000001")
    attended(autumn, union, "13900000001")  # the same cadre twice counts once
    attended(autumn, union, "13900000002")
    attended(autumn, union, "13900000003", attendance=Attendance.NO_SHOW)
    attended(training(400), union, "13900000004")  # too long ago
    attended(training(30, kind=ActivityKind.LECTURE), union, "13900000005")  # not a training
    attended(autumn, None, "13900000006")  # not a cadre
    attended(autumn, other, "13900000007")

    update_cadres_trained.apply()
    update_cadres_trained.apply()  # set, never add

    figures = {u: UnionIndicator.objects.get(pk=row.pk).cadres_trained_12m for u, row in rows.items()}
    assert figures == {union: 2, untrained: 0, other: 1}


def test_confirmed_registrants_who_never_came_are_no_shows_once_the_activity_ended():
    past = training(1)
    came = RegistrationFactory(activity=past, attendance=Attendance.ATTENDED)
    stayed_away = RegistrationFactory(activity=past)
    waiting = RegistrationFactory(activity=past, status=RegistrationStatus.WAITLISTED)
    upcoming = RegistrationFactory()

    assert record_no_shows.apply().get() == 1
    assert record_no_shows.apply().get() == 0
    got = {r.pk: r.attendance for r in (came, stayed_away, waiting, upcoming) if not r.refresh_from_db()}
    assert got == {
        came.pk: Attendance.ATTENDED,
        stayed_away.pk: Attendance.NO_SHOW,
        waiting.pk: Attendance.UNKNOWN,
        upcoming.pk: Attendance.UNKNOWN,
    }
