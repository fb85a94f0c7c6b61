"""Hotline ticket import: a dry run reports each bad row and changes nothing, the import files every
new ticket or none, a second import of the same file adds nothing, and it stays in its federation."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from events.choices import GrievanceChannel, GrievanceStatus
from events.hotline import imports
from events.hotline.imports import (
    do_abandon_hotline_import,
    do_check_hotline_import,
    do_commit_hotline_import,
    do_upload_hotline_file,
)
from events.hotline.models import HotlineImport
from events.models import Grievance
from events.tasks import check_hotline_import, commit_hotline_import
from members.choices import ImportStatus
from tests.factories import (
    EnterpriseFactory,
    FederationFactory,
    GrassrootsUnionFactory,
    RoleAssignmentFactory,
    UnionChairFactory,
    UserFactory,
    ZoneFactory,
)
from unionhub.core.choices import Role
from unionhub.core.exceptions import OutOfScope

pytestmark = pytest.mark.django_db

HEADERS = ["工单编号", "受理时间", "来电人", "来电号码", "诉求类别", "诉求内容", "涉及单位", "地址"]


def xlsx(rows, headers=HEADERS, title="12351职工服务热线工单导出"):
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("热线工单.xlsx", out.getvalue())


def csv_file(rows, headers=HEADERS, encoding="gb18030"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("热线工单.csv", out.getvalue().encode(encoding))


@pytest.fixture
def county():
    zone = ZoneFactory()
    union = GrassrootsUnionFactory(zone=zone, federation=zone.federation)
    staff = UserFactory(federation=zone.federation)
    RoleAssignmentFactory(user=staff, federation=zone.federation, role=Role.FEDERATION_STAFF)
    return zone, union, staff


def tickets(employer=""):
    return [
        [
            "RX20261103001",
            datetime.datetime(2026, 11, 3, 9, 15),
            "张师傅",
            "13812345678",
            "拖欠工资",
            "三个月工资未发",
            employer,
            "江北区",
        ],
        ["RX20261103002", "2026-11-03 10:20", "", "13912345678", "工伤", "工地受伤，单位不给认定", "", ""],
        # Called from a landline, written as hotline systems write them.
        ["RX20261103003", "2026/11/04 08:00", "李女士", "0574-8765 1111", "咨询", "询问产假规定", "某某不存在公司", ""],
    ]


def run(imported: HotlineImport, *, commit: bool = False) -> HotlineImport:
    """Run the import's pending job in this process, as the worker would."""
    imported.refresh_from_db()
    (commit_hotline_import if commit else check_hotline_import).apply(args=[imported.job_id], throw=True)
    imported.refresh_from_db()
    return imported


def dry_run(upload, staff) -> HotlineImport:
    imported = do_upload_hotline_file(upload, actor=staff)
    return run(do_check_hotline_import(imported, actor=staff, columns=imported.columns))


def test_the_usual_headers_are_recognised_below_a_title_row(county):
    _, _, staff = county
    imported = do_upload_hotline_file(xlsx(tickets()), actor=staff)
    assert imported.header_row == 2
    assert imported.columns == {
        "ticket": 0,
        "received_at": 1,
        "caller_name": 2,
        "caller_phone": 3,
        "category": 4,
        "description": 5,
        "employer": 6,
        "address": 7,
    }


def test_a_dry_run_with_errors_reports_each_row_and_changes_nothing(county):
    _, _, staff = county
    future = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    rows = [
        ["T1", "2026-11-03 09:00", "王", "13812345678", "欠薪", "工资没发", "", ""],  # good
        ["T2", "2026-11-03 09:00", "王", "12345", "欠薪", "工资没发", "", ""],
        ["T3", "2026-11-03 09:00", "王", "13812345678", "停车", "工资没发", "", ""],
        ["T4", "2026-11-03 09:00", "王", "13812345678", "欠薪", "<b>工资</b>没发", "", ""],
        ["T1", "2026-11-03 09:00", "王", "13812345678", "欠薪", "工资没发", "", ""],
        ["", "2026-11-03 09:00", "王", "13812345678", "欠薪", "工资没发", "", ""],
        ["T7", future, "王", "13812345678", "欠薪", "工资没发", "", ""],
        ["T8", "2026-11-03 09:00", "王", "", "欠薪", "工资没发", "", ""],
        ["T9", "2026-11-03 09:00", "王", "13812345678", "欠薪", "欠" * 4001, "", ""],
    ]
    imported = dry_run(xlsx(rows), staff)

    assert imported.status == ImportStatus.CHECKED
    assert imported.total_rows == 9 and imported.error_rows == 8 and imported.new_rows == 1
    assert {e["row"]: e["code"] for e in imported.errors} == {
        4: "phone",
        5: "category",
        6: "description_html",
        7: "duplicate",
        8: "ticket_missing",
        9: "received_at",
        10: "phone_missing",
        11: "description_too_long",
    }
    assert not Grievance.objects.exists()
    with pytest.raises(ValidationError):
        do_commit_hotline_import(imported, actor=staff)
    assert not Grievance.objects.exists()
    # The report keeps codes, not what the caller said or their number.
    assert "13812345678" not in str(imported.errors) and "工资" not in str(imported.errors)


