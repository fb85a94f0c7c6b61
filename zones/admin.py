from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from unionhub.core.admin import register_user_inline
from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.choices import Action
from unionhub.core.text.search import SEARCH_COLUMNS, text_search

from .actions import (
    do_bind_union_chair,
    do_bind_zone_staff,
    do_reassign_plan_entry,
    do_review_visit,
    do_save_enterprise,
    do_save_finding,
    do_save_resource,
    do_save_union,
    do_save_zone,
    do_update_work_item,
)
from .choices import VisitReview
from .models import (
    DemandMatch,
    Enterprise,
    Finding,
    GrassrootsUnion,
    ServiceResource,
    UnionChair,
    UnionIndicator,
    Visit,
    VisitPhoto,
    VisitPlanEntry,
    WorkItem,
    Zone,
    ZoneStaff,
)


class ZoneStaffInline(admin.TabularInline):
    model = ZoneStaff
    extra = 0
    fields = ["role", "zone"]
    autocomplete_fields = ["zone"]
    verbose_name = _("zone role")


class UnionChairInline(admin.TabularInline):
    model = UnionChair
    extra = 0
    fields = ["union"]
    autocomplete_fields = ["union"]
    verbose_name = _("union chair role")


register_user_inline(ZoneStaffInline, do_bind_zone_staff)
register_user_inline(UnionChairInline, do_bind_union_chair)


