from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "unionhub.core"
    label = "core"
    verbose_name = _("Federation and staff")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from .beat import ensure_default_schedules
        from .choices import NodeKind
        from .middleware import renewed_at_log_in
        from .models import RoleAssignment
        from .scoping import Grant, register_resolver
        from .security_log import connect as connect_security_log

        @register_resolver
        def federation_roles(user):  # type: ignore[no-untyped-def]
            for role, path in RoleAssignment.objects.filter(user=user).values_list("role", "federation_path"):
                yield Grant(role, NodeKind.FEDERATION, path)

        # After every migrate, so that a new deployment has its schedules and edited ones stay.
        post_migrate.connect(ensure_default_schedules, sender=self, dispatch_uid="unionhub.beat")
        user_logged_in.connect(renewed_at_log_in, dispatch_uid="unionhub.session_renewed")
        # Log-ins, lockouts, password changes and role changes go to the security log.
        connect_security_log()
