"""Staff create activities: the organiser decides the scope columns; bad input is refused field by field."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.actions import do_save_activity, do_set_quotas
from events.choices import ActivityKind, Organiser
from events.models import Activity, UnionQuota
from tests import factories as f
from tests.events.factories import ActivityFactory, ThemeSeriesFactory
from unionhub.core.choices import Role
from unionhub.core.exceptions import OutOfScope

pytestmark = pytest.mark.django_db


def staff_of(federation):
    user = f.UserFactory(federation=federation)
    f.RoleAssignmentFactory(user=user, federation=federation, role=Role.FEDERATION_STAFF)
    return user


def chief_of(zone):
    return f.ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user


def new_activity(**fields):
    start = timezone.now() + datetime.timedelta(days=3)
    values = {
        "title": "安全生产宣讲",
        "kind": ActivityKind.LECTURE,
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=2),
        "capacity": 30,
        **fields,
    }
    return Activity(**values)


def errors_of(activity, actor):
    with pytest.raises(ValidationError) as refused:
        do_save_activity(activity, actor=actor)
    return refused.value.message_dict


def test_a_union_activity_carries_its_union_zone_and_federation():
    union = f.GrassrootsUnionFactory()
    station = f.StationFactory(zone=union.zone, federation=union.federation)
    activity = do_save_activity(
        new_activity(organiser=Organiser.UNION, union=union, station=station), actor=staff_of(union.federation)
    )
    assert (activity.union, activity.zone, activity.federation) == (union, union.zone, union.federation)
    assert activity.federation_path == union.federation_path


def test_a_federation_activity_drops_zone_and_union():
    union = f.GrassrootsUnionFactory()
    activity = do_save_activity(
        new_activity(
            organiser=Organiser.FEDERATION,
            federation=union.federation,
            union=union,
            address="宁海县体育馆",
            position=Point(121.43, 29.3, srid=4326),
        ),
        actor=staff_of(union.federation),
    )
    assert (activity.zone, activity.union, activity.federation_path) == (None, None, union.federation.path)


def test_a_zone_chief_organises_in_their_zone_but_not_for_the_federation():
    station = f.StationFactory()
    chief = chief_of(station.zone)
    ours = do_save_activity(new_activity(organiser=Organiser.ZONE, zone=station.zone, station=station), actor=chief)
    assert ours.pk
    with pytest.raises(OutOfScope):
        do_save_activity(
            new_activity(organiser=Organiser.FEDERATION, federation=station.federation, station=station), actor=chief
        )
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ends_at": timezone.now()}, "ends_at"),
        ({"capacity": -1}, "capacity"),
        ({"capacity": 0}, "capacity"),
        ({"registration_closes_at": timezone.now() + datetime.timedelta(days=30)}, "registration_closes_at"),
        ({"station": None}, "address"),
        ({"station": None, "address": "宁海县体育馆"}, "position"),
        ({"min_age": 40, "max_age": 30, "members_only": True}, "max_age"),
        ({"min_age": 18}, "members_only"),
        ({"sector": "express_delivery"}, "members_only"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(fields, field):
    station = f.StationFactory()
    activity = new_activity(organiser=Organiser.ZONE, zone=station.zone, station=station)
    for name, value in fields.items():
        setattr(activity, name, value)
    assert field in errors_of(activity, staff_of(station.federation))
    assert not Activity.objects.exists()


def test_an_organiser_must_be_chosen_for_its_level():
    station = f.StationFactory()
    activity = new_activity(organiser=Organiser.UNION, station=station)
    assert "union" in errors_of(activity, staff_of(station.federation))


def test_a_series_of_another_federation_is_refused():
    station = f.StationFactory()
    activity = new_activity(organiser=Organiser.ZONE, zone=station.zone, station=station, series=ThemeSeriesFactory())
    assert "series" in errors_of(activity, staff_of(station.federation))


def test_quotas_split_places_and_may_not_exceed_the_capacity():
    activity = ActivityFactory(capacity=1000)
    staff = staff_of(activity.federation)
    one, two = (f.GrassrootsUnionFactory(zone=activity.zone, federation=activity.federation) for _ in range(2))
    do_set_quotas(activity, {one: 600, two: 400}, actor=staff)
    assert dict(UnionQuota.objects.values_list("union", "places")) == {one.pk: 600, two.pk: 400}

    with pytest.raises(ValidationError) as refused:
        do_set_quotas(activity, {one: 700, two: 400}, actor=staff)
    assert "1100" in refused.value.message_dict["quotas"][0]
    assert dict(UnionQuota.objects.values_list("union", "places")) == {one.pk: 600, two.pk: 400}

    activity.capacity = 900
    with pytest.raises(ValidationError) as refused:
        do_save_activity(activity, actor=staff)
    assert "capacity" in refused.value.message_dict
    assert Activity.objects.get().capacity == 1000

    do_set_quotas(activity, {one: 500}, actor=staff)
    assert dict(UnionQuota.objects.values_list("union", "places")) == {one.pk: 500}


def test_quotas_for_unions_out_of_sight_are_refused():
    activity = ActivityFactory()
    elsewhere = f.GrassrootsUnionFactory()  # another county
    with pytest.raises(ValidationError):
        do_set_quotas(activity, {elsewhere: 5}, actor=chief_of(activity.zone))
    assert not UnionQuota.objects.exists()