@admin.register(Zone)
class ZoneAdmin(ScopedAdmin):
    save_action = staticmethod(do_save_zone)
    list_display = ["name", "federation", "kind", "sector"]
    list_filter = ["kind", "sector"]
    list_select_related = ["federation"]
    search_fields = ["name", "federation__name"]
    autocomplete_fields = ["federation"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # The boundary is only needed on the form, never in the list.
        queryset = super().get_queryset(request)
        in_list = request.resolver_match is not None and request.resolver_match.url_name == "zones_zone_changelist"
        return queryset.defer("boundary") if in_list else queryset


class EnterpriseInline(admin.TabularInline):
    model = Enterprise
    extra = 0
    fields = ["name", "credit_code", "employees"]


@admin.register(GrassrootsUnion)
class GrassrootsUnionAdmin(ScopedAdmin):
    save_action = staticmethod(do_save_union)
    list_display = ["name", "credit_code", "zone", "sector", "member_count", "is_joint"]
    list_filter = ["sector", "is_joint", "zone_set_by_hand"]
    list_select_related = ["zone"]
    search_fields = ["name", "=credit_code"]
    autocomplete_fields = ["federation", "zone"]
    inlines = [EnterpriseInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        for instance in formset.save(commit=False):
            do_save_enterprise(instance, actor=request.user)
        for instance in formset.deleted_objects:
            self.delete_action(instance, actor=request.user)


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdmin):
    save_action = staticmethod(do_save_enterprise)
    list_display = ["name", "credit_code", "union", "employees"]
    list_select_related = ["union"]
    search_fields = ["name", "=credit_code"]
    autocomplete_fields = ["union"]


@admin.register(ZoneStaff)
class ZoneStaffAdmin(ScopedAdmin):
    save_action = staticmethod(do_bind_zone_staff)
    list_display = ["user", "zone", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "zone"]
    search_fields = ["user__username", "user__last_name", "zone__name"]
    autocomplete_fields = ["user", "zone"]


@admin.register(UnionChair)
class UnionChairAdmin(ScopedAdmin):
    save_action = staticmethod(do_bind_union_chair)
    list_display = ["user", "union"]
    list_select_related = ["user", "union"]
    search_fields = ["user__username", "user__last_name", "union__name"]
    autocomplete_fields = ["user", "union"]


class VisitPhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0
    fields = ["thumbnail_preview", "taken_at"]
    readonly_fields = ["thumbnail_preview", "taken_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # photos come from the phone, through the API, re-encoded

    @admin.display(description=_("photo"))
    def thumbnail_preview(self, photo: VisitPhoto) -> str:
        url = reverse("visitphoto-file", args=[photo.pk])
        return format_html('<a href="{}"><img src="{}?size=thumbnail" alt="" height="80"></a>', url, url)


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = ["kind", "description", "status"]
    readonly_fields = ["kind", "description", "status"]
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Visit)
class VisitAdmin(ScopedAdmin):
    """Visits are logged from the phone; here staff read them and review flagged ones."""

    list_display = ["visited_at", "union", "zone", "worker", "distance_m", "review"]
    list_filter = ["review", "quarter"]
    list_select_related = ["union", "zone", "worker"]
    search_fields = ["union__name", "worker__username", "worker__last_name"]
    date_hierarchy = "visited_at"
    readonly_fields = [
        "union",
        "worker",
        "visited_at",
        "quarter",
        "position",
        "distance_m",
        "review",
        "duties",
        "notes",
        "created_at",
    ]
    fields = readonly_fields
    inlines = [FindingInline, VisitPhotoInline]
    actions = ["accept_visits", "reject_visits"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("union__location", "zone__boundary", *SEARCH_COLUMNS)

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        # The search box matches the names as before, or the text by its words and synonyms.
        by_name, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return by_name, may_have_duplicates
        return by_name | text_search(queryset, search_term), may_have_duplicates

    def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
        return False

    def _review(self, request, queryset, accepted: bool) -> None:  # type: ignore[no-untyped-def]
        done = 0
        for visit in queryset.restrict(request.user, Action.APPROVE).filter(review=VisitReview.PENDING):
            do_review_visit(visit, accepted=accepted, actor=request.user)
            done += 1
        self.message_user(request, _("{count} visits reviewed.").format(count=done))

    @admin.action(description=_("Accept the selected flagged visits"))
    def accept_visits(self, request, queryset):  # type: ignore[no-untyped-def]
        self._review(request, queryset, accepted=True)

    @admin.action(description=_("Reject the selected flagged visits"))
    def reject_visits(self, request, queryset):  # type: ignore[no-untyped-def]
        self._review(request, queryset, accepted=False)


class DemandMatchInline(admin.TabularInline):
    """A demand's matches; made and moved on from the phone (/m/demands/) or the API, through actions."""

    model = DemandMatch
    extra = 0
    fields = ["resource", "status", "distance_m", "note", "matched_by", "matched_at", "met_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Finding)
class FindingAdmin(ScopedAdmin):
    save_action = staticmethod(do_save_finding)
    list_display = ["created_at", "kind", "category", "union", "zone", "status", "raised_by"]
    list_filter = ["kind", "category", "status"]
    inlines = [DemandMatchInline]
    list_select_related = ["union", "zone", "raised_by"]
    search_fields = ["union__name"]  # and the description by its words: get_search_results
    autocomplete_fields = ["union"]
    readonly_fields = ["visit", "raised_by", "closed_at"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("union__location", "zone__boundary", *SEARCH_COLUMNS)

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        # The search box matches the names as before, or the text by its words and synonyms.
        by_name, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return by_name, may_have_duplicates
        return by_name | text_search(queryset, search_term), may_have_duplicates


@admin.register(VisitPlanEntry)
class VisitPlanEntryAdmin(ScopedAdmin):
    list_display = ["quarter", "union", "zone", "assignee", "first_visit"]
    list_filter = ["quarter"]
    list_select_related = ["union", "zone", "assignee", "first_visit"]
    search_fields = ["union__name", "assignee__username", "assignee__last_name"]
    fields = ["quarter", "union", "zone", "assignee", "first_visit"]
    readonly_fields = ["quarter", "union", "zone", "first_visit"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("union__location", "zone__boundary")

    def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
        return False  # plans are generated each quarter

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        do_reassign_plan_entry(obj, obj.assignee, actor=request.user)


@admin.register(UnionIndicator)
class UnionIndicatorAdmin(ScopedAdmin):
    """The nightly anomaly indicators, read-only: docs/zone-work.md gives the formulas."""

    list_display = [
        "union",
        "zone",
        "anomaly_index",
        "days_since_visit",
        "open_findings",
        "new_members_90d",
        "cadres_trained_12m",
        "computed_at",
    ]
    list_select_related = ["union", "zone"]
    search_fields = ["union__name"]
    ordering = ["-anomaly_index"]
    readonly_fields = list_display

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("union__location", "zone__boundary")

    def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ServiceResource)
class ServiceResourceAdmin(ScopedAdmin):
    """The zone service alliance's catalogue of resources that demands are matched to."""

    save_action = staticmethod(do_save_resource)
    list_display = ["name", "category", "provider", "zone", "capacity", "available"]
    list_filter = ["category", "available"]
    list_select_related = ["zone"]
    search_fields = ["name", "provider", "address"]
    autocomplete_fields = ["federation", "zone", "enterprise"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("zone__boundary")


@admin.register(WorkItem)
class WorkItemAdmin(ScopedAdmin):
    """Work raised for zones by other areas; raised by their actions, moved on here or in the phone inbox."""

    list_display = ["title", "kind", "zone", "union", "assignee", "due_on", "state"]
    list_filter = ["state", "kind"]
    list_select_related = ["zone", "union", "assignee"]
    search_fields = ["title", "union__name"]
    fields = ["kind", "title", "detail", "link", "zone", "union", "assignee", "due_on", "state", "resolution"]
    readonly_fields = ["kind", "title", "detail", "link", "zone", "union", "assignee", "due_on"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("zone__boundary", "union__location")

    def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
        return False  # raised by the area the work comes from

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        do_update_work_item(obj, state=obj.state, resolution=obj.resolution, actor=request.user)
