from collections.abc import Iterable
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Activities and grievances")

    def ready(self) -> None:
        from django.db.models import CharField, Q, Value
        from django.db.models.functions import Cast, Concat

        from members.merging import foreign_key_mover, register_reassigner
        from members.own_data import register_section
        from members.retention import ERASED_NAME, PHONE_BLANK, blank, register_eraser
        from unionhub.core.text.classify import register_training_source

        from .models import Registration

        # A merge of duplicate members moves their activity registrations to the record kept.
        register_reassigner(
            "events.registration", foreign_key_mover(Registration, "member"), [(Registration, "member")]
        )
        # A member's copy of their own data (PIPL art. 45) includes their registrations and grievances.
        register_section("activity_registrations", own_registrations)
        register_section("grievances", own_grievances)
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


def own_registrations(owner: Any) -> list[dict[str, Any]]:
    """A member's registrations, for the copy of their own data: made with the proved phone or for their records."""
    from django.db.models import Q

    from .models import Registration

    rows = (
        Registration.objects.filter(Q(phone_hash=owner.phone_key) | Q(member_id__in=owner.member_ids))
        .select_related("activity")
        .only("activity__title", "activity__starts_at", "name", "status", "attendance", "created_at", "checked_in_at")
        .order_by("created_at", "id")
    )
    return [
        {
            "activity": registration.activity.title,
            "starts_at": registration.activity.starts_at,
            "name": registration.name,
            "status": registration.get_status_display(),
            "attendance": registration.get_attendance_display(),
            "registered_at": registration.created_at,
            "checked_in_at": registration.checked_in_at,
        }
        for registration in rows
    ]


def own_grievances(owner: Any) -> list[dict[str, Any]]:
    """Grievances filed under the proved phone (its keyed hash); anonymous ones carry no phone and cannot be matched.

    What the worker wrote and what they were told; never staff's internal notes or who handles it.
    """
    from .models import Grievance

    rows = (
        Grievance.objects.filter(phone_hash=owner.phone_key)
        .only(
            "tracking_code",
            "channel",
            "category",
            "description",
            "address",
            "employer_name",
            "submitter_name",
            "status",
            "resolution",
            "rating",
            "rating_comment",
            "created_at",
            "resolved_at",
            "closed_at",
        )
        .order_by("created_at", "id")
    )
    return [
        {
            "tracking_code": grievance.tracking_code,
            "came_in_by": grievance.get_channel_display(),
            "category": grievance.get_category_display(),
            "description": grievance.description,
            "address": grievance.address,
            "employer_or_union": grievance.employer_name,
            "name": grievance.submitter_name,
            "status": grievance.get_status_display(),
            "feedback": grievance.resolution,
            "rating": grievance.rating,
            "rating_comment": grievance.rating_comment,
            "filed_at": grievance.created_at,
            "resolved_at": grievance.resolved_at,
            "closed_at": grievance.closed_at,
        }
        for grievance in rows
    ]


def training_pairs() -> Iterable[tuple[str, str]]:
    """(description, confirmed category) of every grievance the suggestion model learnt from."""
    from .models import Grievance

    return Grievance.objects.exclude(learned_category="").values_list("description", "learned_category").iterator()
