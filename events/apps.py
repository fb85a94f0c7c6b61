from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Activities and grievances")

    def ready(self) -> None:
        from members.merging import foreign_key_mover, register_reassigner

        from .models import Registration

        # A merge of duplicate members moves their activity registrations to the record kept.
        register_reassigner(
            "events.registration", foreign_key_mover(Registration, "member"), [(Registration, "member")]
        )
