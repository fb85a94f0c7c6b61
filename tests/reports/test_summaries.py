"""Every dashboard figure equals a direct count over the raw tables, for every month and every scope."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.choices import Attendance
from events.models import Activity, Grievance, Registration
from members.choices import HardshipStatus, MemberStatus, WorkForm
from members.hardship import budget_figures, with_figures
from members.hardship_models import HardshipBudget, HardshipCase
from members.models import Member
from stations.choices import StationStatus
from stations.models import CheckIn, Station
from unionhub.core.choices import Action
from unionhub.core.models import User
from unionhub.reports.dashboard import Compare, Period, Selection, summary
from unionhub.reports.models import MonthlyFigures, SummaryRefresh
from unionhub.reports.summaries import FLOWS, HISTORY_MONTHS, STOCKS, add_months, first_of_month, refresh
from zones.choices import FindingStatus
from zones.models import Finding, GrassrootsUnion, Visit, VisitPlanEntry, Zone
from zones.quarters import Quarter

pytestmark = pytest.mark.django_db

LEFT = [MemberStatus.TRANSFERRED, MemberStatus.LAPSED, MemberStatus.WITHDRAWN]
VIEWERS = ["admin", "ninghai_leader", "changjie_leader", "xidian_leader", "ningdong_chief", "ningbo_staff"]
MONTHS_CHECKED = 15


def midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def direct(user: User, month: datetime.date, current: datetime.date) -> dict[str, int | None]:
    """The month's figures counted straight from the raw tables, as the user may see them."""
    since, until = midnight(month), midnight(add_months(month, 1))
    end = add_months(month, 1) - datetime.timedelta(days=1)

    def scoped(model):
        return model.objects.restrict(user, Action.VIEW)

    active = (
        scoped(Member)
        .filter(joined_on__lte=end)
        .filter(Q(status=MemberStatus.ACTIVE) | Q(status__in=LEFT, left_on__gt=end))
    )
    plan = scoped(VisitPlanEntry).filter(quarter=str(Quarter.of(month)))
    figures: dict[str, int | None] = {
        "members_active": active.count(),
        "members_new": scoped(Member)
        .filter(joined_on__gte=month, joined_on__lte=end)
        .exclude(status=MemberStatus.APPLIED)
        .count(),
        "members_new_form": active.filter(work_form=WorkForm.NEW_FORM).count(),
        "visits": scoped(Visit).filter(visited_at__gte=since, visited_at__lt=until).count(),
        "plan_planned": plan.count(),
        "plan_visited": plan.filter(first_visit__visited_at__lt=until).count(),
        "findings_found": scoped(Finding).filter(created_at__gte=since, created_at__lt=until).count(),
        "findings_handled": scoped(Finding)
        .filter(status__in=[FindingStatus.RESOLVED, FindingStatus.CLOSED], closed_at__gte=since, closed_at__lt=until)
        .count(),
        "check_ins": scoped(CheckIn).filter(checked_in_at__gte=since, checked_in_at__lt=until).count(),
        "activities": scoped(Activity).filter(starts_at__gte=since, starts_at__lt=until).count(),
        "participants": scoped(Registration)
        .filter(attendance=Attendance.ATTENDED, activity__starts_at__gte=since, activity__starts_at__lt=until)
        .count(),
    }
    grievances = scoped(Grievance).filter(created_at__gte=since, created_at__lt=until)
    figures |= {
        "grievances_found": grievances.count(),
        "grievances_handled": grievances.exclude(first_resolved_at=None).count(),
        "grievances_on_time": grievances.filter(resolved_on_time=True).count(),
        "grievances_evaluated": grievances.exclude(rating=None).count(),
        "grievances_satisfied": grievances.filter(rating__gte=4).count(),
        "grievances_reopened": grievances.filter(reopen_count__gt=0).count(),
        "hardship_submitted": scoped(HardshipCase).filter(submitted_at__gte=since, submitted_at__lt=until).count(),
    }
    paid = scoped(HardshipCase).filter(
        status__in=[HardshipStatus.DISBURSED, HardshipStatus.CLOSED], disbursed_on__gte=month, disbursed_on__lte=end
    )
    figures["hardship_paid_cases"] = paid.count()
    figures["hardship_paid"] = paid.aggregate(total=Sum("amount_approved"))["total"] or 0
    if month == current:
        figures |= {
            "unions": scoped(GrassrootsUnion).filter(is_holding_pool=False).count(),
            "zones": scoped(Zone).count(),
            "stations": scoped(Station).count(),
            "stations_open": scoped(Station).filter(status=StationStatus.OPEN).count(),
        }
    return figures


