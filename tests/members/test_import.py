"""Roster import: per-row errors in a dry run that changes nothing, then all rows or none, never twice."""

from __future__ import annotations

import csv
import datetime
import io
import os
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from members.choices import ImportStatus, MemberStatus, Occupation, WorkForm
from members.models import ImportMapping, Member, RosterImport
from members.roster import imports
from members.roster.files import guess_columns
from members.roster.imports import do_check_roster, do_commit_roster, do_upload_roster
from members.tasks import check_roster, commit_roster
from tests.conftest import wait_for
from tests.factories import (
    GrassrootsUnionFactory,
    MemberFactory,
    RoleAssignmentFactory,
    UnionChairFactory,
    UserFactory,
    credit_code,
    id_number,
)
from unionhub.core.choices import JobStatus, Role
from unionhub.core.models import AccessLog, Job
from unionhub.core.validators import id_check_character
from unionhub.demo.roster import BAD_ROWS, demo_roster

pytestmark = pytest.mark.django_db

HEADERS = ["序号", "姓名", "身份证号码", "手机号", "工会名称", "职业", "用工形式", "入会时间", "工作单位"]


def xlsx(rows: list[list], headers: list[str] = HEADERS, title: str | None = "某某工会会员名册") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("名册.xlsx", out.getvalue())


def csv_file(rows: list[list], headers: list[str] = HEADERS, encoding: str = "gb18030") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("名册.csv", out.getvalue().encode(encoding))


def row(union, name="王芳", number=None, phone="13812345678", occupation="外卖骑手", work_form="新就业形态"):
    return ["1", name, number or id_number(), phone, union.name, occupation, work_form, "2024-05-01", "美团"]


@pytest.fixture
def place():
    union = GrassrootsUnionFactory(name="甬江街道联合工会")
    staff = UserFactory(federation=union.federation)
    RoleAssignmentFactory(user=staff, federation=union.federation, role=Role.FEDERATION_STAFF)
    return union, staff


def run(roster: RosterImport, *, commit: bool = False) -> RosterImport:
    """Run the roster's pending job in this process, as the worker would."""
    roster.refresh_from_db()
    (commit_roster if commit else check_roster).apply(args=[roster.job_id], throw=True)
    roster.refresh_from_db()
    return roster


def dry_run(upload, staff, **mapping) -> RosterImport:
    roster = do_upload_roster(upload, actor=staff)
    columns = mapping.pop("columns", roster.columns)
    return run(do_check_roster(roster, actor=staff, columns=columns, default_union=mapping.get("default_union")))


def codes(roster: RosterImport) -> dict[int, str]:
    return {error["row"]: error["code"] for error in roster.errors}


def test_the_usual_chinese_headers_are_recognised_below_a_title_row(place):
    union, staff = place
    roster = do_upload_roster(xlsx([row(union)]), actor=staff)

    assert roster.header_row == 2
    assert roster.columns == {
        "name": 1,
        "id_number": 2,
        "phone": 3,
        "union_name": 4,
        "occupation": 5,
        "work_form": 6,
        "joined_on": 7,
        "employer": 8,
    }


def test_a_federation_mapping_is_remembered_for_its_next_file(place):
    union, staff = place
    headers = ["会员", "证件", "号码", "工会名称"]
    roster = do_upload_roster(xlsx([], headers=headers), actor=staff)
    do_check_roster(roster, actor=staff, columns={"name": 0, "id_number": 1, "phone": 2}, default_union=union)

    assert ImportMapping.objects.get(federation=staff.federation).columns == {
        "name": "会员",
        "id_number": "证件",
        "phone": "号码",
    }
    again = do_upload_roster(xlsx([], headers=headers), actor=staff)
    assert again.columns == {"name": 0, "id_number": 1, "phone": 2, "union_name": 3}


def test_guessing_prefers_the_credit_code_to_the_union_name():
    assert guess_columns(["姓名", "工会统一社会信用代码", "所在工会（全称）", "身份证号（18位）*"]) == {
        "name": 0,
        "union_code": 1,
        "union_name": 2,
        "id_number": 3,
    }


