from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.choices import Action

from .actions import do_decide_application, do_save_member
from .choices import ApplicationStatus
from .forms import MemberAdminForm
from .models import JoinApplication, Member
from .search import name_search_q


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    """Rosters of up to millions of rows: indexed name search, estimated counts, no N+1."""

    form = MemberAdminForm
    list_display = ["member_number", "name", "union", "zone", "status", "occupation", "masked_phone", "joined_on"]
    list_filter = ["status", "occupation", "work_form", "is_model_worker", "is_craftsman", "in_hardship"]
    list_select_related = ["union", "zone"]
    search_fields = ["name"]
    search_help_text = _("Search by name. To find a member by phone or ID number, use the API's search (POST).")
    autocomplete_fields = ["union"]
    readonly_fields = ["member_number", "zone", "masked_phone", "id_number_masked"]
    ordering = ["-id"]

    def get_urls(self):  # type: ignore[no-untyped-def]
        # "Import roster" and "Export to Excel", linked from the changelist (members.roster).
        from .roster.admin_views import roster_urls

        return [*roster_urls(self), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        may_export = Member.scope_spec.allows_somewhere(request.user, Action.EXPORT)
        return super().changelist_view(request, {**(extra_context or {}), "may_export": may_export})

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        if not search_term:
            return queryset, False
        return queryset.filter(name_search_q(search_term)), False

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: Member) -> str:
        return obj.masked_phone

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        do_save_member(
            obj,
            actor=request.user,
            phone=form.cleaned_data.get("phone", ""),
            id_number=form.cleaned_data.get("id_number", ""),
        )


@admin.register(JoinApplication)
class JoinApplicationAdmin(ScopedAdmin):
    """Applications from the scan-to-join form: the union's chair or a zone worker approves or refuses them."""

    list_display = ["created_at", "masked_name", "union", "zone", "channel", "work_form", "member_elsewhere", "status"]
    list_filter = ["status", "channel", "work_form", "member_elsewhere"]
    list_select_related = ["union", "zone"]
    search_fields = ["union__name"]
    fields = [
        "masked_name",
        "masked_phone",
        "id_number_masked",
        "union",
        "channel",
        "employer",
        "occupation",
        "work_form",
        "member_elsewhere",
        "created_at",
        "status",
        "reason",
        "decided_by",
        "decided_at",
        "member",
    ]
    readonly_fields = [f for f in fields if f not in ("status", "reason")]
    actions = ["approve_applications"]
    ordering = ["-id"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("union__location", "zone__boundary")

    def get_urls(self):  # type: ignore[no-untyped-def]
        from django.urls import path

        from .views import join_poster, join_posters

        wrap = self.admin_site.admin_view
        return [
            path("posters/", wrap(join_posters), name="members_join_posters"),
            path("posters/<str:channel>/<int:pk>/", wrap(join_poster), name="members_join_poster"),
            *super().get_urls(),
        ]

    def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
        return False  # workers apply through the joining QR code

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Deciding is the only change, for those who approve, while the application waits.
        return self._allowed(request, Action.APPROVE, obj) and (
            obj is None or obj.status == ApplicationStatus.SUBMITTED
        )

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description=_("full name"))
    def masked_name(self, obj: JoinApplication) -> str:
        return obj.masked_name

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: JoinApplication) -> str:
        return obj.masked_phone

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if obj.status == ApplicationStatus.SUBMITTED:
            return  # nothing decided
        do_decide_application(
            obj, approve=obj.status == ApplicationStatus.APPROVED, actor=request.user, reason=obj.reason
        )

    @admin.action(description=_("Approve the selected applications"))
    def approve_applications(self, request, queryset):  # type: ignore[no-untyped-def]
        pending = queryset.restrict(request.user, Action.APPROVE).filter(status=ApplicationStatus.SUBMITTED)
        for application in pending:
            do_decide_application(application, approve=True, actor=request.user)
        self.message_user(request, _("{count} applications approved.").format(count=len(pending)))
