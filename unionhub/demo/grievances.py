"""Demo grievances: a handful in every state of the loop in the first zoned union's zone, including a
wage-arrears case just phoned in, all written through events.grievances as the zone's chief."""

from __future__ import annotations

from django.db.models import Exists

from events import grievances as g
from events.models import Grievance
from unionhub.core.choices import Role
from unionhub.core.models import User
from zones.models import GrassrootsUnion, ZoneStaff

# (description, category, phone, how far along the loop it goes)
DEMO_GRIEVANCES = [
    ("工地老板拖欠我们班组三个月工资共四万多元，多次讨要没有结果", "wage_arrears", "13805740001", "submitted"),
    ("入职半年公司一直不签劳动合同", "labour_contract", "13805740002", "verified"),
    ("送餐途中摔伤，站点不给申报工伤", "work_injury", "13805740003", "assigned"),
    ("公司没有给我们缴纳社会保险", "social_insurance", "13805740004", "in_progress"),
    ("夏季高温车间没有防暑降温措施", "occupational_safety", "13805740005", "resolved"),
    ("每周工作六天，每天十二小时，没有加班费", "working_hours", "13805740006", "evaluated"),
    ("家里老人重病，生活困难，想申请帮扶", "hardship", "13805740007", "closed"),
    ("咨询灵活就业人员如何参加医保", "consultation", "13805740008", "reopened"),
]
STEPS = ["submitted", "verified", "assigned", "in_progress", "resolved", "evaluated", "closed"]


def load_grievances(unions: list[GrassrootsUnion], *, reason: str) -> int:
    """Write the demo grievances once (none is written when the first is there); return how many.

    ``reason`` marks their history as the demo's, so that the demo's wipe finds them.
    """
    union = next((u for u in unions if u.zone_id is not None), None)
    if union is None:
        return 0
    # The zone's chief, and whether the demo's grievances are there already: one query, so that
    # loading again stays cheap.
    binding = (
        ZoneStaff.objects.filter(zone_id=union.zone_id, role=Role.ZONE_CHIEF)
        .select_related("user")
        .annotate(loaded=Exists(Grievance.objects.filter(union=union, description=DEMO_GRIEVANCES[0][0])))
        .first()
    )
    if binding is None or binding.loaded:
        return 0
    chief: User = binding.user
    for description, category, phone, goal in DEMO_GRIEVANCES:
        grievance = Grievance(category=category, description=description, union=union, submitter_name="张师傅")
        grievance._change_reason = reason  # type: ignore[attr-defined]
        g.do_file_grievance(grievance, actor=chief, phone=phone)
        target = "resolved" if goal == "reopened" else goal
        for step in STEPS[1 : STEPS.index(target) + 1]:
            if step == "verified":
                g.do_verify_grievance(grievance, actor=chief)
            elif step == "assigned":
                g.do_assign_grievance(grievance, kind="zone_worker", user=chief, actor=chief)
            elif step == "in_progress":
                g.do_start_grievance(grievance, actor=chief, note="已电话联系职工了解情况")
            elif step == "resolved":
                g.do_resolve_grievance(grievance, actor=chief, feedback="经协调，企业已整改并答复职工")
            elif step == "evaluated":
                g.do_evaluate_grievance(grievance, rating=5, comment="处理及时，很满意", actor=chief)
            elif step == "closed":
                g.do_close_grievance(grievance, actor=chief)
        if goal == "reopened":
            g.do_evaluate_grievance(grievance, rating=2, comment="还是没有解决", actor=chief)
    return len(DEMO_GRIEVANCES)
