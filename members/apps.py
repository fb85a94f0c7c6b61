from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        # Registers the merge's reassigners of members' own references (join applications, transfers).
        from . import merging  # noqa: F401
