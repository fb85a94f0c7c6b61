"""The leadership dashboard (/dashboard/): the figures of the user's branch, a zone, a union.

Pages are rendered on the server from unionhub.reports.dashboard; static/reports/dashboard.js
draws the charts (ECharts) and the map (Leaflet) from data passed with json_script, so the
pages need no inline script. Every read goes to the replica when one is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from stations.choices import HeatLayer
from unionhub.core.choices import Action
from unionhub.core.dbrouting import reading_from_replica
from unionhub.core.geo import basemap
from zones.choices import FindingStatus, VisitDuty

from . import dashboard
from .dashboard import Period, Selection
from .exports import xlsx_response
from .forms import PeriodForm
from .models import MonthlyFigures

# The wall display (大屏) reloads itself this often (seconds): a little more than the refresh interval.
WALL_RELOAD_SECONDS = 300


def dashboard_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a role that sees some figures, reading from the replica if there is one."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not MonthlyFigures.scope_spec.allows_somewhere(request.user, Action.VIEW):  # type: ignore[arg-type]
            raise PermissionDenied
        with reading_from_replica():
            return view(request, *args, **kwargs)

    return wrapped


def duty_labels(duties: list[str]) -> list[str]:
    return [str(VisitDuty(duty).label) for duty in duties if duty in VisitDuty.values]


def with_cells(rows: list[dict[str, Any]], columns: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Rows for a table template: each with its figures' cells in the columns' order, as HTML.

    Each cell is what ``<td data-value="{{ value|default_if_none:'' }}">{{ value|default_if_none:"—" }}</td>``
    gave (the localised number; '' and '—' for no figure), built here: a city's table is 264
    zones × 22 figures, and a template variable with its filter and localisation per cell was
    most of the page's time (bench/run --dashboard-only). Each distinct number is localised once.
    """
    shown: dict[tuple[type, str], str] = {}

    def cell(value: Any) -> str:
        if value is None:
            return '<td data-value="">—</td>'
        key = (type(value), repr(value))  # repr: Decimal("1.0") and Decimal("1.00") are equal but read apart
        if key not in shown:
            localised = escape(formats.localize(value))
            shown[key] = f'<td data-value="{localised}">{localised}</td>'
        return shown[key]

    def cells(row: dict[str, Any]) -> str:
        return mark_safe("".join(cell(row[key]) for key, _label in columns))  # noqa: S308 - every value escaped

    return [{**row, "cells": cells(row)} for row in rows]


def zone_rows(zones: list[dict[str, Any]], query: str) -> list[str]:
    """The by-zone table's rows as HTML: the zone's name, linked to its page with the period, then its figures.

    Built here rather than by a loop in the template ({% url %} and two filters per row): with
    the cells, the city's 264 rows were a third of the page's time.
    """
    link = reverse("dashboard:zone", args=[0]).removesuffix("0/")
    period = escape(f"?{query}") if query else ""
    rows = []
    for row in with_cells(zones, dashboard.ZONE_COLUMNS):
        name = escape(row["name"])
        label = f'<a href="{link}{row["id"]}/{period}">{name}</a>' if row["id"] else name
        rows.append(f'<tr id="zone-{row["id"] or "none"}"><td data-value="{name}">{label}</td>{row["cells"]}</tr>')
    return rows


def _selection(request: HttpRequest, zone_id: int | None = None) -> tuple[PeriodForm, Selection]:
    """The period asked for; the form shows the default period's months when none were given."""
    data = request.GET.copy()
    if not data.get("start") and not data.get("end"):
        default = Period.default()
        data["start"], data["end"] = f"{default.first:%Y-%m}", f"{default.last:%Y-%m}"
    form = PeriodForm(data)
    return form, form.selection(request.user, zone_id)  # type: ignore[arg-type]


def _query(request: HttpRequest) -> str:
    """The period's query string, carried to drill-downs, exports and API calls."""
    kept = request.GET.copy()
    kept.pop("display", None)
    return kept.urlencode()


