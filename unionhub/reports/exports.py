"""The dashboard's tables as xlsx workbooks, built on the server from the same scoped rows the page shows."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook

from unionhub.core.choices import SecurityEventKind
from unionhub.core.security_log import record as record_security_event

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_MAX = 31  # Excel's limit


def xlsx_response(
    filename: str, title: str, columns: Sequence[tuple[str, Any]], rows: Iterable[dict[str, Any]], heading: str
) -> HttpResponse:
    """One sheet: a heading line (what and which period), the column labels, then one line per row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:SHEET_TITLE_MAX])
    sheet.append([heading])
    sheet.append([str(label) for _key, label in columns])
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - the count is logged below
        sheet.append([row.get(key) for key, _label in columns])
    # The request being served names who exported, and from where.
    record_security_event(SecurityEventKind.EXPORT, detail={"what": filename, "rows": count})
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
