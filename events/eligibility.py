"""Who may register for an activity: members only, singles only, a sector, an age range.

The age comes from the birth date inside the member's resident ID number, which is stored
encrypted (DESIGN.md rule 3). It is decrypted here only, for the registrant's own request,
and leaves this module as a yes or no: it is never stored, logged or shown.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from members.choices import MemberStatus
from members.models import Member
from unionhub.core import crypto

from .models import Activity


def check_eligibility(activity: Activity, member: Member | None, *, declared_single: bool) -> None:
    """Raise a ValidationError saying what the registrant lacks; return when they may register."""
    if activity.members_only and (member is None or member.status != MemberStatus.ACTIVE):
        raise ValidationError({"phone": _("This activity is for union members: this phone is not a member's.")})
    if activity.singles_only and not declared_single:
        raise ValidationError(
            {"declared_single": _("This activity is for single workers: confirm that you are single.")}
        )
    if member is None:
        return
    if activity.sector and member.union.sector != activity.sector:
        raise ValidationError(
            {"phone": _("This activity is for members in {sector}.").format(sector=activity.get_sector_display())}
        )
    if (activity.min_age is not None or activity.max_age is not None) and not _age_fits(activity, member):
        raise ValidationError({"phone": _("This activity is for ages {range}.").format(range=age_range(activity))})


def age_range(activity: Activity) -> str:
    low, high = activity.min_age, activity.max_age
    if low is not None and high is not None:
        return f"{low}–{high}"
    return f"≥ {low}" if low is not None else f"≤ {high}"


def _age_fits(activity: Activity, member: Member) -> bool:
    born = _birth_date(member)
    if born is None:
        return False  # no ID number on record: the age cannot be checked
    day = timezone.localtime(activity.starts_at).date()
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return (activity.min_age is None or age >= activity.min_age) and (
        activity.max_age is None or age <= activity.max_age
    )


def _birth_date(member: Member) -> datetime.date | None:
    # Not a reveal (core.actions.do_reveal): no person sees the number, only this comparison does.
    if not member.id_number_encrypted:
        return None
    number = crypto.decrypt(member.id_number_encrypted)
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
