"""Station upkeep: the keeper's weekly check; a failed or missed one becomes work in the zone's inbox, once."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from stations.choices import UpkeepItem
from stations.models import Station, UpkeepCheck
from stations.upkeep import do_record_upkeep_check, flag_missed_checks, monday_of
from tests.factories import StationFactory, StationKeeperFactory, ZoneStaffFactory
from tests.stations.factories import UpkeepCheckFactory
from unionhub.core.choices import Role
from unionhub.core.exceptions import OutOfScope
from unionhub.core.models import Notification
from zones.choices import WorkKind, WorkState
from zones.inbox import inbox_for
from zones.models import WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def station():
    return StationFactory(name="城南驿站")


@pytest.fixture
def keeper(station):
    return StationKeeperFactory(station=station).user


@pytest.fixture
def worker(station):
    return ZoneStaffFactory(zone=station.zone, role=Role.ZONE_SOCIAL_WORKER).user


def test_a_passed_check_raises_nothing(station, keeper, worker):
    check = do_record_upkeep_check(UpkeepCheck(station=station, failed=[]), actor=keeper)

    assert check.passed and check.week == monday_of(timezone.localdate())
    assert not WorkItem.objects.exists()


def test_a_failed_check_is_work_in_the_zone_workers_inbox(station, keeper, worker):
    do_record_upkeep_check(UpkeepCheck(station=station, failed=[UpkeepItem.WATER], note="饮水机坏了"), actor=keeper)

    item = WorkItem.objects.get()
    assert (item.kind, item.zone, item.state) == (WorkKind.STATION_CHECK, station.zone, WorkState.TODO)
    assert "城南驿站" in item.title and "饮水机坏了" in item.detail
    assert [entry.title for entry in inbox_for(worker)] == [item.title]
    assert Notification.objects.filter(recipient=worker, key=f"work-item:{item.pk}").exists()


def test_a_failed_check_says_what_is_wrong_and_an_expired_kit_fails(station, keeper):
    with pytest.raises(ValidationError) as refused:
        do_record_upkeep_check(UpkeepCheck(station=station, failed=[UpkeepItem.CLEAN]), actor=keeper)
    expired = timezone.localdate() - datetime.timedelta(days=1)
    check = do_record_upkeep_check(
        UpkeepCheck(station=station, first_aid_expires=expired, note="急救箱药品过期"), actor=keeper
    )

    assert "note" in refused.value.message_dict
    assert check.failed == [UpkeepItem.FIRST_AID]


def test_one_check_per_station_and_week(station, keeper):
    do_record_upkeep_check(UpkeepCheck(station=station), actor=keeper)

    with pytest.raises(ValidationError):
        do_record_upkeep_check(UpkeepCheck(station=station), actor=keeper)

    assert UpkeepCheck.objects.count() == 1


def test_a_keeper_checks_only_their_own_station(keeper):
    with pytest.raises(OutOfScope):
        do_record_upkeep_check(UpkeepCheck(station=StationFactory()), actor=keeper)


def test_missed_checks_raise_work_once_per_station_and_week(station, worker):
    monday = monday_of(timezone.localdate())
    Station.objects.filter(pk=station.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    checked = StationFactory(zone=station.zone, federation=station.federation)
    Station.objects.filter(pk=checked.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    UpkeepCheckFactory(station=checked, checked_at=timezone.now() - datetime.timedelta(days=7))
    StationFactory(zone=station.zone, federation=station.federation)  # new this week: not due yet

    assert flag_missed_checks(monday) == 1
    assert flag_missed_checks(monday) == 1  # a rerun finds it again but raises nothing new

    item = WorkItem.objects.get()
    assert "城南驿站" in item.title
    assert item.source_key == f"station-check-missed:{station.pk}:{(monday - datetime.timedelta(days=7)).isoformat()}"


def test_the_keeper_checks_on_the_phone(station, keeper, worker):
    client = Client()
    client.force_login(keeper)

    page = client.get("/m/stations/").content.decode()
    client.post(
        "/m/stations/", {"station": station.pk, "ok": ["water", "first_aid", "access", "clean"], "note": "微波炉不加热"}
    )

    assert "城南驿站" in page and 'name="ok"' in page
    check = UpkeepCheck.objects.get()
    assert check.failed == [UpkeepItem.MICROWAVE] and check.checked_by == keeper
    assert WorkItem.objects.filter(zone=station.zone).count() == 1
    assert "微波炉" in client.get("/m/stations/").content.decode()


def test_a_zone_worker_reads_checks_but_records_none(station, worker):
    client = Client()
    client.force_login(worker)

    refused = client.post("/m/stations/", {"station": station.pk, "ok": []})

    assert refused.status_code == 404
    assert not UpkeepCheck.objects.exists()
