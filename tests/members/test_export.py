"""Member export: masked by default, watermarked, unmasked only with the permission and a reason, logged."""

from __future__ import annotations

import datetime
import os

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from members.choices import MemberStatus
from members.roster.exports import do_start_member_export, expire_exports
from members.tasks import expire_roster_files, export_members
from tests.factories import (
    PASSWORD,
    GrassrootsUnionFactory,
    MemberFactory,
    RoleAssignmentFactory,
    UnionChairFactory,
    UserFactory,
    ZoneStaffFactory,
)
from unionhub.celery import app
from unionhub.core.choices import JobStatus, Role
from unionhub.core.models import AccessLog, Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster():
    union = GrassrootsUnionFactory(name="甬江街道联合工会")
    members = [MemberFactory(union=union) for _ in range(3)]
    MemberFactory(union=union, status=MemberStatus.WITHDRAWN)
    outsider = MemberFactory(union=GrassrootsUnionFactory())  # another federation's
    staff = UserFactory(federation=union.federation, first_name="王芳")
    RoleAssignmentFactory(user=staff, federation=union.federation, role=Role.FEDERATION_STAFF)
    return union, members, outsider, staff


def export(actor, **options) -> Job:
    job = do_start_member_export(actor=actor, filters=options.pop("filters", {}), **options)
    export_members.apply(args=[job.pk], throw=True)
    job.refresh_from_db()
    return job


def sheet_of(job: Job) -> tuple[list[tuple], object]:
    with job.file.open("rb") as stored:
        workbook = load_workbook(stored)
    return list(workbook.active.iter_rows(values_only=True)), workbook


def test_an_export_is_masked_and_scoped_by_default(roster):
    union, members, outsider, staff = roster

    job = export(staff, filters={"status": MemberStatus.ACTIVE})

    rows, _workbook = sheet_of(job)
    assert job.status == JobStatus.SUCCEEDED and job.result == {"rows": 3, "unmasked": False}
    assert [(r[1], r[2], r[9], r[10]) for r in rows[2:]] == [
        (m.name, union.name, m.masked_phone, m.id_number_masked) for m in members
    ]
    for member in [*members, outsider]:
        assert member.reveal_phone() not in str(rows) and member.reveal_id_number() not in str(rows)
    assert not AccessLog.objects.exists()


def test_each_file_is_watermarked_with_who_and_when(roster):
    _union, _members, _outsider, staff = roster

    job = export(staff)

    rows, workbook = sheet_of(job)
    assert "王芳" in rows[0][0] and staff.username in rows[0][0]
    assert job.created_at.astimezone(datetime.UTC).strftime("%Y") in rows[0][0]
    assert workbook.properties.creator == staff.username
    assert workbook.properties.description == rows[0][0]
    custom = {prop.name: prop.value for prop in workbook.custom_doc_props.props}
    assert custom["ExportedBy"] == f"{staff.username} ({staff.pk})" and custom["Unmasked"] == "false"
    assert custom["Rows"] == "4"
    assert staff.username in workbook.active.oddHeader.center.text


def test_union_chairs_and_zone_workers_do_not_export(roster):
    union, _members, _outsider, _staff = roster
    chair = UnionChairFactory(union=union).user
    worker = ZoneStaffFactory(zone=union.zone, role=Role.ZONE_SOCIAL_WORKER).user

    for user in (chair, worker):
        with pytest.raises(PermissionDenied):
            do_start_member_export(actor=user, filters={})


def test_leadership_exports_its_branch_masked(roster):
    union, _members, _outsider, _staff = roster
    other_branch = MemberFactory(union=GrassrootsUnionFactory())
    leader = RoleAssignmentFactory(federation=union.federation, role=Role.LEADERSHIP).user

    rows, _workbook = sheet_of(export(leader))

    assert [r[10] for r in rows[2:]] == [m.id_number_masked for m in union.members.order_by("id")]
    assert other_branch.id_number_masked not in str(rows)
    with pytest.raises(PermissionDenied):
        do_start_member_export(actor=leader, filters={}, unmasked=True, reason="年度统计")


def test_an_unmasked_export_needs_a_reason(roster):
    _union, _members, _outsider, staff = roster

    with pytest.raises(ValidationError) as refused:
        do_start_member_export(actor=staff, filters={}, unmasked=True, reason="  ")

    assert "reason" in refused.value.message_dict
    assert not Job.objects.exists()


def test_an_unmasked_export_shows_the_numbers_and_is_logged_once(roster):
    _union, members, _outsider, staff = roster

    job = export(staff, unmasked=True, reason="核对入会信息", ip="10.0.0.8")

    rows, workbook = sheet_of(job)
    exported = {(r[9], r[10]) for r in rows[2:]}
    assert {(m.reveal_phone(), m.reveal_id_number()) for m in members} <= exported and len(exported) == 4
    assert {p.name: p.value for p in workbook.custom_doc_props.props}["Unmasked"] == "true"
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id, log.ip_address) == (staff, "export_unmasked", str(job.pk), "10.0.0.8")
    assert "核对入会信息" in log.reason and "4" in log.reason