def _map_config(request: HttpRequest, zone_id: int | None) -> dict[str, Any]:
    query = _query(request)
    zone_filter = f"&zone={zone_id}" if zone_id else ""
    return {
        **basemap(),
        "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"],
        "zones_url": f"{reverse('dashboard-map-zones')}?{query}{zone_filter}",
        "stations_url": f"{reverse('dashboard-map-stations')}?{query}{zone_filter}",
        "zone_page": reverse("dashboard:zone", args=[0]).replace("/0/", "/{id}/") + (f"?{query}" if query else ""),
        "heat": {
            "geojson": reverse("heatcell-geojson"),
            "nodes": dashboard.heat_nodes(request.user),  # type: ignore[arg-type]
            "layers": [[value, str(label)] for value, label in HeatLayer.choices],
            "people": _("{weight} people"),
            "title": _("Heat map"),
        },
    }


def _page_data(
    request: HttpRequest, selection: Selection, zones: list[dict[str, Any]], hot_words: dict[str, Any]
) -> dict[str, Any]:
    return {
        "trends": dashboard.trends(selection),
        "hotWords": hot_words,
        "zones": {row["id"]: row["visited_percent"] for row in zones if row["id"] is not None},
        "map": _map_config(request, selection.zone_id),
        "messages": {
            "png": _("PNG"),
            "compared": _("Compared period"),
            "stationsTruncated": _("Only some of the stations in view are shown: zoom in to see them all."),
            "noFigure": _("no figure"),
            "hotWordsCount": _("Grievances mentioning it"),
            "hotWordsCompared": _("In the compared quarter"),
        },
    }


def _common(request: HttpRequest, form: PeriodForm, selection: Selection) -> dict[str, Any]:
    wall = request.GET.get("display") == "wall"
    query = _query(request)
    return {
        "form": form,
        "selection": selection,
        "summary": dashboard.summary(selection),
        "query": query,
        "wall": wall,
        "wall_reload": WALL_RELOAD_SECONDS,
        "wall_url": f"?{query}&display=wall" if query else "?display=wall",
    }


@dashboard_view
def home(request: HttpRequest) -> HttpResponse:
    form, selection = _selection(request)
    zones = dashboard.by_zone(selection)
    hot_words = dashboard.hot_words(selection)
    context = _common(request, form, selection)
    query = context["query"]
    context.update(
        # every row escaped as it is built
        zone_rows=mark_safe("".join(selection.remember("zone_rows", lambda: zone_rows(zones, query), query))),  # noqa: S308
        zone_columns=dashboard.ZONE_COLUMNS,
        charts=dashboard.TREND_SERIES,
        hot_words=hot_words,
        hot_word_columns=dashboard.HOT_WORD_COLUMNS,
        hot_words_export_url=f"{reverse('dashboard:hot-words-xlsx')}?{context['query']}",
        data=_page_data(request, selection, zones, hot_words),
        export_url=f"{reverse('dashboard:zones-xlsx')}?{context['query']}",
    )
    return render(request, "reports/dashboard.html", context)


@dashboard_view
def zone(request: HttpRequest, pk: int) -> HttpResponse:
    found = dashboard.zone_in_scope(request.user, pk)  # type: ignore[arg-type]
    if found is None:
        raise Http404
    form, selection = _selection(request, zone_id=pk)
    hot_words = dashboard.hot_words(selection)
    context = _common(request, form, selection)
    context.update(
        zone=found,
        hot_words=hot_words,
        hot_word_columns=dashboard.HOT_WORD_COLUMNS,
        hot_words_export_url=f"{reverse('dashboard:zone-hot-words-xlsx', args=[pk])}?{context['query']}",
        grievance_median_days=dashboard.zone_grievance_median(selection),
        unions=with_cells(dashboard.zone_unions(request.user, pk), dashboard.UNION_COLUMNS[1:]),  # type: ignore[arg-type]
        union_columns=dashboard.UNION_COLUMNS,
        charts=dashboard.TREND_SERIES,
        data=_page_data(request, selection, dashboard.by_zone(selection), hot_words),
        export_url=f"{reverse('dashboard:zone-unions-xlsx', args=[pk])}?{context['query']}",
    )
    return render(request, "reports/zone.html", context)


