"""Roster figures at Ningbo scale: a 100,000-row import (dry run + import) beside the COPY of the same rows,
and an unmasked export of about 100,000 members as a job.

Both run the jobs' own code in this process (as the worker runs it), on the bench database, as
the bench's county staff user, and remove what they made afterwards: the imported members and
their history, the export file, the jobs, the import and its access-log records.
"""

from __future__ import annotations

import io
import random
import time
from typing import Any

IMPORT_ROWS = 100_000
IMPORT_LIMIT_S = 60
EXPORT_ROWS = 100_000
EXPORT_LIMIT_S = 30
# Resident ID numbers of an area code the scale data never uses, so every row is new.
AREA = "339901"
UNIONS = 200


def roster_file(unions: list[tuple[str, str]], rows: int) -> bytes:
    """An xlsx roster as a union federation sends it: a title line, Chinese headers, ``rows`` valid rows."""
    import datetime

    from openpyxl import Workbook

    from unionhub.core.validators import id_check_character

    rng = random.Random(20241201)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会员名册")
    sheet.append(["宁波市会员名册（导入测试）"])
    sheet.append(
        ["序号", "姓名", "身份证号码", "手机号码", "工会名称", "统一社会信用代码", "职业", "用工形式", "入会时间"]
    )
    first_day = datetime.date(1970, 1, 1)
    for n in range(rows):
        born = (first_day + datetime.timedelta(days=n % 12_000)).strftime("%Y%m%d")
        body = f"{AREA}{born}{n // 12_000:03d}"
        name, code = unions[n % len(unions)]
        sheet.append(
            [
                n + 1,
                rng.choice("王李张刘陈杨黄赵吴周") + rng.choice("伟芳娜敏静丽强磊军洋") + rng.choice(["", "华", "明"]),
                body + id_check_character(body),
                f"139{n:08d}",
                name,
                code,
                rng.choice(["外卖骑手", "快递员", "网约车司机", "工厂工人"]),
                rng.choice(["新就业形态", "标准劳动关系", "灵活就业"]),
                "2025-03-01",
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return with_dimension(out.getvalue(), f"A1:I{rows + 2}")


def with_dimension(xlsx: bytes, ref: str) -> bytes:
    """The workbook with the sheet's <dimension>, which Excel and WPS always write and openpyxl's
    write-only mode leaves out; without it openpyxl's reader parses the whole sheet once more just
    to size it, which no roster a union sends would cost."""
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetViews>", f'<dimension ref="{ref}" /><sheetViews>'.encode(), 1)
            target.writestr(item, data)
    return out.getvalue()


def measure_import(user: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction

    from members.models import Member, RosterImport
    from members.roster import imports
    from members.tasks import check_roster, commit_roster
    from unionhub.core.bulkcopy import copy_rows
    from unionhub.core.models import AccessLog, Job, OutboxMessage

    from .main import Result

    unions = list(
        imports.unions_open_to(user)
        .filter(credit_code__isnull=False, is_holding_pool=False)
        .order_by("id")
        .values_list("name", "credit_code")[:UNIONS]
    )
    data = roster_file(unions, IMPORT_ROWS)
    first_new = (Member.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    outbox_before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    roster = None
    try:
        start = time.perf_counter()
        roster = imports.do_upload_roster(SimpleUploadedFile("roster.xlsx", data), actor=user)
        roster = imports.do_check_roster(roster, actor=user, columns=roster.columns, default_union=None)
        check_roster.apply(args=[roster.job_id], throw=True)
        checked = time.perf_counter()
        roster.refresh_from_db()
        if roster.error_rows:
            raise SystemExit(f"bench: the generated roster has errors: {roster.errors[:5]}")
        roster = imports.do_commit_roster(roster, actor=user)
        commit_roster.apply(args=[roster.job_id], throw=True)
        done = time.perf_counter()
        roster.refresh_from_db()
        added = roster.new_rows

        # The COPY of the same rows, already encrypted, into the members table: the floor of any import
        # (under other ids and without member numbers, which are unique; rolled back).
        columns = [name for name in imports.MEMBER_COLUMNS if name not in ("id", "member_number")]
        values = list(
            Member.objects.filter(id__gte=first_new)
            .order_by("id")
            .values_list(*[f"{c}_id" if c in ("union", "zone") else c for c in columns])
        )
        with transaction.atomic():
            with connection.cursor() as cursor:
                # The imported rows out of the way first (rolled back too): each member is live once per
                # federation (members_one_live_membership_per_federation), so a second copy would collide.
                cursor.execute("DELETE FROM members_member WHERE id >= %s", [first_new])
                copy_start = time.perf_counter()
                copy_rows(cursor, Member, ["id", *columns], ((-1 - n, *row) for n, row in enumerate(values)))
                copy_s = time.perf_counter() - copy_start
            transaction.set_rollback(True)
    finally:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM members_historicalmember WHERE id >= %s", [first_new])
                cursor.execute("DELETE FROM members_member WHERE id >= %s", [first_new])
            if roster is not None:
                jobs = list(
                    Job.objects.filter(kind__startswith="members.roster_", params__roster=roster.pk).values_list(
                        "pk", flat=True
                    )
                )
                AccessLog.objects.filter(model="members.rosterimport", object_id=str(roster.pk)).delete()
                RosterImport.objects.filter(pk=roster.pk).delete()
                Job.objects.filter(pk__in=jobs).delete()
            OutboxMessage.objects.filter(id__gt=outbox_before).delete()
    total = done - start
    return Result(
        operation="roster import, 100,000 rows",
        user="county_staff",
        median_ms=round(total * 1000, 1),
        p95_ms=round(total * 1000, 1),
        floor_ms=0.0,
        floor_p95_ms=0.0,
        sql_ms=round(copy_s * 1000, 1),
        ratio=0.0,
        queries=0,
        floor_queries=0,
        target=f"≤ {IMPORT_LIMIT_S} s",
        ok=total <= IMPORT_LIMIT_S and added == IMPORT_ROWS,
        rows=added,
        iterations=1,
        notes=[
            f"upload + dry run {checked - start:.1f} s, import {done - checked:.1f} s (xlsx, {len(data) / 1e6:.1f} MB);"
            f" COPY of the same {len(values):,} rows, encrypted beforehand: {copy_s:.1f} s (sql column)"
        ],
    )


def measure_export(user: Any) -> Any:
    """An unmasked export of about EXPORT_ROWS members (the latest joined in the user's scope), as a job."""
    from members.models import Member
    from members.roster.exports import do_start_member_export
    from members.tasks import export_members
    from unionhub.core.choices import Action
    from unionhub.core.models import AccessLog, Job, OutboxMessage

    from .main import Result

    scoped = Member.objects.restrict(user, Action.REVEAL).filter(joined_on__isnull=False)
    since = scoped.order_by("-joined_on").values_list("joined_on", flat=True)[EXPORT_ROWS - 1 : EXPORT_ROWS].first()
    filters = {"joined_after": since.isoformat()} if since else {}
    outbox_before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    job = None
    try:
        start = time.perf_counter()
        job = do_start_member_export(actor=user, filters=filters, unmasked=True, reason="bench: unmasked export")
        export_members.apply(args=[job.pk], throw=True)
        total = time.perf_counter() - start
        job.refresh_from_db()
        rows, size = job.result["rows"], job.file.size
    finally:
        if job is not None:
            job.refresh_from_db()
            if job.file:
                job.file.delete(save=False)
            AccessLog.objects.filter(model="core.job", object_id=str(job.pk)).delete()
            Job.objects.filter(pk=job.pk).delete()
        OutboxMessage.objects.filter(id__gt=outbox_before).delete()
    return Result(
        operation="unmasked export, ~100,000 rows",
        user="county_staff",
        median_ms=round(total * 1000, 1),
        p95_ms=round(total * 1000, 1),
        floor_ms=0.0,
        floor_p95_ms=0.0,
        sql_ms=0.0,
        ratio=0.0,
        queries=0,
        floor_queries=0,
        target=f"≤ {EXPORT_LIMIT_S} s",
        ok=total <= EXPORT_LIMIT_S,
        rows=rows,
        iterations=1,
        notes=[f"job run in-process: {rows:,} members joined since {since}, {size / 1e6:.1f} MB xlsx"],
    )