def from_summary(user: User, month: datetime.date, current: datetime.date) -> dict[str, int | None]:
    names = FLOWS + (STOCKS if month == current else ())
    rows = MonthlyFigures.objects.restrict(user, Action.VIEW).filter(month=month)
    sums = rows.aggregate(**{name: Sum(name) for name in names})
    return {name: value or 0 for name, value in sums.items()}


@pytest.mark.parametrize("username", VIEWERS)
def test_every_figure_equals_a_direct_count_over_the_raw_tables(demo_figures, username):
    user = User.objects.get(username=username)
    current = first_of_month(timezone.localdate())
    for month in [add_months(current, -back) for back in range(MONTHS_CHECKED)]:
        assert from_summary(user, month, current) == direct(user, month, current), (username, f"{month:%Y-%m}")


def test_the_comparison_is_not_vacuous(demo_figures):
    """Each figure is non-zero somewhere in the demo's history, and the townships' figures differ."""
    admin = User.objects.get(username="admin")
    current = first_of_month(timezone.localdate())
    months = [add_months(current, -back) for back in range(MONTHS_CHECKED)]
    seen = {name for month in months for name, value in direct(admin, month, current).items() if value}
    assert seen == {*FLOWS, *STOCKS}
    changjie, xidian = (User.objects.get(username=name) for name in ["changjie_leader", "xidian_leader"])
    assert from_summary(changjie, current, current)["unions"] > 0
    assert from_summary(changjie, current, current) != from_summary(xidian, current, current)


def test_the_cards_show_the_summed_figures(demo_figures):
    leader = User.objects.get(username="ninghai_leader")
    current = first_of_month(timezone.localdate())
    period = Period(add_months(current, -2), current)
    cards = {card["key"]: card["value"] for card in summary(Selection(leader, period, Compare.NONE))["cards"]}
    months = [direct(leader, add_months(current, -back), current) for back in range(3)]
    assert cards["members"] == months[0]["members_active"]
    assert cards["members_new"] == sum(m["members_new"] for m in months)
    assert cards["visits"] == sum(m["visits"] for m in months)
    assert cards["findings_handled"] == sum(m["findings_handled"] for m in months)
    assert cards["check_ins"] == sum(m["check_ins"] for m in months)
    assert cards["participants"] == sum(m["participants"] for m in months)
    assert cards["unions"] == months[0]["unions"]
    assert cards["stations"] == months[0]["stations"]
    planned, visited = months[0]["plan_planned"], months[0]["plan_visited"]
    assert cards["visited_percent"] == round(100 * visited / planned, 1)
    for name in [
        "grievances_found",
        "grievances_handled",
        "grievances_on_time",
        "grievances_evaluated",
        "grievances_satisfied",
        "grievances_reopened",
        "hardship_paid_cases",
        "hardship_submitted",
    ]:
        assert cards[name] == sum(m[name] for m in months), name
    assert cards["hardship_paid"] == float(sum(m["hardship_paid"] for m in months))


@pytest.mark.parametrize("username", VIEWERS)
def test_the_budget_cards_equal_the_outermost_budgets_in_scope(demo_figures, username):
    """The year's budget, spent and remaining: the user's outermost budgets, worked out from the cases."""
    user = User.objects.get(username=username)
    current = first_of_month(timezone.localdate())
    budgets = list(with_figures(HardshipBudget.objects.restrict(user, Action.VIEW).filter(year=current.year)))
    outermost = [
        b for b in budgets
        if not any(o.pk != b.pk and b.federation_path.startswith(o.federation_path) for o in budgets)
    ]  # fmt: skip
    figures = [budget_figures(b) for b in outermost]
    cards = {card["key"]: card["value"] for card in summary(Selection(user, Period(current, current)))["cards"]}
    if not figures:
        assert cards["hardship_budget"] is None and cards["hardship_remaining"] is None
        return
    assert cards["hardship_budget"] == float(sum(b.amount for b in figures))
    assert cards["hardship_spent"] == float(sum(b.spent for b in figures))
    assert cards["hardship_remaining"] == float(sum(b.remaining for b in figures))


