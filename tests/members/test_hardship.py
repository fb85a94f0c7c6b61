"""Hardship aid (困难职工帮扶): the approval chain, the budgets, the nightly leads, and who sees what."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from members.choices import DisbursementMethod, HardshipReason, HardshipStatus, SuggestionSource, SuggestionStatus
from members.hardship import (
    budget_figures,
    do_accept_suggestion,
    do_approve_hardship_case,
    do_close_hardship_case,
    do_disburse_hardship_case,
    do_dismiss_suggestion,
    do_record_follow_up,
    do_refuse_hardship_case,
    do_review_hardship_case,
    do_save_hardship_case,
    do_set_budget,
    do_submit_hardship_case,
    flag_members_needing_help,
)
from members.hardship_models import HardshipBudget, HardshipCase, HardshipSuggestion
from members.models import Member
from members.tasks import flag_hardship_suggestions
from tests import factories as f
from unionhub.core.choices import Role
from unionhub.core.exceptions import OutOfScope
from unionhub.core.models import Notification, User
from zones.choices import FindingKind, ResourceCategory

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"  # a valid resident ID number (GB 11643 checksum)
YEAR = timezone.localdate().year


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no cached grants


@pytest.fixture
def world():
    union = f.GrassrootsUnionFactory(name="甬江街道联合工会")
    federation, zone = union.federation, union.zone
    member = f.MemberFactory(union=union, name="陈静")
    staff = f.RoleAssignmentFactory(federation=federation, role=Role.FEDERATION_STAFF).user
    leader = f.RoleAssignmentFactory(federation=federation, role=Role.LEADERSHIP).user
    worker = f.ZoneStaffFactory(zone=zone, role=Role.ZONE_SOCIAL_WORKER).user
    chair = f.UnionChairFactory(union=union).user
    budget = HardshipBudget.objects.create(federation=federation, year=YEAR, amount=Decimal("10000"))

    class World:
        pass

    w = World()
    w.union, w.federation, w.zone, w.member, w.budget = union, federation, zone, member, budget
    w.staff, w.leader, w.worker, w.chair = fresh(staff), fresh(leader), fresh(worker), fresh(chair)
    return w


def reviewed_case(w, amount="3000", member=None) -> HardshipCase:
    """A case the zone worker opened and submitted and staff reviewed: waiting for leadership."""
    case = do_save_hardship_case(
        HardshipCase(
            member=member or w.member,
            reason=HardshipReason.ILLNESS,
            description="丈夫确诊白血病，住院化疗",
            amount_requested=Decimal(amount),
        ),
        actor=w.worker,
    )
    do_submit_hardship_case(case, actor=w.worker)
    return do_review_hardship_case(case, actor=w.staff, note="材料齐全")


# --- The chain -------------------------------------------------------------------------------------


def test_a_case_goes_from_draft_to_closed_and_the_flag_follows_it(world):
    case = reviewed_case(world)
    assert case.status == HardshipStatus.REVIEWED
    assert (case.zone_id, case.union_id, case.federation_path) == (
        world.zone.pk,
        world.union.pk,
        world.member.federation_path,
    )

    case = do_approve_hardship_case(case, actor=world.leader)
    assert case.status == HardshipStatus.APPROVED and case.amount_approved == Decimal("3000")
    assert case.budget_year == YEAR and case.decided_by == world.leader
    assert Member.objects.get(pk=world.member.pk).in_hardship  # approved: the member is in hardship

    case = do_disburse_hardship_case(
        case, actor=world.staff, on=timezone.localdate(), method=DisbursementMethod.BANK, reference="NB2026-001"
    )
    assert case.status == HardshipStatus.DISBURSED
    assert Member.objects.get(pk=world.member.pk).in_hardship  # paid, not yet closed: still

    follow_up = do_record_follow_up(
        case,
        actor=world.worker,
        visited_on=timezone.localdate(),
        note="病情稳定",
        gifts="米、油",
        amount=Decimal("500"),
    )
    assert follow_up.visitor == world.worker

    case = do_close_hardship_case(case, actor=world.staff)
    assert case.status == HardshipStatus.CLOSED
    assert not Member.objects.get(pk=world.member.pk).in_hardship  # closed: no longer


def test_whoever_submitted_a_case_cannot_approve_or_refuse_it(world):
    # A leader who is also federation staff opens and submits a case: another leader must decide.
    f.RoleAssignmentFactory(user=world.leader, federation=world.federation, role=Role.FEDERATION_STAFF)
    leader = fresh(world.leader)
    case = do_save_hardship_case(
        HardshipCase(member=world.member, reason=HardshipReason.DISASTER, description="台风毁房", amount_requested=800),
        actor=leader,
    )
    do_submit_hardship_case(case, actor=leader)
    do_review_hardship_case(case, actor=world.staff)

    with pytest.raises(ValidationError) as refused:
        do_approve_hardship_case(case, actor=leader)
    assert "__all__" in refused.value.message_dict
    with pytest.raises(ValidationError):
        do_refuse_hardship_case(case, actor=leader, reason="不符合条件")
    assert HardshipCase.objects.get(pk=case.pk).status == HardshipStatus.REVIEWED

    other = fresh(f.RoleAssignmentFactory(federation=world.federation, role=Role.LEADERSHIP).user)
    assert do_approve_hardship_case(case, actor=other).status == HardshipStatus.APPROVED


def test_only_leadership_approves(world):
    case = reviewed_case(world)
    for not_leadership in (world.worker, world.chair, world.staff):
        with pytest.raises(OutOfScope):
            do_approve_hardship_case(case, actor=not_leadership)
    assert HardshipCase.objects.get(pk=case.pk).status == HardshipStatus.REVIEWED


def test_leadership_may_not_skip_review_and_staff_may_not_skip_approval(world):
    case = do_save_hardship_case(
        HardshipCase(
            member=world.member, reason=HardshipReason.EDUCATION, description="女儿考上大学", amount_requested=2000
        ),
        actor=world.worker,
    )
    with pytest.raises(ValidationError):
        do_review_hardship_case(case, actor=world.staff)  # a draft is not reviewed
    do_submit_hardship_case(case, actor=world.worker)
    with pytest.raises(ValidationError) as early:
        do_approve_hardship_case(case, actor=world.leader)
    assert "status" in early.value.message_dict
    do_review_hardship_case(case, actor=world.staff)
    with pytest.raises(ValidationError):
        do_disburse_hardship_case(case, actor=world.staff, on=timezone.localdate(), method=DisbursementMethod.CASH)


def test_a_refusal_needs_a_reason_and_leaves_the_member_out_of_hardship(world):
    case = reviewed_case(world)
    with pytest.raises(ValidationError) as no_reason:
        do_refuse_hardship_case(case, actor=world.leader, reason=" ")
    assert "refusal_reason" in no_reason.value.message_dict
    case = do_refuse_hardship_case(case, actor=world.leader, reason="家庭收入超过标准")
    assert case.status == HardshipStatus.REFUSED
    assert not Member.objects.get(pk=world.member.pk).in_hardship


def test_a_submission_needs_the_amount_asked(world):
    case = do_save_hardship_case(
        HardshipCase(member=world.member, reason=HardshipReason.OTHER, description="失业在家"), actor=world.worker
    )
    with pytest.raises(ValidationError) as missing:
        do_submit_hardship_case(case, actor=world.worker)
    assert "amount_requested" in missing.value.message_dict


def test_id_numbers_typed_into_free_text_are_masked(world):
    case = do_save_hardship_case(
        HardshipCase(
            member=world.member,
            reason=HardshipReason.ILLNESS,
            description=f"身份证{ID_NUMBER}，尿毒症透析",
            amount_requested=1000,
        ),
        actor=world.worker,
    )
    stored = HardshipCase.objects.get(pk=case.pk)
    assert ID_NUMBER not in stored.description and "尿毒症" in stored.description


# --- Budgets ---------------------------------------------------------------------------------------


def test_an_approval_over_the_remaining_budget_is_refused_and_changes_nothing(world):
    world.budget.amount = Decimal("5000")
    world.budget.save()
    first = do_approve_hardship_case(reviewed_case(world, "3000"), actor=world.leader)
    second = reviewed_case(world, "2500", member=f.MemberFactory(union=world.union, name="李强"))

    with pytest.raises(ValidationError) as over:
        do_approve_hardship_case(second, actor=world.leader)

    assert list(over.value.message_dict) == ["amount_approved"]
    stored = HardshipCase.objects.get(pk=second.pk)
    assert (stored.status, stored.amount_approved, stored.decided_by) == (HardshipStatus.REVIEWED, None, None)
    assert not Member.objects.get(pk=second.member_id).in_hardship
    figures = budget_figures(world.budget)
    assert (figures.spent, figures.committed, figures.remaining) == (0, Decimal("3000"), Decimal("2000"))
    # A smaller amount fits.
    assert do_approve_hardship_case(second, actor=world.leader, amount=Decimal("2000")).amount_approved == 2000
    assert budget_figures(world.budget).remaining == 0
    assert first.budget_year == YEAR


def test_with_no_budget_for_the_year_nothing_is_approved(world):
    world.budget.delete()
    case = reviewed_case(world)
    with pytest.raises(ValidationError) as none:
        do_approve_hardship_case(case, actor=world.leader)
    assert "amount_approved" in none.value.message_dict


def test_every_budget_on_the_path_must_have_room(world):
    # The township's budget is small; the county's is large: the township's decides.
    township = f.FederationFactory(parent=world.federation, kind="township")
    union = f.GrassrootsUnionFactory(zone=world.zone, federation=township)
    member = f.MemberFactory(union=union, name="张伟")
    HardshipBudget.objects.create(federation=township, year=YEAR, amount=Decimal("1000"))
    with pytest.raises(ValidationError):
        do_approve_hardship_case(reviewed_case(world, "1500", member=member), actor=world.leader)


def test_disbursement_counts_in_spent_of_the_subtree(world):
    case = do_approve_hardship_case(reviewed_case(world, "1200.50"), actor=world.leader)
    do_disburse_hardship_case(case, actor=world.staff, on=timezone.localdate(), method=DisbursementMethod.CASH)
    figures = budget_figures(world.budget)
    assert (figures.spent, figures.committed, figures.remaining) == (
        Decimal("1200.50"),
        0,
        Decimal("8799.50"),
    )
    # The city above the county counts it too; another county's budget does not.
    city_budget = HardshipBudget.objects.create(federation=world.federation.parent, year=YEAR, amount=50000)
    assert budget_figures(city_budget).spent == Decimal("1200.50")
    other = HardshipBudget.objects.create(federation=f.FederationFactory(), year=YEAR, amount=1)
    assert budget_figures(other).spent == 0
    # Last year's budget is untouched.
    last_year = HardshipBudget.objects.create(federation=world.federation, year=YEAR - 1, amount=100)
    assert budget_figures(last_year).spent == 0


def test_a_budget_cannot_go_below_what_is_paid_and_promised(world):
    do_approve_hardship_case(reviewed_case(world, "4000"), actor=world.leader)
    with pytest.raises(ValidationError) as low:
        do_set_budget(world.federation, YEAR, Decimal("3999"), actor=world.staff)
    assert "amount" in low.value.message_dict
    assert do_set_budget(world.federation, YEAR, Decimal("4000"), actor=world.staff).amount == 4000
    # Leadership reads budgets but never sets them.
    with pytest.raises(OutOfScope):
        do_set_budget(world.federation, YEAR + 1, Decimal("1"), actor=world.leader)


# --- Scope -----------------------------------------------------------------------------------------


def test_a_union_chair_sees_only_their_unions_cases_and_a_station_keeper_none(world):
    mine = reviewed_case(world)
    elsewhere_union = f.GrassrootsUnionFactory(zone=world.zone, federation=world.federation)
    elsewhere = reviewed_case(world, member=f.MemberFactory(union=elsewhere_union, name="王芳"))
    keeper = fresh(f.StationKeeperFactory(station=f.StationFactory(zone=world.zone, federation=world.federation)).user)

    def listed(user):
        client = APIClient()
        client.force_authenticate(user)
        response = client.get("/api/v1/hardship-cases/")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert listed(world.chair) == {mine.pk}
    assert listed(world.worker) == listed(world.staff) == listed(world.leader) == {mine.pk, elsewhere.pk}
    assert listed(keeper) == set()


def test_a_zone_worker_proposes_over_the_api_but_cannot_approve(world):
    client = APIClient()
    client.force_authenticate(world.worker)
    created = client.post(
        "/api/v1/hardship-cases/",
        {"member": world.member.pk, "reason": "illness", "description": "工伤骨折", "amount_requested": "2000.00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["member_name"] == "陈*"
    assert world.member.reveal_phone() not in str(body) and body["member_id_number"].count("*") == 11
    case_id = body["id"]
    assert client.post(f"/api/v1/hardship-cases/{case_id}/submit/").json()["status"] == "submitted"
    assert client.post(f"/api/v1/hardship-cases/{case_id}/review/").status_code == 404
    staff = APIClient()
    staff.force_authenticate(world.staff)
    assert staff.post(f"/api/v1/hardship-cases/{case_id}/review/", {"note": "核实"}).status_code == 200
    assert client.post(f"/api/v1/hardship-cases/{case_id}/approve/").status_code == 404

    leader = APIClient()
    leader.force_authenticate(world.leader)
    over = leader.post(f"/api/v1/hardship-cases/{case_id}/approve/", {"amount": "20000"}, format="json")
    assert over.status_code == 400 and "amount_approved" in over.json()
    approved = leader.post(f"/api/v1/hardship-cases/{case_id}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    paid = staff.post(
        f"/api/v1/hardship-cases/{case_id}/disburse/",
        {"disbursed_on": str(timezone.localdate()), "disbursement_method": "bank"},
        format="json",
    )
    assert paid.status_code == 400 and "disbursement_reference" in paid.json()

    budgets = leader.get("/api/v1/hardship-budgets/").json()["results"]
    assert budgets[0]["committed"] == "2000.00" and budgets[0]["remaining"] == "8000.00"
    assert APIClient().get("/api/v1/hardship-budgets/").status_code in (401, 403)


def test_hardship_admin_lists_open_for_staff(world):
    reviewed_case(world)
    client = Client()
    client.force_login(world.staff)
    page = client.get("/admin/members/hardshipcase/")
    assert page.status_code == 200 and "陈*" in page.content.decode()
    assert client.get("/admin/members/hardshipbudget/").status_code == 200


def test_leadership_approves_and_refuses_from_the_admin_list(world):
    first, second = reviewed_case(world), reviewed_case(world, "100")
    client = Client()
    client.force_login(world.leader)
    url = "/admin/members/hardshipcase/"
    client.post(url, {"action": "approve_cases", "_selected_action": [first.pk], "reason": ""})
    client.post(url, {"action": "refuse_cases", "_selected_action": [second.pk], "reason": "重复申请"})
    assert HardshipCase.objects.get(pk=first.pk).status == HardshipStatus.APPROVED
    refused = HardshipCase.objects.get(pk=second.pk)
    assert (refused.status, refused.refusal_reason) == (HardshipStatus.REFUSED, "重复申请")


# --- The nightly job -------------------------------------------------------------------------------


def finding(w, kind, description, category=""):
    return f.FindingFactory(union=w.union, kind=kind, category=category, description=description)


def test_the_nightly_job_flags_leads_once_and_never_pays(world):
    hardship = finding(world, FindingKind.HARDSHIP, "陈静家中困难，母亲长期卧床")
    injury = finding(world, FindingKind.INCIDENT, "一名骑手送餐途中摔伤骨折")
    finding(world, FindingKind.DEMAND, "希望共享健身房", category=ResourceCategory.SPORTS)  # not a lead
    cases_before = HardshipCase.objects.count()

    raised = flag_members_needing_help()

    assert {s.source_key for s in raised} == {f"finding:{hardship.pk}", f"finding:{injury.pk}"}
    named = HardshipSuggestion.objects.get(source_key=f"finding:{hardship.pk}")
    assert named.member_id == world.member.pk  # the one member named in the text
    assert HardshipSuggestion.objects.get(source_key=f"finding:{injury.pk}").member_id is None
    assert all(s.source == SuggestionSource.VISIT_FINDING and s.status == SuggestionStatus.OPEN for s in raised)
    assert HardshipCase.objects.count() == cases_before  # never a case, never a payout

    assert flag_members_needing_help() == []  # a rerun adds nothing
    assert HardshipSuggestion.objects.count() == 2


def test_staff_are_told_once_per_run(world):
    finding(world, FindingKind.HARDSHIP, "家中失火")
    flag_hardship_suggestions.apply(throw=True)
    flag_hardship_suggestions.apply(throw=True)
    notes = Notification.objects.filter(recipient=world.staff, key__startswith="hardship-suggestions:")
    assert notes.count() == 1
    assert not Notification.objects.filter(recipient__in=[world.worker, world.leader]).exists()


def test_a_dismissed_lead_is_not_raised_again(world):
    lead = finding(world, FindingKind.HARDSHIP, "家中失火")
    [suggestion] = flag_members_needing_help()
    with pytest.raises(ValidationError):
        do_dismiss_suggestion(suggestion, actor=world.worker, reason="")
    do_dismiss_suggestion(suggestion, actor=world.worker, reason="已由民政救助")
    assert flag_members_needing_help() == []
    stored = HardshipSuggestion.objects.get(source_key=f"finding:{lead.pk}")
    assert (stored.status, stored.decided_by) == (SuggestionStatus.DISMISSED, world.worker)


def test_repeated_aid_is_a_lead_and_a_new_payment_a_new_one(world):
    paid = []
    for amount in ("500", "600"):
        case = do_approve_hardship_case(reviewed_case(world, amount), actor=world.leader)
        paid.append(
            do_disburse_hardship_case(case, actor=world.staff, on=timezone.localdate(), method=DisbursementMethod.CASH)
        )
    [lead] = flag_members_needing_help()
    assert (lead.source, lead.member_id) == (SuggestionSource.REPEATED_AID, world.member.pk)
    assert lead.source_key == f"repeated-aid:{world.member.pk}:{paid[-1].pk}"
    assert flag_members_needing_help() == []


def test_aid_paid_long_ago_does_not_count_as_repeated(world):
    for amount, days in (("500", 900), ("600", 10)):
        case = do_approve_hardship_case(reviewed_case(world, amount), actor=world.leader)
        do_disburse_hardship_case(
            case,
            actor=world.staff,
            on=timezone.localdate() - datetime.timedelta(days=days),
            method=DisbursementMethod.CASH,
        )
    assert flag_members_needing_help() == []


def test_accepting_a_lead_opens_a_draft_case_for_its_member(world):
    finding(world, FindingKind.INCIDENT, "一名骑手车祸受伤住院")
    [suggestion] = flag_members_needing_help()
    with pytest.raises(ValidationError) as no_member:
        do_accept_suggestion(suggestion, actor=world.worker)
    assert "member" in no_member.value.message_dict

    case = do_accept_suggestion(suggestion, actor=world.worker, member=world.member)

    assert (case.status, case.member_id, case.reason) == (HardshipStatus.DRAFT, world.member.pk, HardshipReason.ILLNESS)
    stored = HardshipSuggestion.objects.get(pk=suggestion.pk)
    assert (stored.status, stored.case_id) == (SuggestionStatus.ACCEPTED, case.pk)
    with pytest.raises(ValidationError):
        do_accept_suggestion(stored, actor=world.worker, member=world.member)


def test_suggestions_over_the_api(world):
    finding(world, FindingKind.HARDSHIP, "陈静家中困难")
    flag_members_needing_help()
    client = APIClient()
    client.force_authenticate(world.chair)
    [row] = client.get("/api/v1/hardship-suggestions/").json()["results"]
    assert row["member_name"] == "陈*"
    accepted = client.post(f"/api/v1/hardship-suggestions/{row['id']}/accept/", {}, format="json")
    assert accepted.status_code == 201 and accepted.json()["status"] == "draft"
    leader = APIClient()
    leader.force_authenticate(world.leader)
    assert leader.post(f"/api/v1/hardship-suggestions/{row['id']}/dismiss/", {"reason": "x"}).status_code == 404


def test_the_nightly_job_is_in_the_default_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.UNIONHUB_BEAT_SCHEDULE.values()}
    assert "members.flag_hardship_suggestions" in tasks
