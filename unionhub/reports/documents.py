"""A report's three files, drawn from its figures snapshot and narrative: xlsx, docx (公文) and PDF.

- **xlsx** (openpyxl): one sheet per area (AREAS, then the zones and the monthly trend), each
  watermarked like the other exports: the workbook's properties, the print header and the
  first line say what it is and when it was built.
- **docx** (python-docx) in the layout of an official document (公文, GB/T 9704): A4, margins
  37/35/28/26 mm, the issuing body in red over a red rule, the title in a 方正小标宋-like
  font at 2号 (22 pt), the body in a 仿宋-like font at 3号 (16 pt), the date at the end. The
  fonts are named in the file (REPORT_DOCX_TITLE_FONT, REPORT_DOCX_BODY_FONT); Word on the
  reader's machine substitutes an installed CJK font when one is missing.
- **PDF** (ReportLab, charts drawn with reportlab.graphics: no browser in the worker). Chinese
  needs a CJK font ReportLab can read: a TrueType one (glyf outlines) is embedded
  (REPORT_PDF_FONT_PATH, else the first of PDF_FONT_CANDIDATES found, e.g. Debian's
  fonts-wqy-microhei). Noto Sans CJK, which the membership card uses, has CFF outlines that
  ReportLab cannot embed; without a TrueType CJK font the PDF uses ReportLab's built-in
  Adobe-GB1 font STSong-Light, which every PDF reader supplies (not embedded).

Everything is rendered under translation.override(report language), so the files read in
the federation's language whoever asked for them.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty

from stations.choices import UpkeepItem
from zones.choices import WorkKind

from . import dashboard
from .models import QuarterlyReport, ReportKind
from .quarterly import report_language

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
CONTENT_TYPES = {"xlsx": XLSX, "docx": DOCX, "pdf": PDF}
SHEET_TITLE_MAX = 31

# Areas of the report, each a sheet of the workbook: the headline figures it covers.
AREAS: list[tuple[str, list[str]]] = [
    ("members", ["members", "members_new", "new_form_percent", "unions"]),
    ("visits", ["zones", "unions_to_visit", "unions_visited", "visited_percent", "visits"]),
    ("findings", ["findings_found", "findings_handled"]),
    ("stations", ["stations", "stations_open", "check_ins"]),
    ("activities", ["activities", "participants"]),
    (
        "grievances",
        [
            "grievances_found",
            "grievances_handled",
            "grievances_on_time",
            "grievances_on_time_percent",
            "grievances_evaluated",
            "grievances_satisfied",
            "grievances_satisfied_percent",
            "grievances_reopened",
        ],
    ),
    (
        "hardship",
        [
            "hardship_submitted",
            "hardship_paid_cases",
            "hardship_paid",
            "hardship_budget",
            "hardship_spent",
            "hardship_remaining",
        ],
    ),
    ("work", []),
]

# TrueType CJK fonts ReportLab can embed, looked for in this order (Debian package in brackets).
PDF_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
]
CID_FONT = "STSong-Light"
RED = "C00000"
MM = 72 / 25.4  # points per millimetre


def _area_labels() -> dict[str, str]:
    return {
        "members": _("Members"),
        "visits": _("Visits"),
        "findings": _("Findings"),
        "stations": _("Stations"),
        "activities": _("Activities"),
        "grievances": _("Grievances"),
        "hardship": _("Hardship aid"),
        "work": _("Work items"),
        "zones": _("By zone"),
        "trend": _("Monthly trend"),
    }


def _figure_labels() -> dict[str, str]:
    labels = {key: str(label) for key, label in dashboard.CARDS}
    labels.update(
        unions_to_visit=_("Unions to visit this quarter"),
        unions_visited=_("Unions visited"),
        stations_open=_("Stations open"),
        grievances_on_time_percent=_("Grievances handled on time (%)"),
        grievances_satisfied_percent=_("Grievances with a satisfied worker (%)"),
    )
    return labels


def title(report: QuarterlyReport) -> str:
    scope = report.zone.name if report.zone is not None else report.federation.name
    if report.kind == ReportKind.QUARTERLY and report.quarter:
        year, number = report.quarter.split("Q")
        return _("{scope}: work report for quarter {number} of {year}").format(scope=scope, year=year, number=number)
    return _("{scope}: work report, {first} to {last}").format(
        scope=scope, first=f"{report.period_start:%Y-%m}", last=f"{report.period_end:%Y-%m}"
    )


def _date(day: datetime.date) -> str:
    return _("{year}-{month}-{day}").format(year=day.year, month=day.month, day=day.day)


def watermark(report: QuarterlyReport, at: datetime.datetime) -> str:
    return _("{title}. Built by UnionHub at {at}; for internal use, do not pass it on.").format(
        title=title(report), at=timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    )


def _value(value: Any) -> Any:
    return "—" if value is None else value


def _percent_change(now: Any, before: Any) -> Any:
    if now is None or before is None or not before:
        return None
    return round((now - before) / before * 100, 1)


# Columns of the by-zone sheet and table beyond the visits (absent from reports built before them).
ZONE_GRIEVANCE_KEYS = [
    "grievances_found",
    "grievances_handled",
    "grievances_on_time_percent",
    "grievances_satisfied_percent",
    "hardship_paid",
]


def grievance_lines(figures: dict[str, Any]) -> list[list[Any]]:
    """The grievance section's extra rows: the median time to resolve, the overdue by zone, the low satisfaction."""
    grievances = figures.get("grievances")
    if not grievances:
        return []
    overdue = grievances["overdue"]
    rows: list[list[Any]] = [
        [_("Median days to first resolution"), _value(grievances["median_days"])],
        [_("Not handled by their due time"), overdue["count"]],
        [_("Handled late"), overdue["late"]],
    ]
    rows += [[_("Overdue in {zone}").format(zone=zone["name"] or _("Not in a zone")), zone["count"]]
             for zone in overdue["zones"]]  # fmt: skip
    target = figures.get("satisfaction_target")
    rows += [
        [_("Satisfied under {target}%: {zone}").format(target=target, zone=zone["name"]), zone["satisfied_percent"]]
        for zone in figures.get("low_satisfaction") or []
    ]
    return rows


