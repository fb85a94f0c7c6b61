"""Reading grievances as Chinese text (unionhub.core.text, docs/text.md): duplicate hints and hot words.

Search, the category suggestion and the lessons staff give it are wired where grievances
are written (events.models ``search_tokens``, events.grievances ``suggest`` / ``teach``); this
module only reads, always through ``restrict(user, …)``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from unionhub.core.choices import Action
from unionhub.core.text.hot import hot_words
from unionhub.core.text.similar import similar_texts
from zones.quarters import Quarter

from .choices import GRIEVANCE_OPEN, GrievanceStatus
from .models import Grievance

# A grievance still waiting to be handled may be the same matter as a new one.
DUPLICATE_STATES = [GrievanceStatus.SUBMITTED, *GRIEVANCE_OPEN]
DUPLICATE_CANDIDATES = 200  # the employer's newest open grievances compared (a few dozen in practice)
HOT_WORDS_TEXTS = 5_000  # the newest descriptions of a zone's quarter read for its hot words


@dataclass(frozen=True)
class PossibleDuplicate:
    """An open grievance that reads like another: what staff need to compare them, nothing about who filed it."""

    id: int
    tracking_code: str
    status: str
    category: str
    created_at: datetime.datetime
    score: float


def possible_duplicates(grievance: Grievance, user: Any) -> list[PossibleDuplicate]:
    """Open grievances about the same employer (or, without one, the same union) whose text resembles
    this one's, most similar first, among those ``user`` may see. Only codes, states and scores
    are returned: an employer-blind submitter stays hidden whoever asks."""
    if grievance.employer_id:
        same = {"employer_id": grievance.employer_id}
    elif grievance.union_id:
        same = {"union_id": grievance.union_id}
    else:
        return []
    candidates = (
        Grievance.objects.restrict(user, Action.VIEW)
        .filter(status__in=DUPLICATE_STATES, **same)
        .exclude(pk=grievance.pk)
        .order_by("-created_at", "-id")
    )
    texts = list(candidates.values_list("id", "description")[:DUPLICATE_CANDIDATES])
    found = similar_texts(grievance.description, texts)
    if not found:
        return []
    rows = {
        row["id"]: row
        for row in Grievance.objects.filter(pk__in=[pk for pk, _ in found]).values(
            "id", "tracking_code", "status", "category", "created_at"
        )
    }
    return [
        PossibleDuplicate(
            id=pk,
            tracking_code=Grievance(tracking_code=rows[pk]["tracking_code"]).formatted_code,
            status=rows[pk]["status"],
            category=rows[pk]["category"],
            created_at=rows[pk]["created_at"],
            score=score,
        )
        for pk, score in found
    ]


def quarter_bounds(quarter: Quarter) -> tuple[datetime.datetime, datetime.datetime]:
    """The quarter as [start, end) in the federation's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(quarter.first_day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(quarter.next().first_day, datetime.time.min, tzinfo=tz)
    return start, end


def grievance_hot_words(
    grievances: QuerySet[Grievance], quarter: Quarter, top: int = 20
) -> tuple[int, list[tuple[str, int]]]:
    """Hot words of the (already scoped and filtered, e.g. by zone) grievances submitted in ``quarter``:
    (grievances read, [(word, grievances mentioning it), …])."""
    start, end = quarter_bounds(quarter)
    texts = list(
        grievances.filter(created_at__gte=start, created_at__lt=end)
        .order_by("-created_at", "-id")
        .values_list("description", flat=True)[:HOT_WORDS_TEXTS]
    )
    return len(texts), hot_words(texts, top=top)
