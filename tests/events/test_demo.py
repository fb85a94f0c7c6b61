"""The demo's activities: loaded once, and removed by the demo's wipe."""

import pytest

from events.models import Activity, ThemeSeries, UnionQuota
from unionhub.demo.loader import DEMO_ACTIVITY_TITLES, Loader, wipe

pytestmark = pytest.mark.django_db


def test_the_demo_has_three_activities_in_a_theme_and_wipe_removes_them():
    Loader(members=False).load()
    Loader(members=False).load()
    assert sorted(Activity.objects.values_list("title", flat=True)) == sorted(DEMO_ACTIVITY_TITLES)
    assert set(Activity.objects.values_list("series", flat=True)) == {ThemeSeries.objects.get().pk}
    assert sorted(UnionQuota.objects.values_list("places", flat=True)) == [40, 60]

    wipe()
    assert not Activity.objects.exists() and not ThemeSeries.objects.exists()


def test_the_demo_has_grievances_in_every_state_and_wipe_removes_them():
    from events.models import Grievance

    Loader(members=False).load()
    Loader(members=False).load()
    states = set(Grievance.objects.values_list("status", flat=True))
    assert states == {"submitted", "verified", "assigned", "in_progress", "resolved", "evaluated", "closed", "reopened"}
    assert Grievance.objects.filter(category="wage_arrears", status="submitted").count() == 1
    wipe()
    assert not Grievance.objects.exists()