def test_a_clean_file_is_filed_as_hotline_grievances_then_its_file_is_deleted(
    county, django_capture_on_commit_callbacks
):
    zone, union, staff = county
    enterprise = EnterpriseFactory(union=union, name="甬江建筑有限公司")
    imported = dry_run(xlsx(tickets(employer=enterprise.name)), staff)
    assert (imported.new_rows, imported.existing_rows, imported.error_rows) == (3, 0, 0)
    assert not Grievance.objects.exists()  # the dry run filed them and rolled back
    stored = imported.file.name

    with django_capture_on_commit_callbacks(execute=True):
        imported = run(do_commit_hotline_import(imported, actor=staff), commit=True)

    assert imported.status == ImportStatus.COMMITTED and imported.new_rows == 3
    filed = {g.hotline_ticket: g for g in Grievance.objects.all()}
    assert set(filed) == {"RX20261103001", "RX20261103002", "RX20261103003"}
    first = filed["RX20261103001"]
    assert first.channel == GrievanceChannel.HOTLINE_IMPORT and first.status == GrievanceStatus.SUBMITTED
    assert first.category == "wage_arrears" and first.employer == enterprise and first.zone == zone
    assert timezone.localtime(first.created_at).replace(tzinfo=None) == datetime.datetime(2026, 11, 3, 9, 15)
    assert first.phone_last4 == "5678" and first.submitter_name == "张师傅"
    assert filed["RX20261103002"].anonymous and filed["RX20261103002"].category == "work_injury"
    assert "某某不存在公司" in filed["RX20261103003"].description  # an unknown employer is kept in the text
    assert filed["RX20261103003"].phone_is_landline and filed["RX20261103003"].masked_phone == "0**-****-1111"
    assert all(g.created_by == staff for g in filed.values())
    assert not imported.file and not default_storage.exists(stored)


def test_importing_the_same_file_again_adds_nothing(county):
    _, _, staff = county
    run(do_commit_hotline_import(dry_run(xlsx(tickets()), staff), actor=staff), commit=True)
    again = dry_run(csv_file([[str(c) for c in row] for row in tickets()]), staff)
    assert (again.new_rows, again.existing_rows, again.error_rows) == (0, 3, 0)
    again = run(do_commit_hotline_import(again, actor=staff), commit=True)
    assert again.status == ImportStatus.COMMITTED and again.new_rows == 0
    assert Grievance.objects.count() == 3


def test_an_import_files_every_row_or_none(county, monkeypatch):
    _, _, staff = county
    imported = dry_run(xlsx(tickets()), staff)
    real = imports.do_file_grievance
    calls = []

    def refuse_the_third(grievance, **kwargs):
        calls.append(grievance.hotline_ticket)
        if len(calls) == 3:
            raise ValidationError({"category": "refused now"})
        return real(grievance, **kwargs)

    monkeypatch.setattr(imports, "do_file_grievance", refuse_the_third)
    imported = run(do_commit_hotline_import(imported, actor=staff), commit=True)

    assert imported.status == ImportStatus.CHECKED and imported.error_rows == 1
    assert imported.errors[0]["code"] == "refused"
    assert not Grievance.objects.exists()


def test_the_federations_mapping_is_remembered_for_its_next_file(county):
    _, _, staff = county
    headers = ["单号", "时间", "姓名", "号码", "类", "说明"]
    first = do_upload_hotline_file(xlsx([], headers=headers, title=None), actor=staff)
    columns = {"ticket": 0, "received_at": 1, "caller_name": 2, "caller_phone": 3, "category": 4, "description": 5}
    do_check_hotline_import(first, actor=staff, columns=columns)
    again = do_upload_hotline_file(xlsx([], headers=headers, title=None), actor=staff)
    assert again.columns == columns


def test_a_mapping_without_a_required_column_is_refused(county):
    _, _, staff = county
    imported = do_upload_hotline_file(xlsx(tickets()), actor=staff)
    with pytest.raises(ValidationError) as refused:
        do_check_hotline_import(imported, actor=staff, columns={"ticket": 0, "category": 4})
    assert "columns" in refused.value.message_dict
    imported.refresh_from_db()
    assert imported.status == ImportStatus.UPLOADED and imported.job is None


