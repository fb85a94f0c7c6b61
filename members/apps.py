from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        # Registers the merge's reassigners of members' own references (join applications, transfers).
        from unionhub.core.rotation import register_encrypted_file

        from . import merging  # noqa: F401
        from .models import RosterImport

        register_encrypted_file(RosterImport, "checked_rows")
