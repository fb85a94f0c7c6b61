"""Summary tables the leadership dashboard reads (docs/dashboards.md).

A request never groups the big tables (members, check-ins, visits): Celery refreshes
``MonthlyFigures`` (unionhub.reports.summaries) and pages and the API add up its rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from unionhub.core.choices import Action, Role
from unionhub.core.models import Federation, path_index
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
    # Grievances submitted in the month, and what has become of them since (counted over that month's cohort).
    grievances_found = models.PositiveIntegerField(_("grievances found"), default=0)
    grievances_handled = models.PositiveIntegerField(_("grievances handled"), default=0)
    grievances_on_time = models.PositiveIntegerField(_("grievances handled on time"), default=0)
    grievances_evaluated = models.PositiveIntegerField(_("grievances evaluated"), default=0)
    grievances_satisfied = models.PositiveIntegerField(_("grievances with a satisfied worker"), default=0)
    grievances_reopened = models.PositiveIntegerField(_("grievances reopened"), default=0)
    # Hardship aid: cases submitted in the month, cases paid in the month and the amount paid.
    hardship_submitted = models.PositiveIntegerField(_("hardship cases submitted"), default=0)
    hardship_paid_cases = models.PositiveIntegerField(_("hardship cases paid"), default=0)
    hardship_paid = models.DecimalField(_("hardship aid paid (yuan)"), max_digits=14, decimal_places=2, default=0)
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


class HotWordFigures(models.Model):
    """How many grievances of one quarter, federation node and zone (or none) mention a word.

    Kept by the summary refresh (unionhub.reports.summaries.write_hot_words) for the
    dashboard's hot-words panel and the quarterly report: each group keeps its HOT_WORDS_KEPT
    hottest words, counted like unionhub.core.text.hot (identifying words are never counted,
    no text is stored). Keyed and scoped like MonthlyFigures, so ``restrict()`` selects the
    rows of the grievances a user may see and a sum over one zone's rows is that zone's count.
    """

    quarter = models.CharField(_("quarter"), max_length=6, help_text=_("For example 2026Q3."))
    federation_path = models.CharField(_("federation path"), max_length=255)
    zone = models.ForeignKey(Zone, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("zone"))
    word = models.CharField(_("word"), max_length=64)
    texts = models.PositiveIntegerField(_("grievances mentioning it"), default=0)

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("hot word figures")
        verbose_name_plural = _("hot word figures")
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "federation_path", "zone", "word"],
                nulls_distinct=False,
                name="reports_hotword_once",
            )
        ]
        indexes = [
            path_index("reports_hotword_fedpath", "quarter"),
            models.Index(fields=["zone", "quarter"], name="reports_hotword_zone_quarter"),
            models.Index(fields=["quarter"], name="reports_hotword_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} · {self.federation_path} · {self.zone_id or '-'} · {self.word}"


class BudgetFigures(models.Model):
    """A federation's hardship-aid budget for one year with what its subtree has paid and promised from it.

    A copy of members.hardship.with_figures over every HardshipBudget, rewritten by the summary
    refresh (a few rows per federation), so the dashboard reads no sum over the cases. Scoped like
    the budgets themselves: federation staff and leadership see them, zone workers do not.
    """

    federation = models.ForeignKey(Federation, models.CASCADE, related_name="+", verbose_name=_("federation"))
    federation_path = models.CharField(_("federation path"), max_length=255)
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2)
    spent = models.DecimalField(_("paid (yuan)"), max_digits=14, decimal_places=2)
    committed = models.DecimalField(_("approved, not yet paid (yuan)"), max_digits=14, decimal_places=2)

    scope_spec = ScopeSpec(
        federation="federation_path",
        only={Role.FEDERATION_STAFF: frozenset({Action.VIEW}), Role.LEADERSHIP: frozenset({Action.VIEW})},
    )
    objects = ScopedManager()

    class Meta:
        verbose_name = _("hardship budget figures")
        verbose_name_plural = _("hardship budget figures")
        constraints = [models.UniqueConstraint(fields=["federation", "year"], name="reports_budget_once")]
        indexes = [path_index("reports_budget_fedpath", "year")]

    def __str__(self) -> str:
        return f"{self.federation_id} · {self.year}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.spent - self.committed


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


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", _("quarterly report")
    AD_HOC = "ad_hoc", _("ad-hoc report")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    LOCKED = "locked", _("locked and signed")


class QuarterlyReport(models.Model):
    """A report (季度报告, or an ad-hoc one for any months) on one federation node or one zone.

    Built by Celery from the summary tables (unionhub.reports.quarterly), with a figures
    snapshot, a narrative drafted from it and three files rendered from both
    (unionhub.reports.documents). A quarterly report is unique per node, zone and quarter:
    building again replaces the draft. Staff edit the narrative while it is a draft; locking
    signs it (sha256 of the files and the narrative) and nothing changes it afterwards.
    Files live in the private storage and are served only through the scoped views.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices, default=ReportKind.QUARTERLY)
    federation = models.ForeignKey(
        "core.Federation", models.CASCADE, related_name="reports", verbose_name=_("federation")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(
        Zone, models.CASCADE, null=True, blank=True, related_name="reports", verbose_name=_("zone")
    )
    quarter = models.CharField(_("quarter"), max_length=6, blank=True, help_text=_("For example 2026Q3."))
    period_start = models.DateField(_("first month"))
    period_end = models.DateField(_("last month"), help_text=_("The first day of the period's last month."))
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    narrative = models.TextField(_("narrative"), blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    xlsx_file = models.FileField(_("workbook (xlsx)"), upload_to="reports/%Y/", blank=True)
    docx_file = models.FileField(_("document (docx)"), upload_to="reports/%Y/", blank=True)
    pdf_file = models.FileField(_("PDF"), upload_to="reports/%Y/", blank=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        "core.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("requested by")
    )
    locked_by = models.ForeignKey(
        "core.User", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("locked by")
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    signature = models.CharField(
        _("signature"),
        max_length=64,
        blank=True,
        help_text=_("sha256 of the three files and the narrative, at lock time."),
    )

    # Federation staff edit; leadership read and sign; zone workers read their zones' reports.
    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "zone", "quarter"],
                condition=models.Q(kind="quarterly"),
                nulls_distinct=False,
                name="reports_quarterly_once",
            )
        ]
        indexes = [
            path_index("reports_report_fedpath", "id"),
            models.Index(fields=["zone", "id"], name="reports_report_zone"),
        ]

    def __str__(self) -> str:
        return f"{self.title_period} · {self.zone_id or self.federation_id}"

    @property
    def title_period(self) -> str:
        if self.kind == ReportKind.QUARTERLY and self.quarter:
            return self.quarter
        return f"{self.period_start:%Y-%m}–{self.period_end:%Y-%m}"

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.LOCKED