def test_a_dry_run_reports_each_bad_row_and_changes_nothing(place):
    union, staff = place
    good = id_number("19900101")
    bad_checksum = good[:17] + ("0" if good[17] != "0" else "1")
    bad_date = "330226" + "19901332" + "123"
    bad_date += id_check_character(bad_date)
    elsewhere = MemberFactory(union=GrassrootsUnionFactory())  # another federation's member
    rows = [
        row(union, "王芳", good),
        row(union, "李强", bad_checksum),
        row(union, "张伟", bad_date),
        row(union, "陈静", good[:17]),  # too short
        row(union, "秦伟", phone="1381234567"),  # a digit short
        row(union, "赵磊", good),  # the same ID number as row 3 (the first data row)
        [*row(union, "孙丽")[:4], "不存在的工会", *row(union)[5:]],
        row(union, "周杰", elsewhere.reveal_id_number()),
        row(union, "吴敏", occupation="宇航员"),
    ]
    members_before = Member.objects.count()

    roster = dry_run(xlsx(rows), staff)

    assert roster.status == ImportStatus.CHECKED
    assert codes(roster) == {
        4: "id_checksum",
        5: "id_birth_date",
        6: "id_format",
        7: "phone",
        8: "duplicate",
        9: "union_unknown",
        10: "member_elsewhere",
        11: "occupation",
    }
    assert (roster.total_rows, roster.new_rows, roster.error_rows) == (9, 1, 8)
    assert Member.objects.count() == members_before
    assert not roster.checked_rows  # nothing to import
    # The cross-scope look-up is a yes or no, and it is logged.
    log = AccessLog.objects.get(action="member_elsewhere_lookup")
    assert log.user == staff and log.object_id == str(roster.pk)
    # Nothing personal in the report.
    report = str(roster.errors)
    assert good not in report and elsewhere.reveal_id_number() not in report and "1381234567" not in report
    with pytest.raises(ValidationError):
        do_commit_roster(roster, actor=staff)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),  # lowercase x: read as X
        ("330226198506061239", True),
        ("330226198506061230", False),  # wrong check digit
        ("44052419900101001X", False),  # X where the check digit is 8
        ("440524199001010018", True),
        ("440524189902300013", False),  # 30 February
        ("33022620300101123X", False),  # born in the future
        ("11010519491231002", False),  # 17 characters
        ("11010519491231002X1", False),  # 19 characters
        ("1101051949123100AX", False),
    ],
)
def test_id_numbers_are_checked(place, value, accepted):
    union, staff = place
    roster = dry_run(csv_file([row(union, number=value)]), staff)

    assert (roster.error_rows == 0) is accepted, roster.errors


@pytest.mark.parametrize(
    ("phone", "accepted"),
    [("13812345678", True), ("+86 138 1234 5678", True), ("", True), ("12812345678", False), ("0574-8765432", False)],
)
def test_phones_are_checked(place, phone, accepted):
    union, staff = place
    roster = dry_run(csv_file([row(union, phone=phone)]), staff)

    assert (roster.error_rows == 0) is accepted, roster.errors


def test_an_id_number_excel_turned_into_a_number_is_explained(place):
    union, staff = place
    roster = dry_run(xlsx([["1", "王芳", 330226199001011234, "13812345678", union.name]]), staff)

    assert codes(roster) == {3: "id_as_number"}


