from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.choices import Action

from .actions import do_decide_application, do_save_member, do_set_photo
from .choices import ApplicationStatus, CorrectionStatus, TransferStatus
from .corrections import do_decide_correction
from .forms import MemberAdminForm
from .models import CorrectionRequest, JoinApplication, Member, MemberTransfer
from .search import name_search_q
from .transfers import do_approve_transfer, do_refuse_transfer


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
    readonly_fields = ["member_number", "zone", "masked_phone", "id_number_masked", "join_consent"]
    ordering = ["-id"]

    def get_urls(self):  # type: ignore[no-untyped-def]
        # "Import roster" and "Export to Excel", linked from the changelist (members.roster).
        from django.urls import path

        from .duplicate_views import duplicates
        from .roster.admin_views import roster_urls

        duplicates_url = path("duplicates/", self.admin_site.admin_view(duplicates), name="members_member_duplicates")
        return [*roster_urls(self), duplicates_url, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        may_export = Member.scope_spec.allows_somewhere(request.user, Action.EXPORT)
        may_merge = Member.scope_spec.allows_somewhere(request.user, Action.CHANGE)
        context = {**(extra_context or {}), "may_export": may_export, "may_merge": may_merge}
        return super().changelist_view(request, context)

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        if not search_term:
            return queryset, False
        return queryset.filter(name_search_q(search_term)), False

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: Member) -> str:
        return obj.masked_phone

    @admin.display(description=_("consent to the ID number's processing"))
    def join_consent(self, obj: Member) -> str:
        """The separate consent recorded on the join application that made this member (read-only)."""
        return consent_summary(JoinApplication.objects.filter(member=obj).first() if obj.pk else None)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        do_save_member(
            obj,
            actor=request.user,
            phone=form.cleaned_data.get("phone", ""),
            id_number=form.cleaned_data.get("id_number", ""),
        )
        if form.cleaned_data.get("new_photo"):
            do_set_photo(obj, form.cleaned_data["new_photo"], actor=request.user)