@dashboard_view
def union(request: HttpRequest, pk: int) -> HttpResponse:
    form, selection = _selection(request)
    detail = dashboard.union_detail(selection, pk)
    context = _common(request, form, selection)
    for visit in detail["visits"]:
        visit["duty_labels"] = duty_labels(visit["duties"])
    context.update(
        union=detail,
        findings=[(FindingStatus(status).label, count) for status, count in detail["findings"].items()],
        export_url=f"{reverse('dashboard:union-visits-xlsx', args=[pk])}?{context['query']}",
    )
    return render(request, "reports/union.html", context)


@dashboard_view
def zones_xlsx(request: HttpRequest) -> HttpResponse:
    _form, selection = _selection(request)
    columns = [("name", _("Zone")), *dashboard.ZONE_COLUMNS]
    heading = _("Figures by zone, {period}").format(period=selection.period)
    return xlsx_response(
        f"zones-{selection.period.first:%Y%m}-{selection.period.last:%Y%m}.xlsx",
        _("Zones"),
        columns,
        dashboard.by_zone(selection),
        heading,
    )


def _hot_words_xlsx(selection: Selection, filename: str, place: str) -> HttpResponse:
    found = dashboard.hot_words(selection)
    heading = _("Hot words in the grievances of {place}, {quarter}").format(place=place, quarter=found["quarter"])
    if found["compared_quarter"]:
        heading += " " + _("(compared with {quarter})").format(quarter=found["compared_quarter"])
    return xlsx_response(filename, _("Hot words"), dashboard.HOT_WORD_COLUMNS, found["words"], heading)


@dashboard_view
def hot_words_xlsx(request: HttpRequest) -> HttpResponse:
    _form, selection = _selection(request)
    quarter, _compared = dashboard.hot_word_quarters(selection)
    return _hot_words_xlsx(selection, f"hot-words-{quarter}.xlsx", _("your scope"))


@dashboard_view
def zone_hot_words_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    found = dashboard.zone_in_scope(request.user, pk)  # type: ignore[arg-type]
    if found is None:
        raise Http404
    _form, selection = _selection(request, zone_id=pk)
    quarter, _compared = dashboard.hot_word_quarters(selection)
    return _hot_words_xlsx(selection, f"zone-{pk}-hot-words-{quarter}.xlsx", found.name)


@dashboard_view
def zone_unions_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    found = dashboard.zone_in_scope(request.user, pk)  # type: ignore[arg-type]
    if found is None:
        raise Http404
    heading = _("Unions of {zone} and their anomaly indices").format(zone=found.name)
    return xlsx_response(
        f"zone-{pk}-unions.xlsx",
        _("Unions"),
        dashboard.UNION_COLUMNS,
        dashboard.zone_unions(request.user, pk),  # type: ignore[arg-type]
        heading,
    )


@dashboard_view
def union_visits_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    _form, selection = _selection(request)
    detail = dashboard.union_detail(selection, pk)
    rows = [
        {"visited_at": timezone.localtime(visit["visited_at"]).strftime("%Y-%m-%d %H:%M"),
         "duties": "、".join(duty_labels(visit["duties"]))}
        for visit in detail["visits"]
    ]  # fmt: skip
    heading = _("Visits to {union}, {period}").format(union=detail["name"], period=selection.period)
    columns = [("visited_at", _("Visited at")), ("duties", _("Duties done"))]
    return xlsx_response(f"union-{pk}-visits.xlsx", _("Visits"), columns, rows, heading)