def test_a_zone_workers_cards_show_no_budget_but_their_zones_aid(demo_figures):
    chief = User.objects.get(username="ningdong_chief")
    current = first_of_month(timezone.localdate())
    cards = {card["key"]: card["value"] for card in summary(Selection(chief, Period(current, current)))["cards"]}
    assert cards["hardship_budget"] is None, "budgets are for federation staff and leadership"
    assert cards["hardship_paid"] == float(direct(chief, current, current)["hardship_paid"])


def test_a_refresh_picks_up_new_rows_in_the_current_month(demo_figures):
    leader = User.objects.get(username="ninghai_leader")
    current = first_of_month(timezone.localdate())
    before = from_summary(leader, current, current)["members_new"]
    member = Member.objects.filter(federation_path__startswith=leader.federation.path).first()
    Member.objects.filter(pk=member.pk).update(joined_on=timezone.localdate(), status=MemberStatus.ACTIVE)
    run = refresh()
    assert run.months == [add_months(current, -1), current]
    assert from_summary(leader, current, current) == direct(leader, current, current)
    assert from_summary(leader, current, current)["members_new"] >= before


def test_the_dashboards_figures_are_kept_per_scope_until_the_next_refresh(demo_figures):
    """What a selection works out is cached under the refresh and the scope: a neighbour's figures
    never come from another township's entry, a second look reads no summary rows, and a
    refresh shows new rows at once."""
    changjie, xidian = (User.objects.get(username=name) for name in ["changjie_leader", "xidian_leader"])
    current = first_of_month(timezone.localdate())

    def cards(user: User) -> dict:
        return {card["key"]: card["value"] for card in summary(Selection(user, Period(current, current)))["cards"]}

    first = cards(changjie)
    assert cards(xidian) != first
    with CaptureQueriesContext(connection) as again:
        assert cards(changjie) == first
    assert not [q for q in again.captured_queries if "reports_monthlyfigures" in q["sql"]]
    member = Member.objects.filter(federation_path__startswith=changjie.federation.path, joined_on__lt=current).first()
    Member.objects.filter(pk=member.pk).update(joined_on=timezone.localdate(), status=MemberStatus.ACTIVE)
    refresh()
    assert cards(changjie)["members_new"] == first["members_new"] + 1


def test_past_months_keep_the_stocks_recorded_while_they_were_current(demo_figures):
    current = first_of_month(timezone.localdate())
    previous = add_months(current, -1)
    row = MonthlyFigures.objects.filter(month=previous).first()
    MonthlyFigures.objects.filter(pk=row.pk).update(unions=7)
    refresh()
    assert MonthlyFigures.objects.get(month=previous, federation_path=row.federation_path, zone=row.zone_id).unions == 7
    refresh(full=True)
    assert MonthlyFigures.objects.get(month=previous, federation_path=row.federation_path, zone=row.zone_id).unions == 7


def test_a_full_rebuild_covers_the_history_and_is_logged(demo_figures):
    run = refresh(full=True)
    current = first_of_month(timezone.localdate())
    assert run.full and len(run.months) == HISTORY_MONTHS and run.months[-1] == current
    assert SummaryRefresh.objects.order_by("-finished_at").first() == run
    assert not MonthlyFigures.objects.filter(month__lt=run.months[0]).exists()


def test_beat_runs_the_refresh_every_five_minutes_and_the_rebuild_nightly(db):
    from django.conf import settings
    from django_celery_beat.models import PeriodicTask

    from unionhub.core.beat import ensure_default_schedules

    ensure_default_schedules()
    tasks = dict(PeriodicTask.objects.values_list("task", "name"))
    assert "reports.refresh_dashboard_figures" in tasks and "reports.rebuild_dashboard_figures" in tasks
    refresh_every = settings.UNIONHUB_BEAT_SCHEDULE[tasks["reports.refresh_dashboard_figures"]]["schedule"]
    assert refresh_every <= 300


def test_the_tasks_write_the_summary(demo_figures):
    from unionhub.reports.tasks import rebuild_dashboard_figures, refresh_dashboard_figures

    assert refresh_dashboard_figures.apply().get() > 0
    assert rebuild_dashboard_figures.apply().get() == MonthlyFigures.objects.count()
