"""Duplicate members (查重合并): found within the user's scope, merged with everything that refers to them.

A merge keeps one record, moves the other's references (in any app, through the reassigners
each app registers) and ends the other as ``merged`` with a pointer: nothing is deleted and
both histories stay. One live membership per ID number and federation is a database rule.
"""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from members.actions import do_save_member
from members.choices import MemberStatus, TransferStatus
from members.merging import BY_ID_NUMBER, BY_PHONE_AND_NAME, do_merge_members, duplicate_groups, reassigners
from members.models import JoinApplication, Member, MemberTransfer
from members.tasks import find_duplicates
from tests.events.factories import RegistrationFactory
from tests.factories import (
    FederationFactory,
    GrassrootsUnionFactory,
    JoinApplicationFactory,
    MemberFactory,
    RoleAssignmentFactory,
    UnionChairFactory,
    UserFactory,
    ZoneFactory,
    id_number,
)
from unionhub.core.choices import Role
from unionhub.core.exceptions import OutOfScope
from unionhub.core.models import AccessLog, Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return FederationFactory(name="甲县总工会")


@pytest.fixture
def staff(county):
    return RoleAssignmentFactory(
        federation=county, role=Role.FEDERATION_STAFF, user=UserFactory(federation=county)
    ).user


@pytest.fixture
def union(county):
    return GrassrootsUnionFactory(zone=ZoneFactory(federation=county))


def member(union, name="王芳", id_no=None, phone=None, **fields):
    record = MemberFactory(union=union, name=name, **fields)
    if id_no:
        record.set_id_number(id_no)
    if phone:
        record.set_phone(phone)
    record.save()
    return record


@pytest.fixture
def pair(union):
    """The same person twice: left the union (withdrawn) and joined again, with the same ID number."""
    number = id_number("19850203")
    old = member(union, id_no=number, status=MemberStatus.WITHDRAWN, joined_on="2015-06-01", is_model_worker=True)
    new = member(union, id_no=number, joined_on="2023-01-10")
    return new, old


def test_duplicates_by_id_number_and_by_phone_and_name(union, pair, staff):
    twin_a = member(union, name="李强", phone="13900001111")
    twin_b = member(union, name="李强", phone="139-0000-1111")
    member(union, name="李刚", phone="13900001111")  # same phone, another name: not the same person

    groups = {(g.kind, frozenset(m.pk for m in g.members)) for g in duplicate_groups(staff)}

    assert groups == {
        (BY_ID_NUMBER, frozenset(m.pk for m in pair)),
        (BY_PHONE_AND_NAME, frozenset({twin_a.pk, twin_b.pk})),
    }


def test_duplicates_are_found_only_within_the_users_scope(union, pair):
    elsewhere = GrassrootsUnionFactory(zone=ZoneFactory(federation=FederationFactory()))
    number = id_number("19770707")
    member(union, id_no=number)
    member(elsewhere, id_no=number)
    chair = UnionChairFactory(union=union).user

    assert {frozenset(m.pk for m in g.members) for g in duplicate_groups(chair)} == {frozenset(m.pk for m in pair)}


def scan(client):
    """Start a scan through the API and run its job here, as the worker would."""
    started = client.post("/api/v1/members/duplicates/")
    assert started.status_code == 202, started.content
    find_duplicates.apply(args=[started.json()["id"]], throw=True)


def test_the_api_scans_then_lists_duplicates_masked_in_a_fixed_number_of_queries(union, pair, staff, client_for):
    client = client_for(staff)
    assert client.get("/api/v1/members/duplicates/").json() == {"scan": None, "groups": []}
    scan(client)
    with CaptureQueriesContext(connection) as few:
        first = client.get("/api/v1/members/duplicates/")
    for _ in range(5):
        number = id_number("19900909")
        member(union, id_no=number, status=MemberStatus.WITHDRAWN)
        member(union, id_no=number)
    scan(client)
    with CaptureQueriesContext(connection) as many:
        later = client.get("/api/v1/members/duplicates/")

    assert first.status_code == 200 and first.json()["scan"]["status"] == "succeeded"
    assert len(first.json()["groups"]) == 1 and len(later.json()["groups"]) == 6
    assert len(few) == len(many)  # the query count does not grow with the groups
    row = first.json()["groups"][0]["members"][0]
    assert set(row) >= {"id", "masked_phone", "id_number_masked"} and "id_number" not in row
    # A scan's result holds record ids only.
    job = Job.objects.get(pk=later.json()["scan"]["id"])
    assert set(job.result["groups"][0]) == {"kind", "ids"}


def test_a_scan_is_for_those_who_may_change_members(county, client_for):
    leader = RoleAssignmentFactory(federation=county, role=Role.LEADERSHIP).user

    assert client_for(leader).post("/api/v1/members/duplicates/").status_code == 403


