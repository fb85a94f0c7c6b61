"""What workers tell a station through its QR page: suggestions and wishes, and "I need help".

Suggestions and wishes (民意建议本、心愿墙) wait for the keeper or staff, who publish them on
the station page with an answer, or hide them. A help request is kept for the grievance loop
to take up and, meanwhile, raised at once as work in the zone workers' inbox.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.core.actions import save_scoped
from unionhub.core.models import User
from unionhub.core.notify import notify_federation
from zones.actions import do_raise_work_item
from zones.choices import WorkKind
from zones.models import WorkItem

from .models import HelpRequest, Station, Suggestion

# Days within which a zone worker should contact whoever asked for help.
HELP_WITHIN_DAYS = 2


def do_leave_suggestion(suggestion: Suggestion) -> Suggestion:
    """A worker's suggestion or wish, waiting for moderation (public: there is no actor)."""
    suggestion.full_clean()
    suggestion.save()
    return suggestion


def do_moderate_suggestion(suggestion: Suggestion, *, actor: User) -> Suggestion:
    """Publish or hide a suggestion, with an answer; the answer is signed and dated."""
    if suggestion.answer.strip() and not suggestion.answered_at:
        suggestion.answered_by, suggestion.answered_at = actor, timezone.now()
    return save_scoped(suggestion, actor=actor)


def do_ask_for_help(request: HelpRequest, *, phone: str = "") -> HelpRequest:
    """Keep a worker's request for help and raise it as work for the station's zone (public: no actor)."""
    with transaction.atomic():
        if phone:
            request.set_phone(phone)
        request.full_clean()
        request.save()
        station: Station = request.station
        title = _("Help asked at {station}: {topic}").format(station=station.name, topic=request.get_topic_display())
        detail = request.description + (
            "\n" + _("Contact: {phone}").format(phone=request.masked_phone) if request.phone_last4 else ""
        )
        if station.zone_id is None:
            notify_federation(station.federation, key=f"help-request:{request.pk}", title=title, body=detail)
        else:
            do_raise_work_item(
                WorkItem(
                    kind=WorkKind.HELP_REQUEST,
                    title=title[:200],
                    detail=detail,
                    link=f"/admin/stations/helprequest/{request.pk}/change/",
                    zone_id=station.zone_id,
                    due_on=timezone.localdate() + datetime.timedelta(days=HELP_WITHIN_DAYS),
                ),
                source_key=f"help-request:{request.pk}",
            )
    return request