def _grievance_rows(current: Any, figures: dict[str, Any]) -> None:
    current.append([])
    for row in grievance_lines(figures):
        current.append(row)


# --- xlsx ----------------------------------------------------------------------------------------


def render_xlsx(report: QuarterlyReport, figures: dict[str, Any], narrative: str, at: datetime.datetime) -> bytes:
    with translation.override(report_language()):
        return _render_xlsx(report, figures, narrative, at)


def _render_xlsx(report: QuarterlyReport, figures: dict[str, Any], narrative: str, at: datetime.datetime) -> bytes:
    mark, areas, labels = watermark(report, at), _area_labels(), _figure_labels()
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "UnionHub"
    workbook.properties.title = title(report)
    workbook.properties.description = mark
    workbook.custom_doc_props.append(StringProperty(name="Report", value=str(report.pk)))
    workbook.custom_doc_props.append(StringProperty(name="BuiltAt", value=at.isoformat()))
    workbook.custom_doc_props.append(StringProperty(name="Areas", value=",".join(key for key, _k in AREAS)))

    def sheet(key: str, heading: Iterable[Any]) -> Any:
        created = workbook.create_sheet(str(areas.get(key, key))[:SHEET_TITLE_MAX])
        created.oddHeader.center.text = mark.replace("&", "&&")
        created.append([mark])
        created.append(list(heading))
        return created

    period, previous = figures["period"], figures["previous"]
    columns = [
        _("Figure"),
        f"{period['first']}–{period['last']}",
        f"{previous['first']}–{previous['last']}",
        _("Change"),
        _("Change (%)"),
    ]
    now, before = figures["now"], figures["before"]
    for key, keys in AREAS:
        current = sheet(key, columns)
        for name in keys:
            value, earlier = now.get(name), before.get(name)
            change = None if value is None or earlier is None else round(value - earlier, 1)
            current.append([labels[name], _value(value), _value(earlier), change, _percent_change(value, earlier)])
        if key == "visits":
            unvisited = figures["unvisited"]
            current.append([])
            current.append([_("Unions planned and not visited: {count}").format(count=unvisited["count"])])
            current.append([_("Union"), _("Zone")])
            for union in unvisited["unions"]:
                current.append([union["name"], union["zone"]])
            current.append([])
            current.append([_("Zones under the visit target ({target}%)").format(target=figures["visit_target"])])
            for zone in figures["under_target"]:
                current.append([zone["name"], zone["visited_percent"]])
        elif key == "stations":
            failed, items = figures["failed_checks"], dict(UpkeepItem.choices)
            current.append([])
            current.append([_("Stations with a failed weekly check: {count}").format(count=failed["count"])])
            current.append([_("Station"), _("Zone"), _("Failed checks"), _("Items failed")])
            for station in failed["stations"]:
                failed_items = "、".join(str(items.get(i, i)) for i in station["items"])
                current.append([station["name"], station["zone"], station["checks"], failed_items])
        elif key == "work":
            overdue, kinds = figures["overdue"], dict(WorkKind.choices)
            current.append([_("Work items due in the period"), overdue["due"]])
            current.append([_("Not done by their date"), overdue["count"]])
            for kind, count in overdue["by_kind"].items():
                current.append([str(kinds.get(kind, kind)), count])
        elif key == "grievances":
            _grievance_rows(current, figures)
    zone_keys = [
        "unions_to_visit", "unions_visited", "visited_percent", "visits", "members", "check_ins", "activities",
        *ZONE_GRIEVANCE_KEYS,
    ]  # fmt: skip
    zone_sheet = sheet("zones", [_("Zone"), *[labels[key] for key in zone_keys]])
    for row in figures["zones"]:
        name = row["name"] or _("Not in a zone")
        zone_sheet.append([name, *[_value(row.get(key)) for key in zone_keys]])
    trend = figures["trend"]
    trend_sheet = sheet("trend", [_("Figure"), *trend["months"]])
    trend_labels = {key: str(label) for key, label in dashboard.TREND_SERIES}
    for key, values in trend["series"].items():
        trend_sheet.append([trend_labels.get(key, key), *[_value(v) for v in values]])
    narrative_sheet = workbook.create_sheet(str(_("Narrative"))[:SHEET_TITLE_MAX])
    narrative_sheet.append([mark])
    for line in narrative.splitlines():
        narrative_sheet.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- docx (公文) ----------------------------------------------------------------------------------


