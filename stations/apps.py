from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "stations"
    verbose_name = _("Stations")

    def ready(self) -> None:
        from unionhub.core.choices import NodeKind
        from unionhub.core.scoping import Grant, register_resolver

        from .models import StationKeeper

        @register_resolver
        def station_roles(user):  # type: ignore[no-untyped-def]
            for role, station_id in StationKeeper.objects.filter(user=user).values_list("role", "station_id"):
                yield Grant(role, NodeKind.STATION, station_id)