def test_another_countys_staff_neither_see_nor_run_an_import(county):
    _, _, staff = county
    imported = do_upload_hotline_file(xlsx(tickets()), actor=staff)
    other = FederationFactory()
    outsider = UserFactory(federation=other)
    RoleAssignmentFactory(user=outsider, federation=other, role=Role.FEDERATION_STAFF)
    assert not HotlineImport.objects.restrict(outsider).exists()
    for action in (do_check_hotline_import, do_abandon_hotline_import):
        kwargs = {"columns": imported.columns} if action is do_check_hotline_import else {}
        with pytest.raises(OutOfScope):
            action(imported, actor=outsider, **kwargs)
    client = Client()
    client.force_login(outsider)
    assert client.get(reverse("admin:events_hotlineimport_change", args=[imported.pk])).status_code == 404
    assert (
        client.post(reverse("admin:events_hotlineimport_change", args=[imported.pk]), {"step": "abandon"}).status_code
        == 404
    )
    imported.refresh_from_db()
    assert imported.status == ImportStatus.UPLOADED


def test_ticket_numbers_are_unique_per_federation_not_across_federations(county):
    _, _, staff = county
    run(do_commit_hotline_import(dry_run(xlsx(tickets()), staff), actor=staff), commit=True)
    zone_b = ZoneFactory()
    staff_b = UserFactory(federation=zone_b.federation)
    RoleAssignmentFactory(user=staff_b, federation=zone_b.federation, role=Role.FEDERATION_STAFF)
    theirs = dry_run(xlsx(tickets()), staff_b)
    assert (theirs.new_rows, theirs.existing_rows) == (3, 0)


def test_zone_workers_and_chairs_may_not_import(county):
    zone, union, _ = county
    chair = UserFactory(federation=zone.federation)
    UnionChairFactory(user=chair, union=union)
    with pytest.raises(PermissionDenied):
        do_upload_hotline_file(xlsx(tickets()), actor=chair)
    client = Client()
    client.force_login(chair)
    assert client.get(reverse("admin:events_hotlineimport_add")).status_code == 403


def test_the_admin_pages_take_a_file_through_dry_run_and_import(county):
    _, _, staff = county
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    assert client.get(reverse("admin:events_hotlineimport_add")).status_code == 200
    response = client.post(reverse("admin:events_hotlineimport_add"), {"file": xlsx(tickets())})
    imported = HotlineImport.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "admin:events_hotlineimport_change", args=[imported.pk]
    )
    page = client.get(response.url)
    assert page.status_code == 200 and 'id="column-mapping"' in page.content.decode()
    mapping = {f"column_{field}": index for field, index in imported.columns.items()}
    client.post(response.url, {"step": "check", **mapping})
    imported = run(imported)
    page = client.get(response.url).content.decode()
    assert 'id="import-report"' in page and 'id="commit-form"' in page
    client.post(response.url, {"step": "commit"})
    run(imported, commit=True)
    assert Grievance.objects.filter(channel=GrievanceChannel.HOTLINE_IMPORT).count() == 3
    listed = client.get(reverse("admin:events_hotlineimport_changelist")).content.decode()
    assert "热线工单.xlsx" in listed
    found = client.get(reverse("admin:events_grievance_changelist"), {"q": "RX20261103002"}).content.decode()
    wanted = Grievance.objects.get(hotline_ticket="RX20261103002")
    assert reverse("admin:events_grievance_change", args=[wanted.pk]) in found
    assert found.count("/change/") == 1


def test_uploads_left_alone_are_abandoned_and_their_files_deleted(county, django_capture_on_commit_callbacks):
    _, _, staff = county
    old = do_upload_hotline_file(xlsx(tickets()), actor=staff)
    HotlineImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    fresh = do_upload_hotline_file(xlsx(tickets()), actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.abandon_stale_hotline_imports() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == ImportStatus.ABANDONED and not old.file
    assert fresh.status == ImportStatus.UPLOADED and fresh.file
    assert "events.expire_hotline_files" in {entry["task"] for entry in settings.UNIONHUB_BEAT_SCHEDULE.values()}


@pytest.mark.parametrize(
    "name, content",
    [
        ("工单.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n"),
        ("工单.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        ("工单.xlsx", b"PK\x03\x04 truncated"),
        ("工单.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        ("工单.csv", b""),
    ],
)
def test_files_that_are_not_ticket_spreadsheets_are_refused_on_the_field_and_nothing_is_kept(county, name, content):
    _, _, staff = county
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)

    response = client.post(reverse("admin:events_hotlineimport_add"), {"file": SimpleUploadedFile(name, content)})

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not HotlineImport.objects.exists()
