"""Summary tables the leadership dashboard reads (docs/dashboards.md).

A request never groups the big tables (members, check-ins, visits): Celery refreshes
``MonthlyFigures`` (unionhub.reports.summaries) and pages and the API add up its rows.
"""

from __future__ import annotations

from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from unionhub.core.models import path_index
from unionhub.core.scoping import ScopedManager, ScopeSpec
from zones.models import Zone


class MonthlyFigures(models.Model):
    """One month's figures for the rows of one federation node and one zone (or none).

    Rows are keyed by the scope columns of the rows they count (their own
    ``federation_path`` and ``zone_id``), so ``restrict()`` selects exactly the summary rows
    of the raw rows a user may see, and a sum over them equals a count over the raw table.
    Flow figures (new members, visits, findings, check-ins, activities) count what happened
    in the month; stock figures count what stood at the month's end. Unions, zones and stations
    have no dates of their own: they are recorded while the month is current and kept as
    they last were when it ended (null for months before the dashboard was first refreshed).
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    federation_path = models.CharField(_("federation path"), max_length=255)
    zone = models.ForeignKey(Zone, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("zone"))

    members_active = models.PositiveIntegerField(_("members at the month's end"), default=0)
    members_new = models.PositiveIntegerField(_("new members"), default=0)
    members_new_form = models.PositiveIntegerField(_("new-employment-form members at the month's end"), default=0)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    plan_planned = models.PositiveIntegerField(_("unions to visit this quarter"), default=0)
    plan_visited = models.PositiveIntegerField(_("unions visited this quarter by the month's end"), default=0)
    findings_found = models.PositiveIntegerField(_("findings raised"), default=0)
    findings_handled = models.PositiveIntegerField(_("findings handled"), default=0)
    check_ins = models.PositiveIntegerField(_("station check-ins"), default=0)
    activities = models.PositiveIntegerField(_("activities held"), default=0)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    unions = models.PositiveIntegerField(_("grassroots unions"), null=True, blank=True)
    zones = models.PositiveIntegerField(_("zones"), null=True, blank=True)
    stations = models.PositiveIntegerField(_("stations"), null=True, blank=True)
    stations_open = models.PositiveIntegerField(_("stations open"), null=True, blank=True)

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "federation_path", "zone"], nulls_distinct=False, name="reports_monthly_once"
            )
        ]
        indexes = [
            path_index("reports_monthly_fedpath", "month"),
            models.Index(fields=["zone", "month"], name="reports_monthly_zone_month"),
            models.Index(fields=["month"], name="reports_monthly_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.federation_path} · {self.zone_id or '-'}"


class ZoneOutline(models.Model):
    """A zone's boundary simplified for the dashboard's map, kept by the summary refresh.

    Simplifying a whole city's boundaries costs 40–80 ms, too much for every page view, and
    the boundaries change rarely.
    """

    zone = models.OneToOneField(Zone, models.CASCADE, primary_key=True, related_name="outline", verbose_name=_("zone"))
    outline = gis.MultiPolygonField(_("outline"), srid=4326, null=True, blank=True, spatial_index=False)

    class Meta:
        verbose_name = _("zone outline")
        verbose_name_plural = _("zone outlines")

    def __str__(self) -> str:
        return str(self.zone_id)


class SummaryRefresh(models.Model):
    """One run of the summary refresh: which months it rewrote and when it finished (shown on the page)."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), db_index=True)
    months = ArrayField(models.DateField(), verbose_name=_("months"))
    full = models.BooleanField(_("every month"), default=False)
    rows = models.PositiveIntegerField(_("rows written"), default=0)

    class Meta:
        verbose_name = _("summary refresh")
        verbose_name_plural = _("summary refreshes")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}"