def test_bad_filters_are_refused(roster):
    _union, _members, _outsider, staff = roster

    with pytest.raises(ValidationError):
        do_start_member_export(actor=staff, filters={"status": "retired"})


def test_files_are_served_to_their_maker_and_staff_in_scope_only(roster, client_for):
    union, _members, _outsider, staff = roster
    leader = UserFactory(federation=union.federation)
    RoleAssignmentFactory(user=leader, federation=union.federation, role=Role.LEADERSHIP)
    colleague = RoleAssignmentFactory(federation=union.federation, role=Role.FEDERATION_STAFF).user
    outsider = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user
    staff_file = export(staff, unmasked=True, reason="核对入会信息")
    leader_file = export(leader)

    def status(user, job):
        return client_for(user).get(f"/api/v1/member-exports/{job.pk}/file/").status_code

    assert status(staff, staff_file) == 200 and status(colleague, staff_file) == 200
    assert status(leader, staff_file) == 404 and status(outsider, staff_file) == 404
    assert status(leader, leader_file) == 200 and status(staff, leader_file) == 200
    assert status(outsider, leader_file) == 404
    response = client_for(staff).get(f"/api/v1/member-exports/{staff_file.pk}/file/")
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")


def test_the_api_starts_an_export(roster, client_for):
    _union, _members, _outsider, staff = roster
    api = client_for(staff)

    refused = api.post("/api/v1/member-exports/", {"unmasked": True, "password": PASSWORD}, format="json")
    no_password = api.post("/api/v1/member-exports/", {"unmasked": True, "reason": "核对"}, format="json")
    started = api.post("/api/v1/member-exports/", {"filters": {"status": "active"}}, format="json")

    assert refused.status_code == 400 and "reason" in refused.json()
    assert no_password.status_code == 400 and "password" in no_password.json()
    assert started.status_code == 202
    assert Job.objects.get(pk=started.json()["id"]).params["filters"] == {"status": "active"}


def test_old_export_files_are_deleted(roster):
    _union, _members, _outsider, staff = roster
    job = export(staff)
    path = job.file.path

    assert expire_exports(now=job.finished_at + datetime.timedelta(hours=1)) == 0
    assert expire_exports(now=job.finished_at + datetime.timedelta(days=4)) == 1

    job.refresh_from_db()
    assert not job.file
    assert not os.path.exists(path)


def test_the_admin_exports_the_changelist_filters(roster, client):
    union, _members, _outsider, staff = roster
    client.force_login(staff)
    changelist = client.get("/admin/members/member/?status__exact=active&is_model_worker__exact=0").content.decode()
    assert "/admin/members/member/export/?" in changelist

    page = client.get(f"/admin/members/member/export/?status__exact=active&union__id__exact={union.pk}")
    assert union.name in page.content.decode()
    refused = client.post(
        "/admin/members/member/export/?status__exact=active", {"unmasked": "on", "reason": "", "password": PASSWORD}
    )
    wrong_password = client.post(
        "/admin/members/member/export/?status__exact=active", {"unmasked": "on", "reason": "核对", "password": "x"}
    )
    assert not Job.objects.exists() and refused.status_code == wrong_password.status_code == 200
    assert list(wrong_password.context["form"].errors) == ["password"]
    started = client.post("/admin/members/member/export/?status__exact=active&is_model_worker__exact=0", {})

    job = Job.objects.get()
    assert job.params["filters"] == {"status": "active", "is_model_worker": "false"}
    assert started["Location"] == f"/admin/members/member/export/{job.pk}/"
    export_members.apply(args=[job.pk], throw=True)
    done = client.get(started["Location"]).content.decode()
    assert f'href="/admin/members/member/export/{job.pk}/file/"' in done
    assert client.get(f"/admin/members/member/export/{job.pk}/file/").status_code == 200


def test_text_that_looks_like_a_formula_stays_text(roster):
    union, _members, _outsider, staff = roster
    sneaky = MemberFactory(union=union, name="=HYPERLINK(1)", employer="=1+1")

    rows, workbook = sheet_of(export(staff))

    cells = next(row for row in workbook.active.iter_rows() if row[1].value == sneaky.name)
    assert (cells[1].data_type, cells[7].data_type) == ("s", "s")
    assert len(rows) == 2 + 5


def test_the_hourly_clean_up_is_scheduled_and_deletes_old_files(roster, django_capture_on_commit_callbacks):
    _union, _members, _outsider, staff = roster
    assert "members.expire_roster_files" in {entry["task"] for entry in settings.UNIONHUB_BEAT_SCHEDULE.values()}
    assert "members.expire_roster_files" in app.tasks
    old = export(staff)
    fresh = export(staff)
    Job.objects.filter(pk=old.pk).update(finished_at=old.finished_at - datetime.timedelta(days=4))

    with django_capture_on_commit_callbacks(execute=True):
        expire_roster_files.apply(throw=True)

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert not old.file and fresh.file
