from collections.abc import Iterable

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Activities and grievances")

    def ready(self) -> None:
        from members.merging import foreign_key_mover, register_reassigner
        from unionhub.core.text.classify import register_training_source

        from .models import Registration

        # A merge of duplicate members moves their activity registrations to the record kept.
        register_reassigner(
            "events.registration", foreign_key_mover(Registration, "member"), [(Registration, "member")]
        )
        # The category model is rebuilt (core.rebuild_text_categories) from the categories staff confirmed.
        register_training_source(training_pairs)


def training_pairs() -> Iterable[tuple[str, str]]:
    """(description, confirmed category) of every grievance the suggestion model learnt from."""
    from .models import Grievance

    return Grievance.objects.exclude(learned_category="").values_list("description", "learned_category").iterator()
