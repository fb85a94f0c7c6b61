"""Report pages under /dashboard/reports/: the list, one report, its files, ad-hoc requests.

Everything is read through QuarterlyReport.objects.restrict(); files are served from the
private storage only through ``report_file`` (never a media URL). Editing the narrative
needs the change permission (federation staff), locking the sign permission (federation
staff and leadership), asking for an ad-hoc report only sight of the node.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from unionhub.core.choices import Action, JobStatus
from unionhub.core.models import Federation, Job, User
from unionhub.core.scoping import get_scoped_or_404
from zones.models import Zone
from zones.quarters import Quarter

from . import actions, documents, evaluation
from .forms import MonthInput
from .models import QuarterlyReport

REPORTS_PER_PAGE = 30
# The node choices of the ad-hoc form: at most this many of each kind (a city has about 400 in all).
NODE_CHOICES_MAX = 1000


def reports_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a role that sees some reports (federation staff, leadership, zone workers)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not QuarterlyReport.scope_spec.allows_somewhere(request.user, Action.VIEW):  # type: ignore[arg-type]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def scoped_reports(user: User, *, figures: bool = False) -> Any:
    reports = QuarterlyReport.objects.restrict(user, Action.VIEW).select_related("federation", "zone", "locked_by")
    return reports.defer("zone__boundary") if figures else reports.defer("zone__boundary", "figures")


def node_choices(user: User) -> list[tuple[str, str]]:
    federations = Federation.objects.restrict(user, Action.VIEW).order_by("path").values_list("id", "name")
    zones = Zone.objects.restrict(user, Action.VIEW).order_by("name").values_list("id", "name")
    return [(f"f{pk}", name) for pk, name in federations[:NODE_CHOICES_MAX]] + [
        (f"z{pk}", name) for pk, name in zones[:NODE_CHOICES_MAX]
    ]


class AdHocReportForm(forms.Form):
    node = forms.ChoiceField(label=gettext_lazy("Of"))
    start = forms.DateField(label=gettext_lazy("From"), input_formats=["%Y-%m"], widget=MonthInput)
    end = forms.DateField(label=gettext_lazy("To"), input_formats=["%Y-%m"], widget=MonthInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = node_choices(user)  # type: ignore[attr-defined]

    def node_ids(self) -> dict[str, Any]:
        node = self.cleaned_data["node"]
        return {"zone_id": int(node[1:])} if node.startswith("z") else {"federation_id": int(node[1:])}


class NarrativeForm(forms.Form):
    narrative = forms.CharField(label=gettext_lazy("Narrative"), widget=forms.Textarea(attrs={"rows": 14}))


class LockForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I have read the report; lock and sign it. It can never be changed afterwards.")
    )


def _row(report: QuarterlyReport) -> dict[str, Any]:
    return {"report": report, "title": documents.title(report)}


@reports_view
def report_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = AdHocReportForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            job = actions.do_request_ad_hoc_report(
                actor=user, start=form.cleaned_data["start"], end=form.cleaned_data["end"], **form.node_ids()
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return HttpResponseRedirect(f"{reverse('dashboard:reports')}?job={job.pk}")
    page = Paginator(scoped_reports(user).order_by("-period_end", "-id"), REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    job = _job(request)
    context = {
        "rows": [_row(report) for report in page.object_list],
        "page": page,
        "form": form,
        "job": job,
        "running": job is not None and job.status in (JobStatus.PENDING, JobStatus.RUNNING),
        "job_report": job.result.get("report") if job is not None else None,
    }
    return render(request, "reports/reports.html", context)


def _job(request: HttpRequest) -> Job | None:
    """The ad-hoc job the page follows (the requester's own), if any."""
    job_id = request.GET.get("job", "")
    if not job_id.isdigit():
        return None
    return Job.objects.filter(pk=job_id, kind=actions.AD_HOC_KIND, created_by=request.user.pk).first()


@reports_view
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    report = get_scoped_or_404(scoped_reports(user, figures=True), user, Action.VIEW, pk=pk)
    can_edit = QuarterlyReport.objects.restrict(user, Action.CHANGE).filter(pk=report.pk).exists()
    can_sign = QuarterlyReport.objects.restrict(user, Action.SIGN).filter(pk=report.pk).exists()
    narrative_form = NarrativeForm(initial={"narrative": report.narrative})
    lock_form = LockForm()
    if request.method == "POST":
        try:
            if request.POST.get("do") == "narrative" and can_edit:
                narrative_form = NarrativeForm(request.POST)
                if narrative_form.is_valid():
                    actions.do_edit_report_narrative(report, narrative_form.cleaned_data["narrative"], actor=user)
                    messages.success(request, _("The narrative is saved and the files drawn again."))
                    return HttpResponseRedirect(request.path)
            elif request.POST.get("do") == "lock" and can_sign:
                lock_form = LockForm(request.POST)
                if lock_form.is_valid():
                    actions.do_lock_report(report, actor=user)
                    messages.success(request, _("The report is locked and signed."))
                    return HttpResponseRedirect(request.path)
            else:
                raise PermissionDenied
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(request.path)
    context = {
        **_row(report),
        "paragraphs": [line for line in report.narrative.splitlines() if line.strip()],
        "figures": report.figures,
        "can_edit": can_edit and not report.is_locked,
        "can_sign": can_sign and not report.is_locked and bool(report.pdf_file.name),
        "narrative_form": narrative_form,
        "lock_form": lock_form,
        "formats": actions.FORMATS,
    }
    return render(request, "reports/report.html", context)


@reports_view
def report_file(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """One of the report's files, from the private storage; 404 out of scope, unknown or not built."""
    if fmt not in actions.FORMATS:
        raise Http404
    report = get_scoped_or_404(QuarterlyReport.objects.defer("figures"), request.user, Action.VIEW, pk=pk)
    return file_response(report, fmt)


def file_response(report: QuarterlyReport, fmt: str) -> FileResponse:
    field = getattr(report, f"{fmt}_file")
    if not field.name:
        raise Http404
    response = FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=f"{documents.title(report)}.{fmt}",
        content_type=documents.CONTENT_TYPES[fmt],
    )
    response["Cache-Control"] = "private, no-store"
    return response


class WeightsForm(forms.Form):
    """The evaluation scheme's weights (whole numbers) and bonus, one field per key of DEFAULT_WEIGHTS."""

    bonus_zones = forms.IntegerField(label=gettext_lazy("Zones whose workers get the bonus"), min_value=0, max_value=50)
    bonus_amount = forms.IntegerField(label=gettext_lazy("Bonus per worker (yuan)"), min_value=0, max_value=100000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label, indicators in evaluation.DIMENSIONS:
            self.fields[key] = forms.IntegerField(label=label, min_value=0, max_value=100)
            for name, indicator_label in indicators:
                self.fields[name] = forms.IntegerField(label=indicator_label, min_value=0, max_value=100)

    def weights(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key in evaluation.DEFAULT_WEIGHTS}


@login_required
def evaluation_page(request: HttpRequest) -> HttpResponse:
    """The zones of a federation node ranked for a quarter, the bonus list, and (staff) the weights."""
    user: User = request.user  # type: ignore[assignment]
    federations = list(Federation.objects.restrict(user, Action.VIEW).order_by("path").values_list("id", "name"))
    if not federations:
        raise PermissionDenied
    node = request.GET.get("node") or str(federations[0][0])
    federation = get_scoped_or_404(Federation, user, Action.VIEW, pk=node)
    try:
        quarter = Quarter.parse(request.GET.get("quarter", ""))
    except ValueError:
        quarter = Quarter.current().previous()
    scheme = evaluation.scheme_for(federation)
    can_edit = Federation.objects.restrict(user, Action.CHANGE).filter(pk=federation.pk).exists()
    initial = {**evaluation.weights_of(scheme), "bonus_zones": scheme.bonus_zones, "bonus_amount": scheme.bonus_amount}
    form = WeightsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            actions.do_save_evaluation_scheme(
                federation,
                form.weights(),
                bonus_zones=form.cleaned_data["bonus_zones"],
                bonus_amount=form.cleaned_data["bonus_amount"],
                actor=user,
            )
            messages.success(request, _("The weights are saved."))
            return HttpResponseRedirect(f"{request.path}?node={federation.pk}&quarter={quarter}")
    scores = evaluation.evaluate(federation, quarter, scheme)
    indicator_keys = [name for _key, _label, indicators in evaluation.DIMENSIONS for name, _l in indicators]
    context = {
        "federations": federations,
        "federation": federation,
        "quarter": quarter,
        "dimensions": evaluation.DIMENSIONS,
        "indicator_labels": [label for _key, _label, indicators in evaluation.DIMENSIONS for _n, label in indicators],
        "rows": [
            {
                "score": score,
                "dimensions": [score.dimensions[key] for key, _l, _i in evaluation.DIMENSIONS],
                "indicators": [score.indicators[key] for key in indicator_keys],
            }
            for score in scores
        ],
        "bonus": evaluation.bonus_list(scores, scheme),
        "scheme": scheme,
        "can_edit": can_edit,
        "form": form,
    }
    return render(request, "reports/evaluation.html", context)
