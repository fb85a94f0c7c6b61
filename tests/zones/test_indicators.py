"""Each union's anomaly indicators, recomputed nightly by one statement; member figures by the members layer."""

import datetime

import pytest
from django.utils import timezone

from members.tasks import update_union_member_figures
from tests.factories import FindingFactory, GrassrootsUnionFactory, MemberFactory, VisitFactory
from zones.indicators import compute_union_indicators
from zones.models import UnionIndicator

pytestmark = pytest.mark.django_db


def test_indicators_follow_the_documented_formula():
    neglected = GrassrootsUnionFactory()
    recent = GrassrootsUnionFactory()
    VisitFactory(union=recent, visited_at=timezone.now() - datetime.timedelta(days=45))
    for _ in range(6):
        FindingFactory(union=neglected)
    FindingFactory(union=recent, status="resolved")

    assert compute_union_indicators() == 2
    assert compute_union_indicators() == 2  # again: updated in place

    never = UnionIndicator.objects.get(union=neglected)
    assert (never.days_since_visit, never.open_findings, never.anomaly_index) == (None, 6, 100)
    seen = UnionIndicator.objects.get(union=recent)
    assert (seen.days_since_visit, seen.open_findings, seen.anomaly_index) == (45, 0, 15)


def test_a_union_whose_cadres_were_not_trained_scores_ten_more():
    untrained, unknown = GrassrootsUnionFactory(), GrassrootsUnionFactory()
    for union in (untrained, unknown):
        VisitFactory(union=union, visited_at=timezone.now() - datetime.timedelta(days=45))
    compute_union_indicators()
    UnionIndicator.objects.filter(union=untrained).update(cadres_trained_12m=0)  # as events.tasks writes it

    compute_union_indicators()

    assert UnionIndicator.objects.get(union=untrained).anomaly_index == 25
    assert UnionIndicator.objects.get(union=unknown).anomaly_index == 15  # not known yet: no penalty


def test_the_members_layer_fills_member_figures():
    union = GrassrootsUnionFactory(member_count=0)
    MemberFactory(union=union, joined_on=timezone.localdate() - datetime.timedelta(days=10))
    MemberFactory(union=union, joined_on=timezone.localdate() - datetime.timedelta(days=400))
    MemberFactory(union=union, status="lapsed")
    compute_union_indicators()

    update_union_member_figures()
    update_union_member_figures()

    union.refresh_from_db()
    assert union.member_count == 2
    assert UnionIndicator.objects.get(union=union).new_members_90d == 1
