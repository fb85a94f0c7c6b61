"""Zone evaluation (依法 / 履职 / 创优): scores from the data, editable weights, a ranking, the bonus list."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.worlds import actor, build_world
from unionhub.core.choices import Role
from unionhub.core.models import Federation
from unionhub.reports import evaluation
from unionhub.reports.models import EvaluationScheme
from zones.models import Zone, ZoneStaff
from zones.quarters import Quarter

pytestmark = pytest.mark.django_db


def test_zones_are_scored_ranked_and_the_best_zones_workers_listed(demo_figures):
    ninghai = Federation.objects.get(name="宁海县总工会")
    quarter = Quarter.current()
    scores = evaluation.evaluate(ninghai, quarter)
    zones = Zone.objects.filter(federation_path__startswith=ninghai.path)
    assert {s.zone_id for s in scores} <= set(zones.values_list("id", flat=True))
    assert [s.rank for s in scores] == list(range(1, len(scores) + 1))
    assert all(0 <= s.total <= 100 for s in scores)
    assert [s.total for s in scores] == sorted((s.total for s in scores), reverse=True)
    for score in scores:
        for key, _label, indicators in evaluation.DIMENSIONS:
            values = [score.indicators[name] for name, _l in indicators if score.indicators[name] is not None]
            if values:
                assert min(values) - 0.1 <= score.dimensions[key] <= max(values) + 0.1
    scheme = evaluation.scheme_for(ninghai)
    best = [s for s in scores if s.total > 0][: scheme.bonus_zones]
    listed = evaluation.bonus_list(scores, scheme)
    workers = ZoneStaff.objects.filter(zone_id__in=[s.zone_id for s in best], user__is_active=True).count()
    assert len(listed) == workers and all(row["amount"] == 500 for row in listed)


def test_weights_change_the_ranking_inputs_and_a_township_inherits_its_countys(demo_figures):
    ninghai = Federation.objects.get(name="宁海县总工会")
    township = Federation.objects.get(name="长街镇总工会")
    EvaluationScheme.objects.create(federation=ninghai, weights={"lawful": 100, "duty": 0, "excellence": 0})
    scheme = evaluation.scheme_for(township)
    assert scheme.federation == ninghai
    for score in evaluation.evaluate(ninghai, Quarter.current()):
        assert score.total == (score.dimensions["lawful"] or 0.0)


def test_staff_edit_the_weights_and_leadership_only_reads():
    world = build_world("甲", 121.40)
    staff, leader = Client(), Client()
    staff.force_login(actor(world, Role.FEDERATION_STAFF))
    leader.force_login(actor(world, Role.LEADERSHIP))
    url = f"/dashboard/evaluation/?node={world.federation.pk}&quarter=2026Q3"
    assert 'name="lawful"' not in leader.get(url).content.decode()
    data = {**evaluation.DEFAULT_WEIGHTS, "lawful": 50, "bonus_zones": 2, "bonus_amount": 500}
    assert leader.post(url, data).status_code == 403
    assert staff.post(url, data).status_code == 302
    assert EvaluationScheme.objects.get(federation=world.federation).weights["lawful"] == 50
    other = build_world("乙", 121.60)
    assert staff.get(f"/dashboard/evaluation/?node={other.federation.pk}").status_code == 404
    zone_chief = Client()
    zone_chief.force_login(actor(world, Role.ZONE_CHIEF))
    assert zone_chief.get("/dashboard/evaluation/").status_code == 403


def test_on_time_handling_and_satisfaction_of_grievances_are_scored_and_weighted(demo_figures):
    """The zone's grievance indicators are its on-time and satisfied shares; a weight of 0 leaves them out."""
    from events.models import Grievance
    from unionhub.reports.quarterly import quarter_period
    from unionhub.reports.summaries import add_months, local_midnight

    ninghai = Federation.objects.get(name="宁海县总工会")
    quarter = Quarter.current()
    zone = Zone.objects.get(name="宁东片区")
    score = next(s for s in evaluation.evaluate(ninghai, quarter) if s.zone_id == zone.pk)
    period = quarter_period(quarter)
    grievances = Grievance.objects.filter(
        zone=zone,
        created_at__gte=local_midnight(period.first),
        created_at__lt=local_midnight(add_months(period.last, 1)),
    )
    handled, evaluated = grievances.exclude(first_resolved_at=None).count(), grievances.exclude(rating=None).count()
    on_time, satisfied = grievances.filter(resolved_on_time=True).count(), grievances.filter(rating__gte=4).count()
    expected_on_time = round(100 * on_time / handled, 1) if handled else None
    expected_satisfied = round(100 * satisfied / evaluated, 1) if evaluated else None
    assert score.indicators["grievances_on_time"] == expected_on_time
    assert score.indicators["grievance_satisfaction"] == expected_satisfied
    assert handled or evaluated, "the fixture gives 宁东片区 grievances this quarter"

    scheme = evaluation.scheme_for(ninghai)
    scheme.weights = {**evaluation.DEFAULT_WEIGHTS, "grievances_on_time": 0, "grievance_satisfaction": 0}
    unweighted = next(s for s in evaluation.evaluate(ninghai, quarter, scheme) if s.zone_id == zone.pk)
    others = {"findings_handled", "work_on_time", "visits_per_union"}
    expected = evaluation._weighted({k: unweighted.indicators[k] for k in others}, evaluation.weights_of(scheme))
    assert unweighted.dimensions["duty"] == expected
