"""Withdrawn members are anonymised MEMBER_RETENTION_DAYS after they left; the statistics survive.

Erased, on the member and on every copy: the name, the phone and ID number (ciphertext, keyed
hash, last four digits, masked form), the employer, the photo file, free texts about the person
(join applications, corrections, transfers, hardship aid), in the live tables **and** their
change-history tables. Kept: the member number, union, zone, federation path, status,
occupation, work form, the dates and the flags, so counts by union, occupation and month are
unchanged. Apps of higher layers that copy a member's data register their own eraser
(``register_eraser``), as they register merge reassigners. Batches commit one by one and a
member is marked ``anonymised_on``, so the job can stop and run again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from .choices import ApplicationStatus, MemberStatus
from .hardship_models import HardshipCase, HardshipFollowUp, HardshipSuggestion
from .models import CorrectionRequest, JoinApplication, Member, MemberTransfer

ERASED_NAME = "***"  # what an anonymised name reads (not translated: it is stored)
BATCH = 500
PHONE_BLANK: dict[str, Any] = {"phone_encrypted": None, "phone_hash": "", "phone_last4": ""}
ID_BLANK: dict[str, Any] = {"id_number_encrypted": None, "id_number_hash": "", "id_number_masked": ""}

Eraser = Callable[[list[int]], int]
_erasers: dict[str, Eraser] = {}


def register_eraser(name: str, function: Eraser) -> None:
    """Add the function that erases an app's copies of these members' personal data (live and history)."""
    _erasers[name] = function


def blank(model: type[models.Model], condition: Q, values: dict[str, Any]) -> int:
    """Set ``values`` on the rows of ``model`` matching ``condition`` and on every history row of them."""
    ids = list(model._base_manager.filter(condition).values_list("pk", flat=True))
    if not ids:
        return 0
    model._base_manager.filter(pk__in=ids).update(**values)
    history = getattr(model, "history", None)
    if history is not None:
        own = {f.name for f in history.model._meta.concrete_fields}
        kept = {k: v for k, v in values.items() if k in own}
        if kept:
            history.model._base_manager.filter(**{f"{model._meta.pk.attname}__in": ids}).update(**kept)
    return len(ids)


def due(today: datetime.date | None = None) -> models.QuerySet[Member]:
    """Withdrawn members whose retention has run out (left before the cut-off), not yet anonymised."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=settings.MEMBER_RETENTION_DAYS)
    start = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    return Member.objects.filter(status=MemberStatus.WITHDRAWN, anonymised_on__isnull=True).filter(
        Q(left_on__lt=cutoff) | Q(left_on__isnull=True, created_at__lt=start)
    )


def anonymise_withdrawn(*, today: datetime.date | None = None, batch: int = BATCH) -> int:
    """Anonymise every member due, ``batch`` at a time (each batch one transaction); returns how many."""
    today = today or timezone.localdate()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                due(today).order_by("pk").select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return total
            erase(ids, today=today)
        total += len(ids)


def erase(ids: Iterable[int], *, today: datetime.date) -> None:
    ids = list(ids)
    members = Member._base_manager.filter(pk__in=ids)
    id_hashes = [h for h in members.values_list("id_number_hash", flat=True) if h]
    photos = [p for p in members.values_list("photo", flat=True) if p]

    blank(
        Member,
        Q(pk__in=ids),
        {"name": ERASED_NAME, "name_bigrams": [], "employer": "", "photo": "", "anonymised_on": today}
        | PHONE_BLANK
        | ID_BLANK,
    )
    # Applications: the one that made the member, and their other decided ones without a member.
    blank(
        JoinApplication,
        Q(member_id__in=ids)
        | Q(id_number_hash__in=id_hashes, member__isnull=True) & ~Q(status=ApplicationStatus.SUBMITTED),
        {"name": ERASED_NAME, "employer": "", "reason": ""} | PHONE_BLANK | ID_BLANK,
    )
    blank(
        CorrectionRequest,
        Q(member_id__in=ids),
        {"value": "", "reason": "", "refusal_reason": ""} | PHONE_BLANK | ID_BLANK,
    )
    blank(MemberTransfer, Q(member_id__in=ids), {"reason": "", "refusal_reason": ""})
    blank(HardshipCase, Q(member_id__in=ids), {"description": "", "review_note": "", "refusal_reason": ""})
    blank(HardshipFollowUp, Q(case__member_id__in=ids), {"note": "", "gifts": ""})
    blank(HardshipSuggestion, Q(member_id__in=ids), {"reason": "", "dismissal_reason": ""})
    for eraser in _erasers.values():
        eraser(ids)
    if photos:
        storage = Member._meta.get_field("photo").storage  # type: ignore[attr-defined]
        transaction.on_commit(lambda: _delete_files(storage, photos))


def _delete_files(storage: Any, names: list[str]) -> None:
    for name in names:
        storage.delete(name)