def render_docx(report: QuarterlyReport, figures: dict[str, Any], narrative: str, at: datetime.datetime) -> bytes:
    with translation.override(report_language()):
        return _render_docx(report, figures, narrative, at)


def _font(run: Any, name: str, size: float, *, bold: bool = False, colour: str | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _render_docx(report: QuarterlyReport, figures: dict[str, Any], narrative: str, at: datetime.datetime) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    title_font = getattr(settings, "REPORT_DOCX_TITLE_FONT", "方正小标宋简体")
    body_font = getattr(settings, "REPORT_DOCX_BODY_FONT", "仿宋_GB2312")
    document = Document()
    document.core_properties.title = title(report)
    document.core_properties.comments = watermark(report, at)
    document.core_properties.author = "UnionHub"
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = body_font
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), body_font)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)

    # The issuing body (发文机关标志) in red, centred, above a red rule.
    issuer = document.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issuer.paragraph_format.line_spacing = Pt(40)
    _font(issuer.add_run(report.federation.name), title_font, 26, bold=True, colour=RED)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in {"w:val": "single", "w:sz": "18", "w:space": "6", "w:color": RED}.items():
        bottom.set(qn(key), value)
    borders.append(bottom)
    issuer._p.get_or_add_pPr().append(borders)
    document.add_paragraph()
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.line_spacing = Pt(36)
    _font(heading.add_run(title(report)), title_font, 22, bold=True)
    document.add_paragraph()
    for line in narrative.splitlines():
        if not line.strip():
            continue
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters of 3号
        _font(paragraph.add_run(line.strip()), body_font, 16)

    labels, now, before = _figure_labels(), figures["now"], figures["before"]
    caption = document.add_paragraph()
    _font(caption.add_run(_("Main figures")), body_font, 16, bold=True)
    keys = [key for _area, area_keys in AREAS for key in area_keys]
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, [_("Figure"), _("This period"), _("Previous period"), _("Change")], strict=True
    ):
        _font(cell.paragraphs[0].add_run(text), body_font, 12, bold=True)
    for key in keys:
        value, earlier = now.get(key), before.get(key)
        change = None if value is None or earlier is None else round(value - earlier, 1)
        for cell, text in zip(
            table.add_row().cells, [labels[key], _value(value), _value(earlier), _value(change)], strict=True
        ):
            _font(cell.paragraphs[0].add_run(str(text)), body_font, 12)
    extra = grievance_lines(figures)
    if extra:
        caption = document.add_paragraph()
        _font(caption.add_run(_("Grievances and hardship aid")), body_font, 16, bold=True)
        grievance_table = document.add_table(rows=0, cols=2)
        grievance_table.style = "Table Grid"
        for label, value in extra:
            cells = grievance_table.add_row().cells
            _font(cells[0].paragraphs[0].add_run(str(label)), body_font, 12)
            _font(cells[1].paragraphs[0].add_run(str(value)), body_font, 12)

    document.add_paragraph()
    for text in (report.federation.name, _date(timezone.localtime(at).date())):
        signed = document.add_paragraph()
        signed.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(signed.add_run(text), body_font, 16)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF -------------------------------------------------------------------------------------------


