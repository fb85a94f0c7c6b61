"""Working days: Monday to Friday, minus public holidays, plus make-up workdays, from the calendar data."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from events import working_days
from events.models import WorkingDay

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def calendar(db):
    """The 2025–2027 calendar, as migration 0003 loads it (a transactional test elsewhere may have flushed it)."""
    working_days.load_calendar()


def test_the_calendar_for_2025_to_2027_comes_from_the_data_file():
    assert WorkingDay.objects.get(date=D(2025, 10, 1)).kind == "holiday"
    assert WorkingDay.objects.get(date=D(2025, 10, 11)).kind == "workday"  # a make-up Saturday
    assert WorkingDay.objects.get(date=D(2026, 2, 14)).kind == "workday"
    assert working_days.year_is_known(2025) and working_days.year_is_known(2026)
    # 2027 holds the statutory days only, until someone checks them against the State Council notice.
    assert not working_days.year_is_known(2027)


def test_five_working_days_across_national_day_and_its_make_up_saturday():
    # Tuesday 30 September 2025; 1–8 October off; Saturday 11 October is worked.
    assert working_days.add(D(2025, 9, 30), 5) == D(2025, 10, 14)
    assert [working_days.add(D(2025, 9, 30), n) for n in (1, 2, 3, 4)] == [
        D(2025, 10, 9),
        D(2025, 10, 10),
        D(2025, 10, 11),
        D(2025, 10, 13),
    ]


def test_a_make_up_sunday_counts_and_a_plain_weekend_does_not():
    assert working_days.add(D(2025, 9, 26), 1) == D(2025, 9, 28)  # Friday → the make-up Sunday
    assert working_days.add(D(2025, 9, 19), 1) == D(2025, 9, 22)  # Friday → Monday


def test_without_calendar_rows_only_weekends_are_off():
    WorkingDay.objects.filter(date__year=2025).delete()
    assert working_days.add(D(2025, 9, 30), 5) == D(2025, 10, 7)


def test_the_spring_festival_week_is_skipped_in_one_go():
    # Friday 13 February 2026; 15–23 February off; Saturday 14 February is worked.
    assert working_days.add(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert working_days.add(D(2026, 2, 13), 2) == D(2026, 2, 24)


def test_between_counts_working_days_from_the_first_up_to_the_last():
    assert working_days.between(D(2025, 9, 30), D(2025, 10, 14)) == 5
    assert working_days.between(D(2025, 10, 14), D(2025, 10, 14)) == 0
    assert working_days.between(D(2025, 10, 14), D(2025, 10, 1)) == 0


def test_counted_since_is_the_latest_start_with_enough_working_days_between():
    # Across National Day 2025 (1-8 October off, Saturday 11 October worked) and plain weekends.
    for end in [D(2025, 10, 9), D(2025, 10, 13), D(2025, 10, 22), D(2026, 2, 24)]:
        for n in [1, 3, 5, 15]:
            start = working_days.counted_since(end, n)
            assert working_days.between(start, end) >= n
            assert working_days.between(start + datetime.timedelta(days=1), end) < n
    assert working_days.counted_since(D(2025, 10, 9), 1) == D(2025, 9, 30)


def test_due_at_is_the_end_of_the_last_working_day_in_local_time():
    start = timezone.make_aware(datetime.datetime(2025, 9, 30, 10, 0))
    due = timezone.localtime(working_days.due_at(start, 5))
    assert (due.date(), due.hour, due.minute) == (D(2025, 10, 14), 23, 59)


def test_loading_the_calendar_twice_changes_nothing():
    before = WorkingDay.objects.count()
    working_days.load_calendar()
    working_days.load_calendar()
    assert WorkingDay.objects.count() == before
