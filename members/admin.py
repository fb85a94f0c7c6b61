from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from unionhub.core.admin_base import ScopedAdmin

from .actions import do_save_member
from .forms import MemberAdminForm
from .models import Member
from .search import name_search_q


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    """Rosters of up to millions of rows: indexed name search, estimated counts, no N+1."""

    form = MemberAdminForm
    list_display = ["member_number", "name", "union", "zone", "status", "occupation", "masked_phone", "joined_on"]
    list_filter = ["status", "occupation", "work_form"]
    list_select_related = ["union", "zone"]
    search_fields = ["name"]
    search_help_text = _("Search by name. To find a member by phone or ID number, use the API's search (POST).")
    autocomplete_fields = ["union"]
    readonly_fields = ["member_number", "zone", "masked_phone", "id_number_masked"]
    ordering = ["-id"]

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