def consent_summary(application: JoinApplication | None) -> str:
    if application is None:
        return str(_("None recorded in UnionHub: the member did not join through the join page."))
    if not application.consent_version:
        return str(_("None recorded: applied before the separate consent existed."))
    return _("version {version}, ticked at {at}").format(
        version=application.consent_version,
        at=formats.localize(timezone.localtime(application.consented_at)),
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
        "consent_version",
        "consented_at",
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


@admin.register(MemberTransfer)
class MemberTransferAdmin(ScopedAdmin):
    """Transfers seen from either end (the member masked); each side approves or refuses its own end.

    Transfers are asked for through the API (/api/v1/member-transfers/), whose look-ups are logged.
    """

    list_display = [
        "requested_at",
        "masked_name",
        "from_union",
        "to_union",
        "requested_by_side",
        "sending_approved_at",
        "receiving_approved_at",
        "status",
    ]
    list_filter = ["status", "requested_by_side"]
    list_select_related = ["member", "from_union", "to_union"]
    fields = [
        "masked_name",
        "id_number_masked",
        "from_union",
        "to_union",
        "requested_by_side",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "sending_approved_by",
        "sending_approved_at",
        "receiving_approved_by",
        "receiving_approved_at",
        "refused_side",
        "refused_by",
        "refused_at",
        "refusal_reason",
        "cancelled_by",
        "cancelled_at",
        "completed_at",
    ]
    readonly_fields = fields
    actions = ["approve_transfers", "refuse_transfers"]
    ordering = ["-id"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return (
            super()
            .get_queryset(request)
            .only(
                *[f.attname for f in MemberTransfer._meta.concrete_fields],
                "member__name",
                "member__id_number_masked",
                "from_union__name",
                "to_union__name",
            )
        )

    def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
        return False  # asked for through the API, after the logged look-ups

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Deciding (the bulk actions) is the only change, while the transfer waits.
        return self._allowed(request, Action.APPROVE, obj) and (obj is None or obj.status == TransferStatus.REQUESTED)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # a transfer is a record of what happened

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        return  # every field is read-only: decisions go through the actions above

    @admin.display(description=_("full name"))
    def masked_name(self, obj: MemberTransfer) -> str:
        return obj.masked_name

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj: MemberTransfer) -> str:
        return obj.member.id_number_masked

    def _decide(self, request, queryset, decide, done_message):  # type: ignore[no-untyped-def]
        done = 0
        for transfer in queryset.restrict(request.user, Action.APPROVE).filter(status=TransferStatus.REQUESTED):
            try:
                decide(transfer)
            except (ValidationError, PermissionDenied) as exc:
                for message in getattr(exc, "messages", None) or [str(exc)]:
                    self.message_user(request, f"{transfer}: {message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, done_message.format(count=done))

    @admin.action(description=_("Approve the selected transfers at your end"))
    def approve_transfers(self, request, queryset):  # type: ignore[no-untyped-def]
        self._decide(
            request,
            queryset,
            lambda t: do_approve_transfer(t, actor=request.user),
            _("{count} transfers approved."),
        )

    @admin.action(description=_("Refuse the selected transfers…"))
    def refuse_transfers(self, request, queryset):  # type: ignore[no-untyped-def]
        reason = request.POST.get("refusal_reason", "").strip()
        if "confirm" not in request.POST or not reason:
            return render(
                request,
                "admin/members/membertransfer/refuse.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Refuse transfers"),
                    "opts": self.model._meta,
                    "transfers": queryset,
                    "missing_reason": "confirm" in request.POST,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        self._decide(
            request,
            queryset,
            lambda t: do_refuse_transfer(t, actor=request.user, reason=reason),
            _("{count} transfers refused."),
        )
        return None


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ScopedAdmin):
    """Corrections members asked for from their card page: approve (the record changes, with history) or refuse."""

    list_display = ["created_at", "masked_name", "field", "shown_value", "union", "zone", "status"]
    list_filter = ["status", "field"]
    list_select_related = ["member", "union", "zone"]
    fields = [
        "masked_name",
        "current_value",
        "field",
        "shown_value",
        "reason",
        "created_at",
        "status",
        "refusal_reason",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = fields
    actions = ["approve_corrections", "refuse_corrections"]
    ordering = ["-id"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("union__location", "zone__boundary", "member__name_bigrams")

    def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
        return False  # members ask from their card page

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Deciding (the bulk actions) is the only change, while the request waits.
        return self._allowed(request, Action.APPROVE, obj) and (obj is None or obj.status == CorrectionStatus.WAITING)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        return  # every field is read-only: decisions go through the actions

    @admin.display(description=_("full name"))
    def masked_name(self, obj: CorrectionRequest) -> str:
        return obj.member.masked_name

    @admin.display(description=_("corrected value"))
    def shown_value(self, obj: CorrectionRequest) -> str:
        return obj.shown_value

    @admin.display(description=_("value now"))
    def current_value(self, obj: CorrectionRequest) -> str:
        member = obj.member
        if obj.field == "phone":
            return member.masked_phone
        if obj.field == "id_number":
            return member.id_number_masked
        if obj.field in ("occupation", "work_form"):
            return str(getattr(member, f"get_{obj.field}_display")())
        return str(getattr(member, obj.field))

    def _decide(self, request, queryset, decide, done_message):  # type: ignore[no-untyped-def]
        done = 0
        for correction in queryset.restrict(request.user, Action.APPROVE).filter(status=CorrectionStatus.WAITING):
            try:
                decide(correction)
            except (ValidationError, PermissionDenied) as exc:
                for message in getattr(exc, "messages", None) or [str(exc)]:
                    self.message_user(request, f"{correction}: {message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, done_message.format(count=done))

    @admin.action(description=_("Approve the selected corrections (the records change)"))
    def approve_corrections(self, request, queryset):  # type: ignore[no-untyped-def]
        self._decide(
            request,
            queryset,
            lambda c: do_decide_correction(c, approve=True, actor=request.user),
            _("{count} corrections made."),
        )

    @admin.action(description=_("Refuse the selected corrections…"))
    def refuse_corrections(self, request, queryset):  # type: ignore[no-untyped-def]
        reason = request.POST.get("refusal_reason", "").strip()
        if "confirm" not in request.POST or not reason:
            return render(
                request,
                "admin/members/correctionrequest/refuse.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Refuse corrections"),
                    "opts": self.model._meta,
                    "corrections": queryset,
                    "missing_reason": "confirm" in request.POST,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        self._decide(
            request,
            queryset,
            lambda c: do_decide_correction(c, approve=False, actor=request.user, reason=reason),
            _("{count} corrections refused."),
        )
        return None


# Hardship aid's admin (cases, budgets, suggestions) is registered by its own module.
from . import hardship_admin  # noqa: E402, F401
