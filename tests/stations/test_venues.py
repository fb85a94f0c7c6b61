"""Shared venues: a slot books once; the second booking is refused with a clear message, by the database too."""

import datetime
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.test import Client
from django.utils import timezone, translation

from members.choices import MemberStatus
from stations.choices import BookingStatus
from stations.models import Booking, VenueClosure
from stations.venues import do_book_venue, do_cancel_booking, do_check_in_booking, slots_of_day, usage_rate
from tests.factories import GrassrootsUnionFactory, MemberFactory
from tests.sms import RecordingSms
from tests.stations.factories import VenueFactory

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def at(hour: int, day: datetime.date = TOMORROW) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def venue():
    return VenueFactory()


@pytest.fixture
def union(venue):
    return GrassrootsUnionFactory(zone=venue.zone, federation=venue.federation)


def book(venue, hour, union, key="a" * 64):
    return do_book_venue(venue, at(hour), booker_key=key, booker_label="王*", union=union)


def test_a_day_has_the_venues_slots_and_a_booked_one_is_taken(venue, union):
    book(venue, 19, union)

    slots = slots_of_day(venue, TOMORROW)

    assert [slot.start.hour for slot in slots] == list(range(9, 21))
    assert [slot.start.hour for slot in slots if not slot.free] == [19]


def test_a_slot_books_once(venue, union):
    book(venue, 19, union)

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        book(venue, 19, union, key="b" * 64)

    assert "booked by someone else" in str(refused.value)
    assert Booking.objects.count() == 1


def test_the_database_refuses_overlapping_bookings_whoever_writes_them(venue, union):
    book(venue, 19, union)

    with pytest.raises(IntegrityError), transaction.atomic():
        overlapping = DateTimeTZRange(at(19) + datetime.timedelta(minutes=30), at(21))
        Booking.objects.create(venue=venue, during=overlapping, booker_key="c", booker_label="x")


@pytest.mark.django_db(transaction=True)
def test_two_members_pressing_book_at_once_get_one_booking():
    venue = VenueFactory()
    union = GrassrootsUnionFactory(zone=venue.zone, federation=venue.federation)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def press(key: str) -> None:
        start.wait()
        try:
            book(venue, 20, union, key=key)
            outcomes.append("booked")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # noqa: BLE001 - any other outcome (a deadlock, say) must show in the assertion
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(key * 64,)) for key in "xy"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked", "refused"]
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "field"),
    [
        (lambda: timezone.localtime() - datetime.timedelta(hours=1), "start"),  # in the past
        (lambda: at(19, TOMORROW + datetime.timedelta(days=30)), "start"),  # too far ahead
        (lambda: at(19) + datetime.timedelta(minutes=20), "start"),  # off the slot grid
        (lambda: at(21), "start"),  # after closing
    ],
)
def test_bad_slots_are_refused_field_by_field(venue, union, start, field):
    with pytest.raises(ValidationError) as refused:
        do_book_venue(venue, start(), booker_key="a", booker_label="王*", union=union)

    assert field in refused.value.message_dict
    assert not Booking.objects.exists()


def test_a_closed_period_cannot_be_booked(venue, union):
    VenueClosure.objects.create(venue=venue, during=DateTimeTZRange(at(18), at(21)), reason="场地维修")

    with pytest.raises(ValidationError):
        book(venue, 19, union)

    assert [s.closed for s in slots_of_day(venue, TOMORROW)][-3:] == [True, True, True]


def test_only_members_of_eligible_unions_book(venue, union):
    partner = GrassrootsUnionFactory(zone=venue.zone, federation=venue.federation)
    venue.eligible_unions.add(partner)

    with pytest.raises(ValidationError):
        book(venue, 19, union)
    book(venue, 19, partner)
    with pytest.raises(ValidationError):
        book(venue, 20, GrassrootsUnionFactory())  # another federation altogether


def test_cancelling_frees_the_slot_and_checking_in_waits_for_the_slot(venue, union):
    booking = book(venue, 19, union)
    with pytest.raises(ValidationError):
        do_check_in_booking(booking, booker_key="a" * 64)  # tomorrow: too early

    do_cancel_booking(booking, booker_key="a" * 64)
    again = book(venue, 19, union, key="b" * 64)

    assert again.status == BookingStatus.BOOKED


def test_checking_in_opens_with_the_slot(venue):
    start = timezone.localtime().replace(second=0, microsecond=0) + datetime.timedelta(minutes=10)
    during = DateTimeTZRange(start, start + datetime.timedelta(hours=1))
    booking = Booking.objects.create(venue=venue, during=during, booker_key="k", booker_label="x")

    do_check_in_booking(booking, booker_key="k")  # ten minutes early is fine

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN and booking.checked_in_at is not None


def test_the_usage_rate_is_booked_slots_over_open_slots(venue):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for hour, status in ((10, BookingStatus.CHECKED_IN), (11, BookingStatus.BOOKED), (12, BookingStatus.CANCELLED)):
        during = DateTimeTZRange(at(hour, yesterday), at(hour + 1, yesterday))
        Booking.objects.create(venue=venue, during=during, booker_key="k", booker_label="x", status=status)

    rate = usage_rate(venue, days=1)

    assert rate == {"booked": round(2 / 12, 3), "checked_in": 0.5}  # 12 slots a day; the cancelled one is free


def test_a_member_books_on_the_phone_and_a_second_member_is_told_the_slot_is_taken(venue, union, settings):
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    first, second = Client(), Client()
    for client, number in ((first, "13957464444"), (second, "13957465555")):
        member = MemberFactory(union=union, status=MemberStatus.ACTIVE)
        member.set_phone(number)
        member.save()
        client.post("/me/", {"phone": number})
        client.post("/me/", {"code": re.search(r"\d{6}", RecordingSms.sent[-1][1]).group()})

    anonymous = Client().post(f"/venues/{venue.pk}/", {"start": at(19).isoformat()})
    booked = first.post(f"/venues/{venue.pk}/?day={TOMORROW}", {"start": at(19).isoformat()})
    taken = second.post(f"/venues/{venue.pk}/?day={TOMORROW}", {"start": at(19).isoformat()})

    assert anonymous.status_code == 302 and "/me/?next=" in anonymous["Location"]
    assert booked.status_code == 302 and Booking.objects.count() == 1
    assert taken.status_code == 200 and 'id="booking-error"' in taken.content.decode()
    assert venue.name in first.get("/me/bookings/").content.decode()
