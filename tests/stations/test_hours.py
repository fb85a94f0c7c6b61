"""Opening hours are evaluated in Asia/Shanghai: weekly periods, 24 hours, past midnight, holidays."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from stations.choices import StationStatus
from stations.hours import LocalMoment, Span, check_no_overlap, open_at
from stations.models import OpeningPeriod, Station
from tests.factories import StationFactory
from tests.stations.factories import OpeningExceptionFactory, OpeningPeriodFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-12-04 is a Friday; 2026-12-05 a Saturday.
FRIDAY, SATURDAY = datetime.date(2026, 12, 4), datetime.date(2026, 12, 5)


def at(day: datetime.date, hour: int, minute: int = 0) -> LocalMoment:
    return LocalMoment.of(datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI))


def is_open(station: Station, moment: LocalMoment) -> bool:
    return Station.objects.filter(pk=station.pk).filter(open_at(moment)).exists()


@pytest.fixture
def daytime():
    station = StationFactory()
    OpeningPeriodFactory(station=station, weekday=FRIDAY.weekday(), opens=datetime.time(8), closes=datetime.time(18))
    return station


@pytest.fixture
def night():
    """Friday 20:00 to Saturday 02:00."""
    station = StationFactory()
    OpeningPeriodFactory(
        station=station, weekday=FRIDAY.weekday(), opens=datetime.time(20), closes=datetime.time(2), overnight=True
    )
    return station


def test_a_moment_is_read_on_a_shanghai_clock():
    utc_evening = datetime.datetime(2026, 12, 4, 18, 30, tzinfo=datetime.UTC)  # 02:30 Saturday in Shanghai

    moment = LocalMoment.of(utc_evening)

    assert (moment.date, moment.time, moment.weekday) == (SATURDAY, datetime.time(2, 30), 5)


def test_a_daytime_period_covers_its_hours_only(daytime):
    assert is_open(daytime, at(FRIDAY, 8))
    assert is_open(daytime, at(FRIDAY, 17, 59))
    assert not is_open(daytime, at(FRIDAY, 18))
    assert not is_open(daytime, at(FRIDAY, 7, 59))
    assert not is_open(daytime, at(SATURDAY, 12))


def test_a_period_past_midnight_runs_into_the_next_day(night):
    assert is_open(night, at(FRIDAY, 23))
    assert is_open(night, at(SATURDAY, 1, 59))
    assert not is_open(night, at(SATURDAY, 2))
    assert not is_open(night, at(FRIDAY, 19))


def test_a_sunday_night_period_runs_into_monday():
    station = StationFactory()
    OpeningPeriodFactory(station=station, weekday=6, opens=datetime.time(22), closes=datetime.time(6), overnight=True)

    assert is_open(station, at(datetime.date(2026, 12, 7), 5))  # Monday 05:00


def test_a_24_hour_station_is_open_at_2_am():
    station = StationFactory(open_24h=True)

    assert is_open(station, at(SATURDAY, 2))


def test_a_suspended_station_is_never_open():
    station = StationFactory(open_24h=True, status=StationStatus.SUSPENDED)

    assert not is_open(station, at(SATURDAY, 2))


def test_a_holiday_closes_a_day_even_for_a_24_hour_station():
    station = StationFactory(open_24h=True)
    OpeningExceptionFactory(station=station, date=SATURDAY)

    assert not is_open(station, at(SATURDAY, 12))
    assert is_open(station, at(FRIDAY, 12))


def test_an_exception_with_hours_replaces_the_week_for_that_date(daytime):
    OpeningExceptionFactory(station=daytime, date=FRIDAY, opens=datetime.time(10), closes=datetime.time(12))

    assert is_open(daytime, at(FRIDAY, 11))
    assert not is_open(daytime, at(FRIDAY, 9))


def test_a_holiday_lets_the_night_before_run_until_it_closes(night):
    OpeningExceptionFactory(station=night, date=SATURDAY)

    assert is_open(night, at(SATURDAY, 1))
    assert not is_open(night, at(SATURDAY, 21))


def test_an_exception_on_the_night_before_replaces_its_spill(night):
    OpeningExceptionFactory(station=night, date=FRIDAY)  # closed on Friday: no night from Friday

    assert not is_open(night, at(SATURDAY, 1))


def spans(*periods):
    return [Span(day, datetime.time(a), datetime.time(b), overnight) for day, a, b, overnight in periods]


def test_periods_that_overlap_are_refused_naming_both():
    with pytest.raises(ValidationError) as refused:
        check_no_overlap(spans((0, 8, 12, False), (0, 11, 18, False)))

    assert "periods" in refused.value.message_dict
    assert refused.value.error_dict["periods"][0].code == "overlap"


def test_a_night_period_overlapping_the_next_morning_is_refused():
    with pytest.raises(ValidationError):
        check_no_overlap(spans((4, 20, 2, True), (5, 1, 9, False)))


def test_a_sunday_night_period_overlapping_monday_morning_is_refused():
    with pytest.raises(ValidationError):
        check_no_overlap(spans((6, 22, 6, True), (0, 5, 12, False)))


def test_touching_periods_are_fine():
    check_no_overlap(spans((0, 8, 12, False), (0, 12, 18, False), (0, 18, 8, True), (1, 8, 12, False)))


def test_a_period_that_ends_before_it_starts_is_refused_unless_past_midnight():
    period = OpeningPeriod(station=StationFactory(), weekday=0, opens=datetime.time(18), closes=datetime.time(8))

    with pytest.raises(ValidationError) as refused:
        period.full_clean()
    assert refused.value.error_dict["closes"][0].code == "ends_before_start"

    period.overnight = True
    period.full_clean()


def test_the_week_as_minutes_merges_touching_periods_and_splits_sunday_night():
    from stations.hours import week_ranges

    monday_day = (8 * 60, 18 * 60)
    sunday_night = [(0, 6 * 60), (6 * 1440 + 22 * 60, 7 * 1440)]

    ranges = week_ranges(spans((0, 8, 12, False), (0, 12, 18, False), (6, 22, 6, True)))

    assert ranges == [sunday_night[0], monday_day, sunday_night[1]]


def test_the_actions_keep_week_minutes_in_step_with_the_periods():
    from stations.actions import do_delete_station_part, do_set_opening_hours
    from tests.factories import RoleAssignmentFactory
    from unionhub.core.choices import Role

    station = StationFactory()
    staff = RoleAssignmentFactory(role=Role.FEDERATION_STAFF, federation=station.federation).user
    sunday_night = OpeningPeriod(weekday=6, opens=datetime.time(22), closes=datetime.time(6), overnight=True)

    do_set_opening_hours(station, open_24h=False, periods=[sunday_night], exceptions=[], actor=staff)

    station.refresh_from_db()
    assert station.week_minutes == [(0, 360), (6 * 1440 + 22 * 60, 7 * 1440)]
    assert is_open(station, at(datetime.date(2026, 12, 7), 5))  # Monday 05:00, through week_minutes

    do_delete_station_part(station.periods.get(), actor=staff)

    station.refresh_from_db()
    assert station.week_minutes is None
    assert not is_open(station, at(datetime.date(2026, 12, 7), 5))


def test_the_bulk_fill_of_week_minutes_matches_sync_week():
    from stations.actions import fill_week_minutes

    station = StationFactory()
    OpeningPeriodFactory(station=station, weekday=0, opens=datetime.time(8), closes=datetime.time(12))
    OpeningPeriodFactory(station=station, weekday=0, opens=datetime.time(12), closes=datetime.time(18))
    OpeningPeriodFactory(station=station, weekday=6, opens=datetime.time(22), closes=datetime.time(6), overnight=True)
    station.refresh_from_db()
    synced = station.week_minutes
    Station.objects.update(week_minutes=None)

    assert fill_week_minutes() == 1

    station.refresh_from_db()
    assert station.week_minutes == synced == [(0, 360), (480, 1080), (9960, 10080)]
