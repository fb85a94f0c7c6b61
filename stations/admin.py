from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from unionhub.core.admin import register_user_inline
from unionhub.core.admin_base import ScopedAdmin

from .actions import do_bind_station_keeper, do_save_station
from .models import Station, StationKeeper


class StationKeeperInline(admin.TabularInline):
    model = StationKeeper
    extra = 0
    fields = ["station"]
    autocomplete_fields = ["station"]
    verbose_name = _("station keeper role")


register_user_inline(StationKeeperInline, do_bind_station_keeper)


@admin.register(Station)
class StationAdmin(ScopedAdmin):
    save_action = staticmethod(do_save_station)
    list_display = ["name", "kind", "status", "zone", "open_24h"]
    list_filter = ["kind", "status", "open_24h"]
    list_select_related = ["zone"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["federation", "zone"]


@admin.register(StationKeeper)
class StationKeeperAdmin(ScopedAdmin):
    save_action = staticmethod(do_bind_station_keeper)
    list_display = ["user", "station"]
    list_select_related = ["user", "station"]
    search_fields = ["user__username", "user__last_name", "station__name"]
    autocomplete_fields = ["user", "station"]