def test_a_merge_moves_references_and_keeps_both_histories(pair, staff):
    survivor, merged = pair
    registration = RegistrationFactory(member=merged)
    application = JoinApplicationFactory(union=merged.union, member=merged)
    old_transfer = MemberTransfer.objects.create(
        member=merged,
        from_union=merged.union,
        to_union=GrassrootsUnionFactory(zone=merged.union.zone),
        requested_by_side="sending",
        requested_by=staff,
        status=TransferStatus.CANCELLED,
    )

    moved = do_merge_members(survivor, merged, actor=staff)

    registration.refresh_from_db()
    application.refresh_from_db()
    old_transfer.refresh_from_db()
    merged.refresh_from_db()
    survivor.refresh_from_db()
    assert registration.member == survivor and application.member == survivor and old_transfer.member == survivor
    assert moved["events.registration"] == 1 and moved["members.join_application"] == 1
    # Not deleted: ended as merged, pointing at the record kept; each has a history entry saying so.
    assert merged.status == MemberStatus.MERGED and merged.merged_into == survivor
    assert merged.history.first().history_change_reason == f"merged into {survivor.pk}"
    assert survivor.history.first().history_change_reason == f"merged {merged.pk} into this record"
    assert survivor.history.first().history_user == staff
    # The survivor takes what it lacked: the earlier joining date, the flag.
    assert str(survivor.joined_on) == "2015-06-01" and survivor.is_model_worker
    log = AccessLog.objects.get(action="merge_members")
    assert log.user == staff and log.object_id == str(survivor.pk) and str(merged.pk) in log.reason
    # A merged record is no longer a duplicate.
    assert duplicate_groups(staff) == []


def test_a_merge_across_scopes_is_refused_and_changes_nothing(pair, union, client_for):
    survivor, _ = pair
    theirs = member(GrassrootsUnionFactory(zone=ZoneFactory(federation=FederationFactory())), name=survivor.name)
    Member.objects.filter(pk=theirs.pk).update(id_number_hash=survivor.id_number_hash)
    chair = UnionChairFactory(union=union).user

    with pytest.raises(OutOfScope):
        do_merge_members(survivor, theirs, actor=chair)
    response = client_for(chair).post("/api/v1/members/merge/", {"survivor": survivor.pk, "merged": theirs.pk})
    missing = client_for(chair).post("/api/v1/members/merge/", {"survivor": survivor.pk, "merged": 987654321})

    assert response.status_code == missing.status_code == 400 and response.json() == missing.json()
    theirs.refresh_from_db()
    assert theirs.status == MemberStatus.ACTIVE and theirs.merged_into is None
    assert not AccessLog.objects.filter(action="merge_members").exists()


def test_records_of_two_people_are_not_merged(union, staff):
    a, b = member(union, name="张伟"), member(union, name="陈静")

    with pytest.raises(ValidationError):
        do_merge_members(a, b, actor=staff)


def test_a_live_membership_is_not_merged_into_an_ended_one(pair, staff):
    live, ended = pair

    with pytest.raises(ValidationError):
        do_merge_members(ended, live, actor=staff)

    assert Member.objects.get(pk=live.pk).status == MemberStatus.ACTIVE


def test_leadership_cannot_merge(pair, county):
    leader = RoleAssignmentFactory(federation=county, role=Role.LEADERSHIP).user

    with pytest.raises(OutOfScope):
        do_merge_members(*pair, actor=leader)


def test_the_api_merges(pair, staff, client_for):
    survivor, merged = pair

    response = client_for(staff).post("/api/v1/members/merge/", {"survivor": survivor.pk, "merged": merged.pk})

    assert response.status_code == 200, response.json()
    assert response.json()["survivor"] == survivor.pk
    assert Member.objects.get(pk=merged.pk).status == MemberStatus.MERGED


def test_the_admin_page_lists_and_merges(pair, staff):
    survivor, merged = pair
    client = Client()
    client.force_login(staff)

    client.post("/admin/members/member/duplicates/", {"scan": "1"})
    find_duplicates.apply(args=[Job.objects.get(kind="members.duplicates").pk], throw=True)
    page = client.get("/admin/members/member/duplicates/")
    done = client.post("/admin/members/member/duplicates/", {"survivor": survivor.pk, "merged": merged.pk})

    assert page.status_code == 200 and f'value="{merged.pk}"' in page.content.decode()
    assert done.status_code == 302
    assert Member.objects.get(pk=merged.pk).merged_into_id == survivor.pk
    assert client.get("/admin/members/member/").status_code == 200


def test_every_foreign_key_to_a_member_is_moved_by_a_registered_reassigner():
    covered = set().union(*(entry.covers for entry in reassigners()))
    references = {
        (model._meta.label, field.name)
        for model in apps.get_models()
        if not model.__name__.startswith("Historical")
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.related_model is Member and field.name != "merged_into"
    }

    assert references <= covered, f"register a reassigner (members.merging) for: {references - covered}"


def test_one_live_membership_per_id_number_and_federation(union):
    number = id_number("19920101")
    member(union, id_no=number)
    again = Member(name="王芳", union=GrassrootsUnionFactory(zone=union.zone))
    staff = RoleAssignmentFactory(federation=union.federation).user

    with pytest.raises(ValidationError) as refused:
        do_save_member(again, actor=staff, id_number=number)
    assert "__all__" in refused.value.message_dict
    member(union, name="李强")
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(union=union).update(id_number_hash="same")  # the database refuses it too
    # Another federation, or a withdrawn record, is no conflict.
    elsewhere = Member(name="王芳", union=GrassrootsUnionFactory(zone=ZoneFactory(federation=FederationFactory())))
    assert do_save_member(elsewhere, actor=UserFactory(is_superuser=True), id_number=number).pk


def test_an_application_is_not_copied_onto_a_survivor_that_has_one(pair, staff):
    survivor, merged = pair
    own = JoinApplicationFactory(union=survivor.union, member=survivor)
    other = JoinApplicationFactory(union=merged.union, member=merged)

    do_merge_members(survivor, merged, actor=staff)

    assert JoinApplication.objects.get(pk=own.pk).member == survivor
    assert JoinApplication.objects.get(pk=other.pk).member == merged  # one application per member
