from collections.abc import Iterable

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Activities and grievances")

    def ready(self) -> None:
        from django.db.models import CharField, Q, Value
        from django.db.models.functions import Cast, Concat

        from members.merging import foreign_key_mover, register_reassigner
        from members.retention import ERASED_NAME, PHONE_BLANK, blank, register_eraser
        from unionhub.core.text.classify import register_training_source

        from .models import Registration

        # A merge of duplicate members moves their activity registrations to the record kept.
        register_reassigner(
            "events.registration", foreign_key_mover(Registration, "member"), [(Registration, "member")]
        )
        # The category model is rebuilt (core.rebuild_text_categories) from the categories staff confirmed.
        register_training_source(training_pairs)
        # Anonymising a withdrawn member erases the name and phone their registrations copied (a
        # placeholder keyed hash per row keeps "one registration per phone" satisfiable).
        register_eraser(
            "events.registration",
            lambda ids: blank(
                Registration,
                Q(member_id__in=ids),
                {
                    "name": ERASED_NAME,
                    **PHONE_BLANK,
                    "phone_hash": Concat(Value("erased-"), Cast("id", CharField())),
                },
            ),
        )


def training_pairs() -> Iterable[tuple[str, str]]:
    """(description, confirmed category) of every grievance the suggestion model learnt from."""
    from .models import Grievance

    return Grievance.objects.exclude(learned_category="").values_list("description", "learned_category").iterator()