def test_an_import_adds_members_encrypted_with_their_history(place):
    union, staff = place
    number = id_number("19850606")
    roster = dry_run(
        csv_file([row(union, "王芳", number), row(union, "李强", occupation="快递员", work_form="")]), staff
    )

    roster = run(do_commit_roster(roster, actor=staff), commit=True)

    assert roster.status == ImportStatus.COMMITTED and roster.new_rows == 2
    member = Member.objects.get(id_number_hash=Member.id_number_lookup(number))
    assert (member.name, member.union, member.zone, member.federation_path) == (
        "王芳",
        union,
        union.zone,
        union.federation_path,
    )
    assert member.reveal_id_number() == number and member.reveal_phone() == "13812345678"
    assert member.id_number_masked == number[:3] + "*" * 11 + number[-4:]
    assert (member.occupation, member.work_form, member.status) == (
        Occupation.DELIVERY_RIDER,
        WorkForm.NEW_FORM,
        MemberStatus.ACTIVE,
    )
    assert member.member_number == f"{member.pk:010d}" and member.name_bigrams == ["王芳"]
    assert Member.objects.filter(name="李强", occupation=Occupation.COURIER, work_form=WorkForm.STANDARD).exists()
    created = member.history.get()
    assert (created.history_type, created.history_user) == ("+", staff)
    # The uploaded file is gone.
    assert not roster.file


def test_the_rows_of_a_clean_dry_run_are_kept_encrypted_until_the_import(place, django_capture_on_commit_callbacks):
    union, staff = place
    number = id_number()
    roster = dry_run(csv_file([row(union, "王芳", number)]), staff)
    with roster.checked_rows.open("rb") as stored:
        kept = stored.read()
    assert number.encode() not in kept and "王芳".encode() not in kept and b"13812345678" not in kept
    paths = [roster.file.path, roster.checked_rows.path]

    with django_capture_on_commit_callbacks(execute=True):
        roster = run(do_commit_roster(roster, actor=staff), commit=True)

    assert Member.objects.get(id_number_hash=Member.id_number_lookup(number)).name == "王芳"
    assert not roster.file and not roster.checked_rows
    assert not any(os.path.exists(path) for path in paths)


def test_a_second_import_of_the_same_file_adds_nothing(place):
    union, staff = place
    rows = [row(union, "王芳"), row(union, "李强")]
    first = dry_run(csv_file(rows), staff)
    run(do_commit_roster(first, actor=staff), commit=True)
    count = Member.objects.count()

    second = dry_run(csv_file(rows), staff)
    second = run(do_commit_roster(second, actor=staff), commit=True)

    assert (second.status, second.new_rows, second.existing_rows, second.error_rows) == (
        ImportStatus.COMMITTED,
        0,
        2,
        0,
    )
    assert Member.objects.count() == count


def test_an_import_is_all_or_nothing_when_a_row_fails_again(place):
    union, staff = place
    late = id_number()
    roster = dry_run(csv_file([row(union, "王芳"), row(union, "李强", late)]), staff)
    # Between the dry run and the import, the second worker joins another union.
    joined = MemberFactory(union=GrassrootsUnionFactory())
    joined.set_id_number(late)
    joined.save()
    count = Member.objects.count()

    roster = run(do_commit_roster(roster, actor=staff), commit=True)

    assert roster.status == ImportStatus.CHECKED
    assert codes(roster) == {3: "member_elsewhere"}
    assert Member.objects.count() == count


def test_an_import_that_fails_while_writing_writes_nothing(place):
    union, staff = place
    roster = dry_run(csv_file([row(union, "王芳"), row(union, "李强")]), staff)
    count = Member.objects.count()
    real_copy = imports.copy_rows

    def copy_then_fail(cursor, model, fields, rows, **options):
        if model is Member.history.model:
            raise RuntimeError("disk full")
        return real_copy(cursor, model, fields, rows, **options)

    with mock.patch.object(imports, "copy_rows", copy_then_fail), pytest.raises(RuntimeError):
        run(do_commit_roster(roster, actor=staff), commit=True)

    roster.refresh_from_db()
    assert Member.objects.count() == count
    assert roster.status == ImportStatus.CHECKED and roster.job.status == JobStatus.FAILED


def test_a_union_out_of_scope_is_unknown(place):
    union, _staff = place
    other = GrassrootsUnionFactory(name="别处工会", credit_code=credit_code())
    chair = UnionChairFactory(union=union).user
    by_code = [*row(other)[:4], "", *row(other)[5:]]
    headers = [*HEADERS[:4], "统一社会信用代码", *HEADERS[5:]]
    by_code[4] = other.credit_code

    by_name = dry_run(csv_file([row(other), row(union)]), chair)
    by_credit_code = dry_run(csv_file([by_code], headers=headers), chair)

    assert codes(by_name) == {2: "union_unknown"} and by_name.new_rows == 1
    assert codes(by_credit_code) == {2: "union_unknown"}


