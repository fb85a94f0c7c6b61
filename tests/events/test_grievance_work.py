"""The zone worker's grievance pages (/m/grievances/): the list that needs them, and every transition by phone.

Each form on the page calls the one action of events.grievances for its transition, so these
tests check what the page adds: what is listed and offered to whom, that a refused action's
message lands on the form and changes nothing, and that out-of-scope answers 404.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone, translation

from events import grievances as g
from events.models import Grievance, GrievanceEvent
from tests import factories as f
from tests.events.factories import GrievanceFactory
from unionhub.core.choices import Role
from zones.choices import WorkKind
from zones.models import UnionChair, WorkItem, ZoneStaff

pytestmark = pytest.mark.django_db

LIST = "/m/grievances/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def page_of(grievance: Grievance) -> str:
    return f"/m/grievances/{grievance.pk}/"


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def act(client: Client, grievance: Grievance, transition: str, **fields):
    data = {"transition": transition, **{f"{transition}-{key}": value for key, value in fields.items()}}
    return client.post(page_of(grievance), data)


def status_of(grievance: Grievance) -> str:
    grievance.refresh_from_db()
    return grievance.status


def test_a_grievance_goes_from_verification_to_closed_through_the_phone_page(zone_world):
    union, chief, worker = zone_world
    grievance = GrievanceFactory(union=union)
    boss, handler = signed_in(chief), signed_in(worker)

    assert act(boss, grievance, "verify", tier="difficult", category="wage_arrears").status_code == 302
    assert status_of(grievance) == "verified" and grievance.tier == "difficult" and grievance.due_at
    assert act(boss, grievance, "assign", kind="zone_worker", user=worker.pk).status_code == 302
    assert status_of(grievance) == "assigned" and grievance.assignee == worker
    assert act(handler, grievance, "start").status_code == 302
    assert status_of(grievance) == "in_progress"
    assert act(handler, grievance, "log", kind="action", text="已约谈企业负责人").status_code == 302
    assert act(handler, grievance, "log", kind="note", text="老板有转移资产迹象", internal="on").status_code == 302
    assert act(handler, grievance, "resolve", feedback="企业已补发全部工资").status_code == 302
    assert status_of(grievance) == "resolved"

    # Not evaluated: closing needs three logged attempts to reach the worker, and says so.
    refused = act(boss, grievance, "close")
    assert refused.status_code == 400
    assert "log 3 attempts to reach them first (0 so far)" in refused.content.decode()
    assert status_of(grievance) == "resolved"
    for _ in range(3):
        assert act(handler, grievance, "contact", text="电话无人接听").status_code == 302
    assert act(boss, grievance, "close", note="三次联系不上").status_code == 302
    assert status_of(grievance) == "closed"

    kinds = list(grievance.events.order_by("at", "id").values_list("kind", "status_to"))
    assert [to for kind, to in kinds if kind == "transition"] == [
        "verified",
        "assigned",
        "in_progress",
        "resolved",
        "closed",
    ]
    assert sum(1 for kind, _ in kinds if kind == "contact") == 3
    timeline = boss.get(page_of(grievance)).content.decode()
    assert "老板有转移资产迹象" in timeline and "internal" in timeline  # staff read internal notes, marked


def test_a_grievance_is_paused_with_a_reason_and_resumed(zone_world):
    union, chief, _worker = zone_world
    grievance = GrievanceFactory(union=union)
    g.do_verify_grievance(grievance, actor=chief)
    client = signed_in(chief)

    assert act(client, grievance, "pause", reason="等待仲裁开庭").status_code == 302
    grievance.refresh_from_db()
    assert grievance.paused_at and grievance.pause_reason == "等待仲裁开庭"
    shown = client.get(page_of(grievance)).content.decode()
    assert "等待仲裁开庭" in shown and 'id="do-resume"' in shown and 'id="do-pause"' not in shown

    assert act(client, grievance, "resume").status_code == 302
    grievance.refresh_from_db()
    assert grievance.paused_at is None


def test_the_page_offers_only_the_transitions_the_user_may_take_now(zone_world):
    union, chief, worker = zone_world
    grievance = GrievanceFactory(union=union)

    submitted = signed_in(chief).get(page_of(grievance)).content.decode()
    assert 'id="do-verify"' in submitted and 'id="do-resolve"' not in submitted

    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="zone_worker", user=worker, actor=chief)
    assigned = signed_in(worker).get(page_of(grievance)).content.decode()
    assert 'id="do-start"' in assigned and 'id="do-verify"' not in assigned and 'id="do-close"' not in assigned


def test_bad_input_gets_the_field_error_and_changes_nothing(zone_world):
    union, chief, _worker = zone_world
    grievance = GrievanceFactory(union=union)
    client = signed_in(chief)
    events_before = GrievanceEvent.objects.count()

    wrong_tier = act(client, grievance, "verify", tier="urgent", category="wage_arrears")
    assert wrong_tier.status_code == 400
    assert 'id="field-verify-tier"' in wrong_tier.content.decode()
    assert wrong_tier.context["forms"]["verify"].errors["tier"]
    assert status_of(grievance) == "submitted"

    g.do_verify_grievance(grievance, actor=chief)
    events_before = GrievanceEvent.objects.count()
    nobody = act(client, grievance, "assign", kind="zone_worker")
    assert nobody.status_code == 400
    assert nobody.context["forms"]["assign"].errors["user"] == ["Choose the zone worker."]
    outsider = f.UserFactory()
    not_of_the_zone = act(client, grievance, "assign", kind="zone_worker", user=outsider.pk)
    assert not_of_the_zone.status_code == 400 and not_of_the_zone.context["forms"]["assign"].errors["user"]
    no_reason = act(client, grievance, "pause", reason="  ")
    assert no_reason.context["forms"]["pause"].errors["reason"] == ["Say why the grievance is paused."]
    # A transition that does not apply in this state: the action's message, above the form.
    too_early = act(client, grievance, "resolve", feedback="已处理")
    assert too_early.status_code == 400
    assert "This cannot be done while the grievance is “Verified”." in too_early.content.decode()

    grievance.refresh_from_db()
    assert (grievance.status, grievance.assignee, grievance.paused_at) == ("verified", None, None)
    assert GrievanceEvent.objects.count() == events_before


def test_a_blank_resolution_is_refused_with_the_actions_message(zone_world):
    union, chief, _worker = zone_world
    grievance = GrievanceFactory(union=union)
    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="mediator", name="调解员张某", actor=chief)
    g.do_start_grievance(grievance, actor=chief)

    refused = act(signed_in(chief), grievance, "resolve", feedback="")

    assert refused.context["forms"]["resolve"].errors["feedback"] == ["Tell the worker what was done."]
    assert status_of(grievance) == "in_progress"


def test_a_union_chair_handles_what_their_union_is_given_but_never_verifies_assigns_or_closes(zone_world):
    union, chief, _worker = zone_world
    other_union = f.GrassrootsUnionFactory(zone=union.zone, federation=union.federation)
    chair = UnionChair.objects.create(user=f.UserFactory(), union=other_union).user
    grievance = GrievanceFactory(union=union, employer_blind=False)
    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="union", union=other_union, actor=chief)
    client = signed_in(chair)

    shown = client.get(page_of(grievance)).content.decode()
    assert 'id="do-start"' in shown and 'id="do-assign"' not in shown and 'id="do-pause"' not in shown
    assert act(client, grievance, "assign", kind="mediator", name="张某").status_code == 404
    assert act(client, grievance, "pause", reason="等").status_code == 404
    assert status_of(grievance) == "assigned" and grievance.assigned_union == other_union
    assert act(client, grievance, "start").status_code == 302
    assert status_of(grievance) == "in_progress"


def test_a_grievance_out_of_scope_answers_404_and_is_never_changed(zone_world):
    _union, chief, _worker = zone_world
    elsewhere = GrievanceFactory()  # another zone, another federation
    client = signed_in(chief)

    assert client.get(page_of(elsewhere)).status_code == 404
    assert client.get("/m/grievances/999999/").status_code == 404
    assert act(client, elsewhere, "verify", tier="general", category="wage_arrears").status_code == 404
    assert act(client, elsewhere, "nonsense").status_code == 404
    assert status_of(elsewhere) == "submitted"
    assert elsewhere.formatted_code not in client.get(LIST).content.decode()


def test_the_submitter_stays_hidden_from_the_employers_chair_on_the_phone_pages(zone_world):
    union, chief, _worker = zone_world
    employer = f.EnterpriseFactory(union=union, name="明辉五金有限公司")
    grievance = GrievanceFactory(union=union, employer=employer, employer_blind=True)
    # The employer's chair reaches it anyway: they are also a worker of the zone.
    chair = f.UserFactory()
    UnionChair.objects.create(user=chair, union=union)
    ZoneStaff.objects.create(user=chair, zone=union.zone, role=Role.ZONE_SOCIAL_WORKER)

    to_chair = signed_in(chair).get(page_of(grievance)).content.decode()
    to_chief = signed_in(chief).get(page_of(grievance)).content.decode()

    assert "王师傅" not in to_chair and "8000" not in to_chair
    assert "Kept from the employer" in to_chair
    assert "王师傅" in to_chief and "1**-****-8000" in to_chief
    for page in (to_chair, signed_in(chair).get(LIST).content.decode()):
        assert "明辉五金有限公司" in page  # the employer itself is shown: it is who the grievance is about


def test_the_list_shows_what_needs_work_and_filters_it(zone_world):
    union, chief, worker = zone_world
    waiting = GrievanceFactory(union=union)
    mine = GrievanceFactory(union=union, category="work_injury")
    g.do_verify_grievance(mine, actor=chief)
    g.do_assign_grievance(mine, kind="zone_worker", user=worker, actor=chief)
    late = GrievanceFactory(union=union)
    g.do_verify_grievance(late, actor=chief)
    Grievance.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(days=2))
    closed = GrievanceFactory(union=union, status="closed")
    client = signed_in(worker)

    def listed(**query):
        response = client.get(LIST, query)
        assert response.status_code == 200
        shown = response.content.decode()
        return {x.formatted_code for x in (waiting, mine, late, closed) if x.formatted_code in shown}

    assert listed() == {waiting.formatted_code, mine.formatted_code, late.formatted_code}
    assert listed(show="verify") == {waiting.formatted_code}
    assert listed(show="mine") == {mine.formatted_code}
    assert listed(show="due") == {late.formatted_code}
    row = client.get(LIST, {"show": "due"}).content.decode()
    assert 'class="overdue"' in row and "overdue since" in row and "Wage arrears" in row and "General" in row


def test_the_list_is_searched_by_words_or_tracking_code_never_by_a_phone_number(zone_world):
    union, _chief, worker = zone_world
    wages = GrievanceFactory(union=union, description="公司拖欠工资三个月")
    injury = GrievanceFactory(union=union, category="work_injury", description="车间工伤没有赔偿")
    client = signed_in(worker)

    by_words = client.get(LIST, {"q": "拖欠工资"}).content.decode()
    assert wages.formatted_code in by_words and injury.formatted_code not in by_words
    by_code = client.get(LIST, {"q": injury.formatted_code.lower()}).content.decode()
    assert injury.formatted_code in by_code and wages.formatted_code not in by_code

    phone = client.get(LIST, {"q": "138 0013 8000"})
    assert phone.status_code == 400
    assert "Phone and ID numbers cannot be searched here" in phone.content.decode()
    assert "138 0013 8000" not in phone.content.decode()  # not even echoed back into the search box


def test_the_list_is_paginated(zone_world):
    union, _chief, worker = zone_world
    for _ in range(27):
        GrievanceFactory(union=union)
    client = signed_in(worker)

    first, second = client.get(LIST), client.get(LIST, {"page": 2})

    assert len(first.context["grievances"]) == 25 and len(second.context["grievances"]) == 2
    assert "Page 1 of 2" in first.content.decode()


def test_the_inbox_and_the_navigation_lead_to_the_grievance_pages(zone_world):
    union, chief, worker = zone_world
    grievance = GrievanceFactory(union=union)
    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="zone_worker", user=worker, actor=chief)

    items = WorkItem.objects.filter(kind=WorkKind.GRIEVANCE)
    assert items.count() == 2 and {item.link for item in items} == {page_of(grievance)}
    inbox = signed_in(worker).get("/m/inbox/").content.decode()
    assert f'href="{page_of(grievance)}"' in inbox
    assert f'href="{LIST}"' in inbox  # the tab in the /m/ navigation
