"""The demo's stations: every one has hours, amenities and a host; Haiyan has its nine 24-hour stations."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point

from stations.finder import nearest
from stations.hours import LocalMoment
from stations.models import CheckIn, Station
from unionhub.core.models import Federation
from unionhub.demo.demo_data import CHECK_IN_STATION, build_plan
from unionhub.demo.loader import Loader

HAIYAN = {"haiyan", "wuyuan", "wanghaijd"}


def test_haiyan_has_nine_stations_open_24_hours():
    haiyan = [s for s in build_plan().stations if s.federation in HAIYAN]

    assert sum(s.open_24h for s in haiyan) == 9
    assert len(haiyan) > 9


def test_every_station_says_when_it_opens_what_it_offers_and_who_hosts_it():
    for station in build_plan().stations:
        assert station.open_24h or station.hours, station.name
        assert station.amenities, station.name
        assert sum(is_host for _name, _kind, is_host in station.partners) == 1, station.name


def test_some_station_keeps_hours_past_midnight():
    assert any(overnight for s in build_plan().stations for _days, _opens, _closes, overnight in s.hours)


def test_the_station_with_check_ins_is_a_haiyan_24_hour_one():
    station = next(s for s in build_plan().stations if s.name == CHECK_IN_STATION)

    assert station.open_24h and station.federation in HAIYAN


@pytest.mark.django_db
def test_a_phone_in_haiyan_at_2_am_finds_a_24_hour_station_first():
    Loader(members=False).load()
    two_am = LocalMoment.of(datetime.datetime(2026, 12, 5, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    wuyuan_high_street = Point(120.930, 30.530, srid=4326)

    found = nearest(wuyuan_high_street, moment=two_am, limit=3)

    assert [station.open_24h for station in found] == [True, True, True]
    haiyan = Station.objects.filter(federation_path__startswith=Federation.objects.get(name="海盐县总工会").path)
    assert haiyan.filter(open_24h=True).count() == 9
    assert CheckIn.objects.filter(station__name=CHECK_IN_STATION).count() == 120
