"""Reading roster files as grassroots unions send them: Excel (xlsx) or CSV, a title row or two, Chinese headers.

Cells are returned as they were stored (text, numbers, dates), so that the checks can tell an
ID number Excel turned into a number (its last digits lost) from one typed wrongly.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Roster fields, in the order the mapping form shows them, and the headers they are usually sent
# under (compared without spaces, asterisks and notes in brackets).
FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "会员姓名", "名字", "name", "fullname"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "idnumber"),
    "phone": ("手机号", "手机号码", "手机", "联系电话", "联系方式", "电话", "phone", "mobilephone", "mobile"),
    "union_code": ("统一社会信用代码", "工会统一社会信用代码", "社会信用代码", "信用代码", "creditcode"),
    "union_name": ("所在工会", "工会名称", "所属工会", "基层工会", "基层工会名称", "工会", "union", "unionname"),
    "occupation": ("职业", "工种", "职业类型", "occupation"),
    "work_form": ("用工形式", "就业形态", "就业形式", "用工类型", "workform"),
    "joined_on": ("入会时间", "入会日期", "入会年月", "joinedon"),
    "employer": ("工作单位", "所在单位", "用人单位", "单位名称", "就业平台", "平台", "employer"),
}
FIELD_LABELS = {
    "name": _("full name"),
    "id_number": _("ID number"),
    "phone": _("mobile phone"),
    "union_code": _("union's credit code"),
    "union_name": _("union name"),
    "occupation": _("occupation"),
    "work_form": _("work form"),
    "joined_on": _("joined on"),
    "employer": _("employer or platform"),
}
REQUIRED_FIELDS = ("name", "id_number")

# A header row is looked for among the first rows (many rosters start with a title line).
HEADER_SEARCH_ROWS = 10
_NOISE = re.compile(r"[\s*＊:：]|[(（【\[].*?[)）】\]]")


def normalise_header(text: Any) -> str:
    return _NOISE.sub("", str(text or "")).lower()


@dataclass
class Table:
    """A roster's header row (its 1-based number and texts) and an iterator over the rows below it."""

    header_row: int
    headers: list[str]
    rows: Iterator[tuple[int, tuple[Any, ...]]]  # (row number in the file, cells)
    estimated_rows: int | None


class RosterFileError(ValidationError):
    pass


def open_table(
    stream: IO[bytes],
    file_name: str,
    header_row: int | None = None,
    fields: dict[str, tuple[str, ...]] = FIELD_HEADERS,
) -> Table:
    """Open an xlsx or CSV file (a roster, or another import's ``fields``). Without ``header_row``, the
    header row is found (see find_header_row)."""
    kind = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if kind == "xlsx":
        raw_rows, estimate = _xlsx_rows(stream)
    elif kind == "csv":
        raw_rows, estimate = _csv_rows(stream)
    else:
        raise RosterFileError(
            _("Upload the roster as an Excel workbook (.xlsx) or a CSV file; save older .xls files as .xlsx first."),
            code="file_type",
        )
    head: list[tuple[int, tuple[Any, ...]]] = []
    for numbered in raw_rows:
        head.append(numbered)
        if len(head) >= (header_row or HEADER_SEARCH_ROWS):
            break
    found = header_row or find_header_row([cells for _, cells in head], fields)
    if found is None or found > len(head):
        raise RosterFileError(_("The file has no header row."), code="no_header")
    headers = [str(cell).strip() if cell is not None else "" for cell in head[found - 1][1]]
    while headers and not headers[-1]:
        headers.pop()

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        for number, cells in head[found:]:
            if any(cell not in (None, "") for cell in cells):
                yield number, cells
        for number, cells in raw_rows:
            if any(cell not in (None, "") for cell in cells):
                yield number, cells

    return Table(found, headers, rows(), None if estimate is None else max(0, estimate - found))


def find_header_row(rows: list[tuple[Any, ...]], fields: dict[str, tuple[str, ...]] = FIELD_HEADERS) -> int | None:
    """The first row with two or more known headers; else the fullest row (a title row has one cell)."""
    known = {header for headers in fields.values() for header in headers}
    fullest, most = None, 0
    for number, cells in enumerate(rows, start=1):
        texts = [normalise_header(cell) for cell in cells if cell not in (None, "")]
        if sum(text in known for text in texts) >= 2:
            return number
        if len(texts) > most:
            fullest, most = number, len(texts)
    return fullest


def guess_columns(
    headers: list[str], remembered: dict[str, str] | None = None, fields: dict[str, tuple[str, ...]] = FIELD_HEADERS
) -> dict[str, int]:
    """Map fields to column indexes: the federation's last mapping first, then the usual headers."""
    normalised = [normalise_header(h) for h in headers]
    taken: dict[str, int] = {}

    def take(field: str, candidates: tuple[str, ...], exact: bool) -> None:
        for index, text in enumerate(normalised):
            if not text or index in taken.values():
                continue
            if any(text == c if exact else (len(c) >= 3 and c in text) for c in candidates):
                taken[field] = index
                return

    for field, header in (remembered or {}).items():
        if field in fields:
            take(field, (normalise_header(header),), exact=True)
    for exact in (True, False):
        for field, candidates in fields.items():
            if field not in taken:
                take(field, candidates, exact)
    return {field: taken[field] for field in fields if field in taken}


def _xlsx_rows(stream: IO[bytes]) -> tuple[Iterator[tuple[int, tuple[Any, ...]]], int | None]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # an uploaded file can break openpyxl in many ways: all mean "unreadable"
        raise RosterFileError(_("This file is not a readable Excel workbook."), code="unreadable") from exc

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        finally:
            workbook.close()

    return rows(), sheet.max_row


def _csv_rows(stream: IO[bytes]) -> tuple[Iterator[tuple[int, tuple[Any, ...]]], int | None]:
    """CSV in UTF-8 (with or without a byte-order mark) or GB18030, as Excel in China saves it."""
    data = stream.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = codecs.decode(data, encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError(_("This CSV file is neither UTF-8 nor GB18030 text."), code="encoding")
    reader = csv.reader(io.StringIO(text, newline=""))
    return ((n, tuple(cells)) for n, cells in enumerate(reader, start=1)), text.count("\n") + (not text.endswith("\n"))