class EvaluationScheme(models.Model):
    """How a federation scores its zones each quarter (依法 / 履职 / 创优) and who gets the bonus (优绩优酬).

    ``weights`` maps each dimension and each indicator to a whole-number weight (see
    unionhub.reports.evaluation.DEFAULT_WEIGHTS and docs/dashboards.md); federation staff
    edit them on the evaluation page. A federation without a scheme uses its nearest
    ancestor's, else the defaults.
    """

    federation = models.OneToOneField(
        "core.Federation", models.CASCADE, related_name="evaluation_scheme", verbose_name=_("federation")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    weights = models.JSONField(_("weights"), default=dict)
    bonus_zones = models.PositiveSmallIntegerField(
        _("zones whose workers get the bonus"), default=3, help_text=_("The best-ranked zones, each quarter.")
    )
    bonus_amount = models.PositiveIntegerField(_("bonus per worker (yuan)"), default=500)
    updated_by = models.ForeignKey(
        "core.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_spec = ScopeSpec(federation="federation_path")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("zone evaluation scheme")
        verbose_name_plural = _("zone evaluation schemes")

    def __str__(self) -> str:
        return str(self.federation_id)

    def save(self, *args: object, **kwargs: object) -> None:
        self.federation_path = self.federation.path
        super().save(*args, **kwargs)  # type: ignore[arg-type]
