"""Registration: places, the waiting list and its promotion with an expiry, approval, eligibility, quotas."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.actions import (
    Registrant,
    do_accept_offer,
    do_cancel_registration,
    do_decide_registration,
    do_register,
    do_set_quotas,
    expire_offer,
)
from events.choices import ActivityKind, RegistrationStatus
from events.models import Registration
from events.tasks import expire_offers
from tests import factories as f
from tests.events.factories import ActivityFactory
from unionhub.core.choices import Role
from unionhub.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

S = RegistrationStatus


def phone(n: int) -> str:
    return f"1390000{n:04d}"


def member(n: int, **fields):
    person = f.MemberFactory(**fields)
    person.set_phone(phone(n))
    person.save()
    return person


def register(activity, n: int, **fields) -> Registration:
    return do_register(activity, Registrant(phone=phone(n), name=f"工人{n}", **fields))


def status(registration) -> str:
    registration.refresh_from_db()
    return registration.status


def test_places_then_the_waiting_list_then_promotion_on_cancel():
    activity = ActivityFactory(capacity=2)
    first, second, third, fourth = (register(activity, n) for n in range(4))
    assert [r.status for r in (first, second, third, fourth)] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED]

    do_cancel_registration(second)

    assert status(third) == S.OFFERED and status(fourth) == S.WAITLISTED
    third.refresh_from_db()
    hours = (third.offer_expires_at - timezone.now()) / datetime.timedelta(hours=1)
    assert 23.9 < hours <= 24
    assert OutboxMessage.objects.filter(task_name="events.text_offer", args=[third.pk]).count() == 1

    do_accept_offer(third)
    assert status(third) == S.CONFIRMED


def test_an_offer_nobody_confirms_expires_and_passes_on_once():
    activity = ActivityFactory(capacity=1)
    holder, next_one, after = (register(activity, n) for n in range(3))
    do_cancel_registration(holder)
    assert status(next_one) == S.OFFERED

    later = timezone.now() + datetime.timedelta(hours=25)
    assert expire_offer(next_one.pk, now=later) is True
    assert expire_offer(next_one.pk, now=later) is False  # a rerun changes nothing
    assert (status(next_one), status(after)) == (S.EXPIRED, S.OFFERED)
    with pytest.raises(ValidationError):
        do_accept_offer(next_one)


def test_the_periodic_task_expires_only_offers_that_are_due():
    activity = ActivityFactory(capacity=1)
    holder, waiting = register(activity, 1), register(activity, 2)
    do_cancel_registration(holder)
    assert expire_offers.apply().get() == 0
    Registration.objects.filter(pk=waiting.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert expire_offers.apply().get() == 1
    assert expire_offers.apply().get() == 0
    assert status(waiting) == S.EXPIRED


def test_a_phone_registers_once_per_activity():
    activity = ActivityFactory()
    register(activity, 1)
    with pytest.raises(ValidationError) as refused:
        register(activity, 1)
    assert "phone" in refused.value.message_dict
    assert Registration.objects.count() == 1


def test_the_database_refuses_a_second_active_registration_of_a_phone():
    from django.db import IntegrityError, transaction

    activity = ActivityFactory()
    first = register(activity, 1)
    twin = Registration(activity=activity, name="x", status=S.WAITLISTED)
    twin.set_phone(phone(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    do_cancel_registration(first)
    assert register(activity, 1).status == S.CONFIRMED  # after cancelling, again


def test_registration_after_the_deadline_is_refused():
    activity = ActivityFactory(registration_closes_at=timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        do_register(activity, Registrant(phone=phone(1), name="李雷"), now=timezone.now() + datetime.timedelta(days=2))
    assert "activity" in refused.value.message_dict
    assert not Registration.objects.exists()


def test_approval_holds_the_place_and_a_refusal_frees_it():
    activity = ActivityFactory(capacity=1, needs_approval=True)
    chief = f.ZoneStaffFactory(zone=activity.zone, role=Role.ZONE_CHIEF).user
    pending, waiting = register(activity, 1), register(activity, 2)
    assert (pending.status, waiting.status) == (S.PENDING, S.WAITLISTED)

    with pytest.raises(ValidationError) as refused:
        do_decide_registration(pending, approve=False, actor=chief)
    assert "reason" in refused.value.message_dict

    do_decide_registration(pending, approve=False, reason="名额已满，优先一线职工", actor=chief)
    assert (status(pending), status(waiting)) == (S.REFUSED, S.OFFERED)
    do_accept_offer(waiting)
    assert status(waiting) == S.PENDING  # an offered place still needs approval
    do_decide_registration(waiting, approve=True, actor=chief)
    assert status(waiting) == S.CONFIRMED


def test_members_only_activities_check_the_phone_against_memberships():
    activity = ActivityFactory(members_only=True)
    with pytest.raises(ValidationError) as refused:
        register(activity, 1)
    assert "phone" in refused.value.message_dict
    person = member(2)
    registration = register(activity, 2)
    assert (registration.member, registration.member_union, registration.name) == (person, person.union, person.name)


def test_a_lapsed_membership_does_not_count():
    activity = ActivityFactory(members_only=True)
    member(1, status="lapsed")
    with pytest.raises(ValidationError):
        register(activity, 1)


def test_singles_only_activities_need_the_declaration():
    activity = ActivityFactory(kind=ActivityKind.MIXER, singles_only=True)
    with pytest.raises(ValidationError) as refused:
        register(activity, 1)
    assert "declared_single" in refused.value.message_dict
    assert register(activity, 1, declared_single=True).declared_single


def test_a_sector_activity_takes_members_of_that_sector_only():
    activity = ActivityFactory(members_only=True, sector="express_delivery")
    member(1, union=f.GrassrootsUnionFactory(sector="manufacturing"))
    member(2, union=f.GrassrootsUnionFactory(sector="express_delivery"))
    with pytest.raises(ValidationError):
        register(activity, 1)
    assert register(activity, 2).status == S.CONFIRMED


def test_the_age_range_is_read_from_the_id_number_at_the_activity_date():
    start = timezone.make_aware(datetime.datetime(2027, 6, 1, 9))
    activity = ActivityFactory(members_only=True, min_age=18, max_age=35, starts_at=start)
    turns_36_before = member(1)
    turns_36_before.set_id_number(f.id_number("19910531"))
    turns_36_before.save()
    still_35 = member(2)
    still_35.set_id_number(f.id_number("19910602"))
    still_35.save()

    with pytest.raises(ValidationError) as refused:
        register(activity, 1)
    assert "18–35" in refused.value.message_dict["phone"][0]
    assert register(activity, 2).status == S.CONFIRMED


def test_quotas_keep_places_per_union():
    activity = ActivityFactory(capacity=3, members_only=True)
    ours = f.GrassrootsUnionFactory(zone=activity.zone, federation=activity.federation)
    theirs = f.GrassrootsUnionFactory(zone=activity.zone, federation=activity.federation)
    none = f.GrassrootsUnionFactory(zone=activity.zone, federation=activity.federation)
    staff = f.UserFactory(is_superuser=True)
    do_set_quotas(activity, {ours: 1, theirs: 2}, actor=staff)
    member(1, union=ours)
    member(2, union=ours)
    member(3, union=theirs)
    member(4, union=none)

    assert register(activity, 1).status == S.CONFIRMED
    second_of_ours = register(activity, 2)
    assert second_of_ours.status == S.WAITLISTED  # our union's one place is taken, though two are left
    assert register(activity, 3).status == S.CONFIRMED
    with pytest.raises(ValidationError) as refused:
        register(activity, 4)
    assert "phone" in refused.value.message_dict


def test_promotion_skips_those_whose_union_quota_is_full():
    activity = ActivityFactory(capacity=2, members_only=True)
    ours = f.GrassrootsUnionFactory(zone=activity.zone, federation=activity.federation)
    theirs = f.GrassrootsUnionFactory(zone=activity.zone, federation=activity.federation)
    do_set_quotas(activity, {ours: 1, theirs: 1}, actor=f.UserFactory(is_superuser=True))
    for n, union in [(1, ours), (2, theirs), (3, ours), (4, theirs)]:
        member(n, union=union)
    _a, b, c, d = (register(activity, n) for n in (1, 2, 3, 4))
    assert [c.status, d.status] == [S.WAITLISTED, S.WAITLISTED]
    do_cancel_registration(b)
    assert (status(c), status(d)) == (S.WAITLISTED, S.OFFERED)


def test_no_promotion_once_the_activity_has_started():
    activity = ActivityFactory(capacity=1)
    holder, waiting = register(activity, 1), register(activity, 2)
    with pytest.raises(ValidationError):
        do_cancel_registration(holder, now=activity.starts_at + datetime.timedelta(minutes=1))
    assert (status(holder), status(waiting)) == (S.CONFIRMED, S.WAITLISTED)


def test_the_offer_is_texted_while_it_stands(settings):
    from events.tasks import text_offer
    from tests.sms import RecordingSms

    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    activity = ActivityFactory(capacity=1)
    holder, waiting = register(activity, 1), register(activity, 2)
    do_cancel_registration(holder)

    text_offer.apply(args=[waiting.pk])
    assert [number for number, _text in RecordingSms.sent] == [phone(2)]
    assert f"/activities/{activity.pk}/" in RecordingSms.sent[0][1]

    do_accept_offer(waiting)
    text_offer.apply(args=[waiting.pk])  # a late retry after the worker confirmed: nothing to say
    assert len(RecordingSms.sent) == 1
