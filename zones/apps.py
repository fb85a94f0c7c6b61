from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "zones"
    verbose_name = _("Zones and grassroots unions")

    def ready(self) -> None:
        from unionhub.core.choices import NodeKind
        from unionhub.core.scoping import Grant, register_resolver

        from .models import UnionChair, ZoneStaff

        @register_resolver
        def zone_roles(user):  # type: ignore[no-untyped-def]
            for role, zone_id in ZoneStaff.objects.filter(user=user).values_list("role", "zone_id"):
                yield Grant(role, NodeKind.ZONE, zone_id)
            for role, union_id in UnionChair.objects.filter(user=user).values_list("role", "union_id"):
                yield Grant(role, NodeKind.UNION, union_id)
