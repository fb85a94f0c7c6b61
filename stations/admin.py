from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from unionhub.core.admin import register_user_inline
from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.choices import Action
from unionhub.core.geo import basemap
from unionhub.core.models import Federation
from unionhub.core.scoping import ensure_in_scope, get_scoped_or_404

from .actions import (
    do_add_station_photo,
    do_bind_station_keeper,
    do_delete_station_part,
    do_save_station,
    do_save_station_part,
)
from .choices import HeatLayer, Moderation
from .forms import CoverageForm, StationForm, StationPhotoForm, StationServiceForm, WeekFormSet
from .models import (
    Booking,
    CheckIn,
    HeatCell,
    HelpRequest,
    OpeningException,
    OpeningPeriod,
    Station,
    StationKeeper,
    StationPartner,
    StationPhoto,
    StationService,
    Suggestion,
    UpkeepCheck,
    Venue,
    VenueClosure,
)
from .poster import poster_context
from .usage import usage_summary
from .venues import do_save_venue, usage_rate
from .voice import do_moderate_suggestion


class StationKeeperInline(admin.TabularInline):
    model = StationKeeper
    extra = 0
    fields = ["station"]
    autocomplete_fields = ["station"]
    verbose_name = _("station keeper role")


register_user_inline(StationKeeperInline, do_bind_station_keeper)