def test_a_chosen_union_out_of_scope_is_unknown(place):
    union, _staff = place
    chair = UnionChairFactory(union=union).user
    other = GrassrootsUnionFactory(federation=union.federation, zone=union.zone)

    with pytest.raises(ValidationError) as refused:
        do_upload_roster(csv_file([row(union)]), actor=chair, default_union=other)

    assert "default_union" in refused.value.message_dict and not RosterImport.objects.exists()


def test_rows_without_a_union_go_to_the_chosen_one(place):
    union, staff = place
    rows = [["王芳", id_number(), "13812345678"]]
    roster = dry_run(
        csv_file(rows, headers=["姓名", "身份证号", "手机号"]),
        staff,
        columns={"name": 0, "id_number": 1, "phone": 2},
        default_union=union,
    )

    roster = run(do_commit_roster(roster, actor=staff), commit=True)

    assert Member.objects.get(name="王芳").union == union


def test_a_mapping_without_name_id_number_or_union_is_refused(place):
    _union, staff = place
    roster = do_upload_roster(csv_file([]), actor=staff)

    with pytest.raises(ValidationError) as refused:
        do_check_roster(roster, actor=staff, columns={"phone": 3}, default_union=None)

    assert set(refused.value.message_dict) == {"columns", "default_union"}


def test_files_that_are_not_rosters_are_refused(place):
    _union, staff = place
    for upload in [SimpleUploadedFile("名册.xls", b"\xd0\xcf\x11\xe0"), SimpleUploadedFile("名册.xlsx", b"PK\x03\x04")]:
        with pytest.raises(ValidationError) as refused:
            do_upload_roster(upload, actor=staff)
        assert "file" in refused.value.message_dict
    assert not RosterImport.objects.exists()


def test_a_roster_over_the_row_limit_is_refused_at_upload(place, settings):
    union, staff = place
    settings.ROSTER_MAX_ROWS = 2

    with pytest.raises(ValidationError) as refused:
        do_upload_roster(csv_file([row(union), row(union), row(union)]), actor=staff)

    assert "file" in refused.value.message_dict


