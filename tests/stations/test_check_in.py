"""Check-ins: counted once per phone per station per half hour, nothing personal kept, usage per station."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client

from stations.actions import device_hash, do_check_in
from stations.choices import Occupation
from stations.models import CheckIn
from stations.usage import usage_summary
from stations.views import DEVICE_COOKIE
from tests.factories import StationFactory, StationKeeperFactory
from tests.stations.factories import CheckInFactory
from unionhub.core.throttles import PublicFormThrottle

SHANGHAI = ZoneInfo("Asia/Shanghai")


def check_in(client: Client, station, occupation: str = Occupation.RIDER, member: str = "1"):
    return client.post(f"/s/{station.public_code}/check-in/", {"occupation": occupation, "is_member": member})


@pytest.mark.django_db
def test_a_phone_counts_once_per_half_hour():
    station = StationFactory()
    phone = Client()

    first = check_in(phone, station)
    second = check_in(phone, station)

    assert first.status_code == second.status_code == 302
    assert first["Location"].endswith("?checked=counted")
    assert second["Location"].endswith("?checked=already")
    assert CheckIn.objects.count() == 1
    assert check_in(Client(), station).status_code == 302  # another phone counts
    assert CheckIn.objects.count() == 2


@pytest.mark.django_db
def test_after_half_an_hour_the_same_phone_counts_again():
    station = StationFactory()
    start = datetime.datetime(2026, 12, 5, 2, 0, tzinfo=SHANGHAI)

    _, first = do_check_in(station, occupation=Occupation.COURIER, is_member=False, device_token="phone-1", at=start)
    _, soon = do_check_in(
        station, occupation=Occupation.COURIER, is_member=False, device_token="phone-1", at=start.replace(minute=29)
    )
    _, later = do_check_in(
        station, occupation=Occupation.COURIER, is_member=False, device_token="phone-1", at=start.replace(minute=30)
    )

    assert (first, soon, later) == (True, False, True)


@pytest.mark.django_db
def test_only_a_keyed_hash_of_the_phone_token_is_stored():
    station = StationFactory()
    phone = Client()

    check_in(phone, station)

    token = phone.cookies[DEVICE_COOKIE].value
    stored = CheckIn.objects.get()
    assert phone.cookies[DEVICE_COOKIE]["httponly"]
    assert token not in stored.device_hash
    assert stored.device_hash == device_hash(token)
    assert {f.name for f in CheckIn._meta.concrete_fields} == {
        "id", "station", "federation_path", "zone", "checked_in_at", "window", "occupation", "is_member", "device_hash",
    }  # fmt: skip


@pytest.mark.django_db
def test_a_check_in_without_an_occupation_is_refused_on_its_field():
    station = StationFactory()

    response = Client().post(f"/s/{station.public_code}/check-in/", {"is_member": "1"})

    assert response.status_code == 400
    assert "occupation" in response.context["form"].errors
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_check_in_posts_are_rate_limited(monkeypatch):
    monkeypatch.setattr(PublicFormThrottle, "THROTTLE_RATES", {"public-form": "2/min"})
    station = StationFactory()

    statuses = [check_in(Client(), station).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
    assert CheckIn.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_check_ins_from_one_phone_count_once():
    station = StationFactory()
    barrier = threading.Barrier(2)
    results = []

    def submit():
        try:
            barrier.wait()
            results.append(
                do_check_in(station, occupation=Occupation.RIDER, is_member=True, device_token="the-same-phone")[1]
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=str) == [False, True], results
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_usage_counts_by_shanghai_hour_weekday_and_occupation():
    station = StationFactory()
    saturday_2am = datetime.datetime(2026, 12, 5, 2, 10, tzinfo=SHANGHAI)
    CheckInFactory(station=station, checked_in_at=saturday_2am, occupation=Occupation.RIDER)
    CheckInFactory(station=station, checked_in_at=saturday_2am, occupation=Occupation.RIDER, is_member=False)
    CheckInFactory(station=station, checked_in_at=saturday_2am.replace(hour=14), occupation=Occupation.SANITATION)
    CheckInFactory(checked_in_at=saturday_2am)  # another station

    usage = usage_summary(station, now=saturday_2am + datetime.timedelta(days=1))

    assert (usage["total"], usage["members"]) == (3, 2)
    assert usage["by_hour"][2]["count"] == 2 and usage["by_hour"][14]["count"] == 1
    assert [row["count"] for row in usage["by_weekday"]] == [0, 0, 0, 0, 0, 3, 0]
    counts = {row["occupation"]: row["count"] for row in usage["by_occupation"]}
    assert counts[Occupation.RIDER] == 2 and counts[Occupation.SANITATION] == 1


@pytest.mark.django_db
def test_a_keeper_reads_their_station_usage_through_the_api(client_for):
    station = StationFactory()
    CheckInFactory(station=station)
    keeper = StationKeeperFactory(station=station).user

    response = client_for(keeper).get(f"/api/v1/stations/{station.pk}/usage/", {"days": 7})

    assert response.status_code == 200
    assert response.json()["total"] == 1
    assert client_for(keeper).get(f"/api/v1/stations/{station.pk}/usage/", {"days": 0}).status_code == 400


@pytest.mark.django_db
def test_the_database_refuses_an_overlapping_check_in_whoever_writes_it():
    from django.db import IntegrityError, transaction

    first = CheckInFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CheckInFactory(
            station=first.station,
            device_hash=first.device_hash,
            checked_in_at=first.checked_in_at + datetime.timedelta(minutes=10),
        )


@pytest.mark.django_db
def test_a_station_closed_for_now_takes_no_check_ins():
    from stations.choices import StationStatus

    station = StationFactory(status=StationStatus.SUSPENDED)

    response = check_in(Client(), station)

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_the_station_page_shows_a_holiday_today_instead_of_the_week():
    from django.utils import timezone

    from tests.stations.factories import OpeningExceptionFactory, OpeningPeriodFactory

    station = StationFactory()
    OpeningPeriodFactory(station=station, weekday=timezone.localdate().weekday())
    OpeningExceptionFactory(station=station, date=timezone.localdate())

    page = Client().get(f"/s/{station.public_code}/")

    assert page.context["today"] == []
    assert not page.context["is_open"]