class StationPartInline(admin.TabularInline):
    """A part of a station (hours, services, partners, photos): whoever may change the station edits it."""

    extra = 0

    def _station_allows(self, request: HttpRequest, obj: Any, action: str) -> bool:
        if obj is None:
            return Station.scope_spec.allows_somewhere(request.user, Action.ADD)
        # Asked for every inline, form and permission on the page (65 times on a station's page):
        # answered once per station and action within the request.
        known: dict[tuple[int, str], bool] = request.__dict__.setdefault("_station_allows", {})
        if (obj.pk, action) not in known:
            known[obj.pk, action] = Station.objects.restrict(request.user, action).filter(pk=obj.pk).exists()
        return known[obj.pk, action]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._station_allows(request, obj, Action.VIEW)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._station_allows(request, obj, Action.CHANGE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._station_allows(request, obj, Action.CHANGE)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._station_allows(request, obj, Action.CHANGE)


class OpeningPeriodInline(StationPartInline):
    model = OpeningPeriod
    formset = WeekFormSet
    fields = ["weekday", "opens", "closes", "overnight"]


class OpeningExceptionInline(StationPartInline):
    model = OpeningException
    fields = ["date", "opens", "closes", "overnight", "note"]


class StationServiceInline(StationPartInline):
    model = StationService
    form = StationServiceForm


class StationPartnerInline(StationPartInline):
    model = StationPartner
    fields = ["name", "kind", "is_host"]


class StationPhotoInline(StationPartInline):
    model = StationPhoto
    form = StationPhotoForm
    fields = ["preview", "image", "caption"]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview"))
    def preview(self, photo: StationPhoto) -> str:
        if not photo.pk:
            return "—"
        url = reverse("stations:photo", args=[photo.station.public_code, photo.pk])
        return format_html('<a href="{}"><img src="{}?size=thumbnail" alt="" height="80"></a>', url, url)


@admin.register(Station)
class StationAdmin(ScopedAdmin):
    save_action = staticmethod(do_save_station)
    form = StationForm
    list_display = ["name", "kind", "status", "zone", "open_24h"]
    list_filter = ["kind", "status", "open_24h"]
    list_select_related = ["zone"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["federation", "zone"]
    inlines = [
        StationPartnerInline,
        OpeningPeriodInline,
        OpeningExceptionInline,
        StationServiceInline,
        StationPhotoInline,
    ]
    change_form_template = "admin/stations/station/change_form.html"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("zone__boundary")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Who may change a station but not place one (a keeper) keeps it where it is: its
        # federation and zone are outside their view, so they could not be offered as choices.
        if obj is not None and not Station.scope_spec.allows_somewhere(request.user, Action.ADD):
            return ["federation", "zone"]
        return super().get_readonly_fields(request, obj)

    def get_urls(self) -> list[Any]:
        poster = self.admin_site.admin_view(self.poster_view)
        coverage = self.admin_site.admin_view(self.coverage_view)
        return [
            path("<int:pk>/poster/", poster, name="stations_station_poster"),
            path("coverage/", coverage, name="stations_station_coverage"),
            *super().get_urls(),
        ]

    def coverage_view(self, request: HttpRequest) -> HttpResponse:
        """The 15-minute service circle: choose a node, foot or e-bike, a day and an hour; the job's result on a map."""
        from .api.views import start_coverage_job

        nodes = Federation.objects.restrict(request.user, Action.VIEW).only("id", "name").order_by("path")[:300]
        initial = {"mode": "walk", "hour": 12, "day": timezone.localdate()}
        form = CoverageForm(request.POST if request.method == "POST" else None, initial=initial)
        form.fields["federation"].choices = [(node.pk, node.name) for node in nodes]
        if form.is_valid():
            job = start_coverage_job(request, form.cleaned_data)  # type: ignore[arg-type]
            return redirect(f"{reverse('admin:stations_station_coverage')}?job={job.pk}")
        job_id = request.GET.get("job", "")
        context = {
            **self.admin_site.each_context(request),
            "title": _("15-minute service circle"),
            "opts": self.model._meta,
            "form": form,
            "map_config": {
                **basemap(),
                "job": reverse("job-detail", args=[job_id]) if job_id.isdigit() else "",
                "stations": reverse("station-geojson"),
                "labels": {
                    "running": str(_("Working… {percent}%")),
                    "failed": str(_("The analysis failed: {message}")),
                    "share": str(_("{covered} of {members} members ({percent}%) work within reach of a station.")),
                    "cluster": str(_("Uncovered: {unions} unions, {members} members")),
                    "candidate": str(_("Site {rank}: +{members} members, {percent}% after")),
                },
            },
        }
        return render(request, "admin/stations/coverage.html", context)

    def poster_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A print-ready A4 poster: the station's name, its hours and the QR code of its public page."""
        station = get_scoped_or_404(Station, request.user, Action.VIEW, pk=pk)
        return render(request, "stations/poster.html", poster_context(request, station))

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        extra_context = extra_context or {}
        station = Station.objects.restrict(request.user, Action.VIEW).filter(pk=object_id).first()
        if station is not None:
            extra_context["poster_url"] = reverse("admin:stations_station_poster", args=[station.pk])
            if CheckIn.scope_spec.allows_somewhere(request.user, Action.VIEW):
                extra_context["usage"] = usage_summary(station)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Parts are written through actions, which re-check the station's scope under its lock;
        # save(commit=False) only sorts the forms into new, changed and deleted rows.
        formset.save(commit=False)
        processed = {id(part_form.instance): getattr(part_form, "processed", None) for part_form in formset.forms}
        for part in [*formset.new_objects, *(obj for obj, _fields in formset.changed_objects)]:
            photo = processed.get(id(part))
            if photo is not None:
                do_add_station_photo(form.instance, photo, caption=part.caption, actor=request.user, photo=part)
            else:
                do_save_station_part(part, actor=request.user)
        for part in formset.deleted_objects:
            do_delete_station_part(part, actor=request.user)


@admin.register(StationKeeper)
class StationKeeperAdmin(ScopedAdmin):
    save_action = staticmethod(do_bind_station_keeper)
    list_display = ["user", "station"]
    list_select_related = ["user", "station"]
    search_fields = ["user__username", "user__last_name", "station__name"]
    autocomplete_fields = ["user", "station"]


@admin.register(UpkeepCheck)
class UpkeepCheckAdmin(ScopedAdmin):
    """Weekly checks, as keepers record them on the phone (/m/stations/); read here, never edited."""

    list_display = ["week", "station", "zone", "passed", "failed_items", "checked_by"]
    list_filter = ["week"]
    list_select_related = ["station", "zone", "checked_by"]
    search_fields = ["station__name"]
    date_hierarchy = "week"
    readonly_fields = ["station", "week", "failed", "first_aid_expires", "note", "checked_by", "checked_at"]
    fields = readonly_fields
    ordering = ["-week", "station__name"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("zone__boundary", "station__position")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("passed"), boolean=True)
    def passed(self, check: UpkeepCheck) -> bool:
        return check.passed

    @admin.display(description=_("failed items"))
    def failed_items(self, check: UpkeepCheck) -> str:
        return "、".join(check.failed_labels)


@admin.register(Suggestion)
class SuggestionAdmin(ScopedAdmin):
    """The stations' suggestion books and wish walls: publish or hide each one, and answer it."""

    save_action = staticmethod(do_moderate_suggestion)
    list_display = ["created_at", "station", "kind", "short_text", "moderation", "answered_at"]
    list_filter = ["moderation", "kind"]
    list_select_related = ["station"]
    search_fields = ["text", "station__name"]
    fields = ["station", "kind", "text", "occupation", "created_at", "moderation", "answer", "answered_by"]
    readonly_fields = ["station", "kind", "text", "occupation", "created_at", "answered_by"]
    actions = ["publish", "hide"]
    ordering = ["moderation", "-created_at"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("station__position")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # left by workers on the station's QR page

    @admin.display(description=_("text"))
    def short_text(self, suggestion: Suggestion) -> str:
        return suggestion.text[:60]

    def _moderate(self, request: HttpRequest, queryset: Any, moderation: str) -> None:
        changed = 0
        for suggestion in queryset.restrict(request.user, Action.CHANGE):
            suggestion.moderation = moderation
            do_moderate_suggestion(suggestion, actor=request.user)
            changed += 1
        self.message_user(request, _("{count} suggestions or wishes updated.").format(count=changed))

    @admin.action(description=_("Show the selected ones on their station's page"))
    def publish(self, request: HttpRequest, queryset: Any) -> None:
        self._moderate(request, queryset, Moderation.PUBLISHED)

    @admin.action(description=_("Hide the selected ones"))
    def hide(self, request: HttpRequest, queryset: Any) -> None:
        self._moderate(request, queryset, Moderation.HIDDEN)


@admin.register(HelpRequest)
class HelpRequestAdmin(ScopedAdmin):
    """Requests for help from the stations' QR pages, until the grievance loop takes them up."""

    list_display = ["created_at", "station", "zone", "topic", "masked_phone", "status"]
    list_filter = ["status", "topic"]
    list_select_related = ["station", "zone"]
    search_fields = ["description", "station__name"]
    fields = [
        "station",
        "topic",
        "description",
        "name",
        "masked_phone",
        "created_at",
        "consent_version",
        "consented_at",
        "status",
    ]
    readonly_fields = [f for f in fields if f != "status"]
    ordering = ["status", "-created_at"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("station__position", "zone__boundary")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, request_: HelpRequest) -> str:
        return request_.masked_phone or "—"


class VenueClosureInline(admin.TabularInline):
    model = VenueClosure
    extra = 0
    fields = ["during", "reason"]


@admin.register(Venue)
class VenueAdmin(ScopedAdmin):
    """Shared venues (共享职工之家): the slots members book, closed periods, who may book, and use."""

    save_action = staticmethod(do_save_venue)
    list_display = ["name", "kind", "provider", "zone", "opens", "closes", "slot_minutes", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["zone"]
    search_fields = ["name", "provider", "address"]
    autocomplete_fields = ["federation", "zone", "station", "eligible_unions"]
    inlines = [VenueClosureInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("zone__boundary")

    readonly_fields = ["use"]

    @admin.display(description=_("use in the last 30 days"))
    def use(self, venue: Venue) -> str:
        if not venue.pk:
            return "—"
        rate = usage_rate(venue)
        return _("{booked} of the slots booked, {checked_in} of the bookings checked in.").format(
            booked=f"{rate['booked']:.0%}", checked_in=f"{rate['checked_in']:.0%}"
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Closures are part of the venue: saved under the venue's own scope check.
        with transaction.atomic():
            ensure_in_scope(form.instance, request.user, Action.CHANGE)
            formset.save()


@admin.register(Booking)
class BookingAdmin(ScopedAdmin):
    """Bookings of the shared venues; members make, cancel and check in theirs on the phone."""

    list_display = ["during", "venue", "booker_label", "union", "status", "checked_in_at"]
    list_filter = ["status"]
    list_select_related = ["venue", "union"]
    search_fields = ["venue__name", "booker_label"]
    readonly_fields = ["venue", "during", "booker_label", "union", "status", "created_at", "checked_in_at"]
    fields = readonly_fields
    ordering = ["-during"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("venue__position", "union__location")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HeatCell)
class HeatCellAdmin(ScopedAdmin):
    """The heat map's cells; "Heat map" shows them on a map (the cells are built nightly, never edited)."""

    list_display = ["federation", "layer", "weight", "computed_at"]
    list_filter = ["layer"]
    list_select_related = ["federation"]
    fields = ["federation", "layer", "weight", "computed_at"]
    readonly_fields = fields
    ordering = ["federation__path", "layer", "-weight"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("cell", "federation__area")

    def get_urls(self) -> list[Any]:
        heat_map = self.admin_site.admin_view(self.map_view)
        return [path("map/", heat_map, name="stations_heatcell_map"), *super().get_urls()]

    def map_view(self, request: HttpRequest) -> HttpResponse:
        """One node's layer on a map, from the scoped GeoJSON API."""
        nodes = Federation.objects.restrict(request.user, Action.VIEW).only("id", "name", "depth").order_by("path")
        cells = HeatCell.objects.restrict(request.user, Action.VIEW)
        latest = cells.only("computed_at").order_by("-computed_at").first()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Heat map of outdoor workers"),
            "opts": self.model._meta,
            "nodes": nodes[:300],
            "layers": HeatLayer.choices,
            "map_config": {
                **basemap(),
                "geojson": reverse("heatcell-geojson"),
                "people": str(_("{weight} people")),
            },
            "computed_at": latest.computed_at if latest else None,
        }
        return render(request, "admin/stations/heat_map.html", context)