@cache
def pdf_font() -> str:
    """Register and name the CJK font of the PDFs: an embeddable TrueType one if found, else STSong-Light."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    configured = getattr(settings, "REPORT_PDF_FONT_PATH", "")
    for path in [configured, *PDF_FONT_CANDIDATES] if configured else PDF_FONT_CANDIDATES:
        if not path or not Path(path).exists():
            continue
        try:
            pdfmetrics.registerFont(TTFont("ReportCJK", path, subfontIndex=0))
        except TTFError:  # CFF outlines (OpenType/CFF, e.g. Noto Sans CJK) cannot be embedded
            continue
        return "ReportCJK"
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def render_pdf(report: QuarterlyReport, figures: dict[str, Any], narrative: str, at: datetime.datetime) -> bytes:
    with translation.override(report_language()):
        return _render_pdf(report, figures, narrative, at)


# Charts: at most this many zones in the coverage bar chart (the lowest coverage first).
CHART_ZONES = 30
CHART_SERIES = ["visits", "check_ins", "activities", "members_new"]


def coverage_chart(figures: dict[str, Any], font: str, width: float) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    zones = [z for z in figures["zones"] if z["id"] is not None]
    zones = sorted(zones, key=lambda z: (z["visited_percent"] is not None, z["visited_percent"] or 0))[:CHART_ZONES]
    drawing = Drawing(width, 220)
    drawing.add(String(0, 205, _("Unions visited this quarter (%), by zone"), fontName=font, fontSize=11))
    if not zones:
        drawing.add(String(0, 100, _("No zones with figures."), fontName=font, fontSize=10))
        return drawing
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 60, width - 40, 130
    chart.data = [[z["visited_percent"] or 0 for z in zones]]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = font
    chart.categoryAxis.categoryNames = [z["name"] for z in zones]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.bars[0].fillColor = colors.HexColor("#c0392b")
    drawing.add(chart)
    return drawing


def trend_chart(figures: dict[str, Any], font: str, width: float) -> Any:
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    trend, labels = figures["trend"], {key: str(label) for key, label in dashboard.TREND_SERIES}
    palette = [colors.HexColor(c) for c in ("#c0392b", "#2c7fb8", "#31a354", "#756bb1")]
    drawing = Drawing(width, 220)
    drawing.add(String(0, 205, _("Month by month"), fontName=font, fontSize=11))
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 40, width - 150, 150
    chart.data = [[v or 0 for v in trend["series"].get(key, [])] or [0] for key in CHART_SERIES]
    chart.categoryAxis.categoryNames = trend["months"] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.valueMin = 0
    for index, colour in enumerate(palette):
        chart.lines[index].strokeColor = colour
        chart.lines[index].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 110, 180
    legend.fontName, legend.fontSize = font, 8
    legend.colorNamePairs = [(palette[i], labels.get(key, key)) for i, key in enumerate(CHART_SERIES)]
    drawing.add(legend)
    return drawing


def _render_pdf(report: QuarterlyReport, figures: dict[str, Any], narrative: str, at: datetime.datetime) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf_font()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=37 * MM,
        bottomMargin=35 * MM,
        leftMargin=28 * MM,
        rightMargin=26 * MM,
        title=title(report),
        author="UnionHub",
        subject=watermark(report, at),
    )
    issuer = ParagraphStyle(
        "issuer", fontName=font, fontSize=22, leading=30, alignment=TA_CENTER, textColor=colors.HexColor("#" + RED)
    )
    heading = ParagraphStyle("title", fontName=font, fontSize=18, leading=28, alignment=TA_CENTER, spaceAfter=12)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=22, firstLineIndent=24, wordWrap="CJK")
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0)
    section = ParagraphStyle("section", fontName=font, fontSize=13, leading=20, spaceAfter=6)
    story: list[Any] = [Paragraph(escape(report.federation.name), issuer), Spacer(1, 6)]
    story.append(
        Table(
            [[""]], colWidths=[document.width], style=[("LINEABOVE", (0, 0), (-1, 0), 1.5, colors.HexColor("#" + RED))]
        )
    )
    story += [Paragraph(escape(title(report)), heading)]
    story += [Paragraph(escape(line.strip()), body) for line in narrative.splitlines() if line.strip()]
    story += [Spacer(1, 12), coverage_chart(figures, font, document.width), Spacer(1, 6)]
    story += [trend_chart(figures, font, document.width), Spacer(1, 12)]

    labels, now, before = _figure_labels(), figures["now"], figures["before"]
    rows = [[_("Figure"), _("This period"), _("Previous period"), _("Change")]]
    for key in [key for _area, area_keys in AREAS for key in area_keys]:
        value, earlier = now.get(key), before.get(key)
        change = None if value is None or earlier is None else round(value - earlier, 1)
        rows.append([labels[key], str(_value(value)), str(_value(earlier)), str(_value(change))])
    table_style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
        ]
    )
    story.append(
        Table(rows, colWidths=[document.width * 0.4] + [document.width * 0.2] * 3, style=table_style, repeatRows=1)
    )
    extra = grievance_lines(figures)
    if extra:
        story.append(Spacer(1, 12))
        story.append(Paragraph(escape(_("Grievances and hardship aid")), section))
        extra_rows = [[Paragraph(escape(str(label)), small), str(value)] for label, value in extra]
        story.append(Table(extra_rows, colWidths=[document.width * 0.7, document.width * 0.3], style=table_style))
    zones = [z for z in figures["zones"] if z["id"] is not None]
    if zones:
        story.append(Spacer(1, 12))
        zone_rows = [
            [
                _("Zone"),
                labels["unions_to_visit"],
                labels["unions_visited"],
                labels["visited_percent"],
                labels["visits"],
            ]
        ]
        zone_rows += [
            [z["name"], z["unions_to_visit"], z["unions_visited"], _value(z["visited_percent"]), z["visits"]]
            for z in zones
        ]
        zone_rows = [[Paragraph(escape(str(c)), small) for c in row] for row in zone_rows]
        story.append(
            Table(
                zone_rows,
                colWidths=[document.width * 0.32] + [document.width * 0.17] * 4,
                style=table_style,
                repeatRows=1,
            )
        )
    story += [
        Spacer(1, 24),
        Paragraph(escape(report.federation.name), right),
        Paragraph(escape(_date(timezone.localtime(at).date())), right),
    ]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(doc.leftMargin, 15 * MM, watermark(report, at))
        canvas.drawRightString(A4[0] - doc.rightMargin, 15 * MM, f"— {doc.page} —")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


RENDERERS = {"xlsx": render_xlsx, "docx": render_docx, "pdf": render_pdf}
