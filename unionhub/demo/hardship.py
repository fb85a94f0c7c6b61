"""Demo hardship aid (困难职工帮扶) for 宁海县: this year's budget, a case in every state of the chain, one lead.

The zone's social worker proposes, county staff review and pay, the county's leader decides.
Loading again writes nothing: the demo county's cases are looked for first (one query).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from members.choices import DisbursementMethod, HardshipReason, MemberStatus, SuggestionSource
from members.hardship import (
    do_approve_hardship_case,
    do_close_hardship_case,
    do_disburse_hardship_case,
    do_record_follow_up,
    do_refuse_hardship_case,
    do_review_hardship_case,
    do_save_hardship_case,
    do_set_budget,
    do_submit_hardship_case,
    raise_suggestion,
)
from members.hardship_models import HardshipBudget, HardshipCase
from members.models import Member
from unionhub.core.models import Federation, User
from zones.models import ZoneStaff

COUNTY, STAFF, LEADER = "ninghai", "ninghai_staff", "ninghai_leader"
BUDGET = Decimal("200000")

# (reason, situation, amount asked, how far the case goes)
CASES = [
    (HardshipReason.ILLNESS, "本人确诊尿毒症，每周透析三次，家庭收入骤减", "8000", "closed"),
    (HardshipReason.EDUCATION, "女儿考入大学，学费生活费缺口较大", "3000", "disbursed"),
    (HardshipReason.DISASTER, "台风致房屋受损，家中财物损失严重", "5000", "approved"),
    (HardshipReason.ILLNESS, "配偶脑梗住院，需长期康复", "6000", "reviewed"),
    (HardshipReason.OTHER, "配偶失业，两个孩子上学，房租压力大", "2000", "refused"),
    (HardshipReason.ILLNESS, "母亲癌症手术，自付费用高", "4000", "submitted"),
    (HardshipReason.EDUCATION, "儿子读高中，申请助学金", "1500", "draft"),
]


def load_hardship(federations: dict[str, Federation], users: dict[str, User]) -> int:
    """Write the demo's hardship aid once; return how many cases were opened."""
    county, staff, leader = federations[COUNTY], users[STAFF], users[LEADER]
    year = timezone.localdate().year
    if HardshipCase.objects.filter(federation_path__startswith=county.path).exists():
        return 0  # loaded before: one query on a reload
    if not HardshipBudget.objects.filter(federation=county, year=year).exists():
        do_set_budget(county, year, BUDGET, actor=staff)
    members = list(
        Member.objects.filter(
            federation_path__startswith=county.path, zone__isnull=False, status=MemberStatus.ACTIVE
        ).order_by("id")[: len(CASES) + 1]
    )
    if len(members) <= len(CASES):
        return 0  # the rosters were left out (browser tests)
    workers = {z.zone_id: z.user for z in ZoneStaff.objects.filter(zone__federation__path__startswith=county.path)}
    today = timezone.localdate()
    for member, (reason, situation, amount, last) in zip(members, CASES, strict=False):
        proposer = workers.get(member.zone_id, staff)
        case = do_save_hardship_case(
            HardshipCase(member=member, reason=reason, description=situation, amount_requested=Decimal(amount)),
            actor=proposer,
        )
        if last == "draft":
            continue
        do_submit_hardship_case(case, actor=proposer)
        if last == "submitted":
            continue
        do_review_hardship_case(case, actor=staff, note="已入户核实，材料齐全")
        if last == "reviewed":
            continue
        if last == "refused":
            do_refuse_hardship_case(case, actor=leader, reason="家庭人均收入高于帮扶标准")
            continue
        do_approve_hardship_case(case, actor=leader)
        if last == "approved":
            continue
        do_disburse_hardship_case(
            case, actor=staff, on=today, method=DisbursementMethod.BANK, reference=f"NH{year}-{case.pk:04d}"
        )
        do_record_follow_up(case, actor=proposer, visited_on=today, note="送温暖走访，情况好转", gifts="米、油")
        if last == "closed":
            do_close_hardship_case(case, actor=staff)
    lead = members[len(CASES)]
    raise_suggestion(
        union=lead.union,
        member=lead,
        source=SuggestionSource.VISIT_FINDING,
        source_key=f"demo:{lead.pk}",
        reason="走访发现：职工送餐途中摔伤骨折，暂时无法工作",
    )
    return len(CASES)
