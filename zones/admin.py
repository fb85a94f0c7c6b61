from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from unionhub.core.admin import register_user_inline
from unionhub.core.admin_base import ScopedAdmin

from .actions import do_bind_union_chair, do_bind_zone_staff, do_save_enterprise, do_save_union, do_save_zone
from .models import Enterprise, GrassrootsUnion, UnionChair, Zone, ZoneStaff


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