def test_an_abandoned_upload_is_deleted(place, django_capture_on_commit_callbacks):
    union, staff = place
    roster = do_upload_roster(csv_file([row(union)]), actor=staff)
    path = roster.file.path

    assert imports.abandon_stale_rosters(now=roster.created_at + datetime.timedelta(hours=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        abandoned = imports.abandon_stale_rosters(now=roster.created_at + datetime.timedelta(days=2))

    roster.refresh_from_db()
    assert abandoned == 1 and roster.status == ImportStatus.ABANDONED and not roster.file
    assert not os.path.exists(path)


def test_the_api_uploads_dry_runs_and_commits(place, client_for):
    union, staff = place
    api = client_for(staff)

    created = api.post("/api/v1/member-imports/", {"file": csv_file([row(union)])}, format="multipart")
    assert created.status_code == 201, created.json()
    body = created.json()
    checked = api.post(
        f"/api/v1/member-imports/{body['id']}/dry-run/", {"columns": body["columns"]}, format="json"
    ).json()
    run(RosterImport.objects.get(pk=checked["id"]))
    status = api.get(f"/api/v1/member-imports/{body['id']}/").json()
    assert (status["status"], status["new_rows"], status["errors"]) == ("checked", 1, [])

    committed = api.post(f"/api/v1/member-imports/{body['id']}/commit/")
    assert committed.status_code == 202
    run(RosterImport.objects.get(pk=body["id"]), commit=True)
    assert api.get(f"/api/v1/member-imports/{body['id']}/").json()["status"] == "committed"
    assert Job.objects.get(pk=committed.json()["job"]["id"]).status == JobStatus.SUCCEEDED


def test_an_import_is_not_reachable_by_another_federation(place, client_for):
    union, staff = place
    roster = do_upload_roster(csv_file([row(union)]), actor=staff)
    outsider = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user

    api = client_for(outsider)

    assert api.get(f"/api/v1/member-imports/{roster.pk}/").status_code == 404
    assert api.post(f"/api/v1/member-imports/{roster.pk}/commit/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_dry_run_and_the_import(celery_worker_process):
    union = GrassrootsUnionFactory(name="甬江街道联合工会")
    staff = RoleAssignmentFactory(federation=union.federation, role=Role.FEDERATION_STAFF).user
    roster = do_upload_roster(csv_file([row(union, "王芳"), row(union, "李强")]), actor=staff)

    do_check_roster(roster, actor=staff, columns=roster.columns, default_union=None)
    wait_for(lambda: RosterImport.objects.get(pk=roster.pk).status == ImportStatus.CHECKED, timeout=60)
    roster = do_commit_roster(roster, actor=staff)
    # The job is recorded as done last, after the import's own transaction.
    finished = (JobStatus.SUCCEEDED, JobStatus.FAILED)
    wait_for(lambda: Job.objects.get(pk=roster.job_id).status in finished, timeout=60)

    assert RosterImport.objects.get(pk=roster.pk).status == ImportStatus.COMMITTED
    assert set(Member.objects.filter(union=union).values_list("name", flat=True)) == {"王芳", "李强"}
    job = Job.objects.get(pk=roster.job_id)
    assert (job.status, job.percent) == (JobStatus.SUCCEEDED, 100)


def test_the_admin_pages_take_a_roster_from_upload_to_import(place, client):
    union, staff = place
    client.force_login(staff)
    changelist = client.get("/admin/members/member/")
    assert 'href="/admin/members/member/import/"' in changelist.content.decode()

    uploaded = client.post(
        "/admin/members/member/import/", {"file": xlsx([row(union, "王芳"), row(union, "李强", phone="123")])}
    )
    roster = RosterImport.objects.get()
    assert uploaded.status_code == 302 and uploaded["Location"] == f"/admin/members/member/import/{roster.pk}/"
    page = client.get(uploaded["Location"]).content.decode()
    assert 'name="column_id_number"' in page and "身份证号码" in page

    mapping = {f"column_{name}": index for name, index in roster.columns.items()}
    client.post(uploaded["Location"], {"step": "check", **mapping})
    assert 'class="job-progress"' in client.get(uploaded["Location"]).content.decode()
    run(roster)
    report = client.get(uploaded["Location"]).content.decode()
    assert 'id="import-errors"' in report and "李强" in report and 'id="commit-form"' not in report

    fixed = do_upload_roster(xlsx([row(union, "王芳")]), actor=staff)
    client.post(f"/admin/members/member/import/{fixed.pk}/", {"step": "check", **mapping})
    run(fixed)
    assert 'id="commit-form"' in client.get(f"/admin/members/member/import/{fixed.pk}/").content.decode()
    client.post(f"/admin/members/member/import/{fixed.pk}/", {"step": "commit"})
    assert run(fixed, commit=True).status == ImportStatus.COMMITTED
    assert Member.objects.filter(union=union, name="王芳").exists()


def test_the_admin_import_page_is_closed_to_those_who_cannot_add_members(client):
    leader = RoleAssignmentFactory(role=Role.LEADERSHIP).user
    client.force_login(leader)

    assert client.get("/admin/members/member/import/").status_code == 403
    assert 'id="import-roster"' not in client.get("/admin/members/member/").content.decode()


def test_the_demo_roster_has_exactly_its_three_bad_rows(place):
    union, staff = place

    roster = dry_run(SimpleUploadedFile("demo-roster.xlsx", demo_roster(union.name)), staff)

    assert codes(roster) == BAD_ROWS
    assert (roster.total_rows, roster.new_rows) == (12, 9)
