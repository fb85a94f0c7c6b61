"""A copy of the data UnionHub holds about a member, for the member themselves (PIPL art. 45).

The member proved their phone with a texted code (members.member_session); the copy holds
what is found through that proof and nothing else:

- their membership records (every record with the phone's keyed hash, withdrawn and merged
  ones included while they still hold data), with their own phone and ID number in full;
- what refers to those records: join applications, transfers, correction requests, hardship
  aid cases (not drafts, not staff's review notes or follow-up notes);
- join applications filed from the same proved phone with one of those records' ID numbers
  (refused, or still waiting); help requests at stations left with that phone; and,
  registered by the apps of higher layers (``register_section``, as they register erasers
  and merge reassigners), activity
  registrations and grievances filed under that phone. Anonymous grievances carry no phone
  and cannot be matched, so they are not in it.

The member types the last four characters of their ID number as well (``own_records`` says
why). Staff's names and internal notes are left out. Reading the full numbers is logged once per
membership record, like a reveal, with the member as the reader
(``unionhub.core.actions.do_log_own_access``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from stations.models import HelpRequest
from unionhub.core import consents
from unionhub.core.actions import do_log_own_access

from .choices import HardshipStatus
from .hardship_models import HardshipCase
from .models import CorrectionRequest, JoinApplication, Member, MemberTransfer


@dataclass(frozen=True)
class Owner:
    """Whose copy it is: the proved phone's keyed hash and the member records found by it."""

    phone_key: str
    member_ids: list[int]
    id_number_keys: list[str]


Section = Callable[[Owner], list[dict[str, Any]]]
_sections: dict[str, Section] = {}


def register_section(name: str, function: Section) -> None:
    """Add an app's part of the copy (a list of plain rows about the owner), under ``name``."""
    _sections[name] = function


def own_records(phone_key: str, id_last4: str) -> list[Member]:
    """The phone's member records whose ID number ends with ``id_last4`` (or that have none).

    The phone alone is not enough to hand out an ID number in full: a mobile number given up
    is issued again to someone else (二次放号), whose code would then open the former holder's
    record. The last four characters, which the page never shows, are asked as well.
    """
    return list(
        Member.objects.filter(phone_hash=phone_key)
        .filter(Q(id_number_masked__endswith=id_last4.strip().upper()) | Q(id_number_masked=""))
        .select_related("union", "union__federation")
        .defer("union__location", "name_bigrams")
        .order_by("id")
    )


def copy_of_own_data(phone_key: str, *, id_last4: str, ip: str | None = None) -> dict[str, Any] | None:
    """Everything UnionHub holds about the holder of the proved phone, as plain data; logged.

    None (nothing read, nothing logged) when no membership record of the phone matches the
    ID number's last four characters.
    """
    if len(id_last4.strip()) != 4:
        return None
    members = own_records(phone_key, id_last4)
    if not members:
        return None
    owner = Owner(
        phone_key,
        [member.pk for member in members],
        [member.id_number_hash for member in members if member.id_number_hash],
    )
    data: dict[str, Any] = {
        "generated_at": timezone.localtime(),
        "memberships": [_membership(member) for member in members],
        "join_applications": _applications(owner),
        "transfers": _transfers(owner),
        "correction_requests": _corrections(owner),
        "hardship_aid_cases": _hardship_cases(owner),
        "help_requests": _help_requests(owner),
    }
    for name, section in _sections.items():
        data[name] = section(owner)
    for member in members:
        do_log_own_access(member, fields=["phone", "id_number"], ip=ip)
    return data


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def label(value: Any) -> str:
    return str(value) if value is not None else ""


def _membership(member: Member) -> dict[str, Any]:
    return {
        "member_number": member.member_number,
        "name": member.name,
        "union": member.union.name,
        "federation": member.union.federation.name,
        "status": member.get_status_display(),
        "joined_on": member.joined_on,
        "left_on": member.left_on,
        "registered_at": member.created_at,
        "employer": member.employer,
        "occupation": member.get_occupation_display(),
        "work_form": member.get_work_form_display(),
        "model_worker": member.is_model_worker,
        "craftsman": member.is_craftsman,
        "in_hardship": member.in_hardship,
        "photo_on_card": bool(member.photo),
        "phone": member.reveal_phone() if member.phone_encrypted else "",
        "id_number": member.reveal_id_number() if member.id_number_encrypted else "",
    }


def _applications(owner: Owner) -> list[dict[str, Any]]:
    # The member records' own applications, and those filed with one of their ID numbers from
    # this same proved phone (refused ones, or one still waiting): both through indexes.
    rows = (
        JoinApplication.objects.filter(
            Q(member_id__in=owner.member_ids) | Q(id_number_hash__in=owner.id_number_keys, phone_hash=owner.phone_key)
        )
        .select_related("union")
        .defer("union__location")
        .order_by("created_at", "id")
    )
    result = []
    for application in rows:
        consent = consents.wording(application.consent_version)
        result.append(
            {
                "applied_at": application.created_at,
                "name": application.name,
                "union": application.union.name,
                "joined_through": application.get_channel_display(),
                "employer": application.employer,
                "occupation": application.get_occupation_display(),
                "work_form": application.get_work_form_display(),
                "phone": application.masked_phone,
                "id_number": application.id_number_masked,
                "status": application.get_status_display(),
                "decided_at": application.decided_at,
                "reason_refused": application.reason,
                "consent": {
                    "version": application.consent_version,
                    "consented_at": application.consented_at,
                    "wording": label(consent.notice) if consent else "",
                    "ticked": label(consent.label) if consent else "",
                },
            }
        )
    return result


def _transfers(owner: Owner) -> list[dict[str, Any]]:
    rows = (
        MemberTransfer.objects.filter(member_id__in=owner.member_ids)
        .select_related("from_union", "to_union")
        .defer("from_union__location", "to_union__location")
        .order_by("requested_at", "id")
    )
    return [
        {
            "from_union": transfer.from_union.name,
            "to_union": transfer.to_union.name,
            "reason": transfer.reason,
            "status": transfer.get_status_display(),
            "asked_at": transfer.requested_at,
            "completed_at": transfer.completed_at,
            "reason_refused": transfer.refusal_reason,
        }
        for transfer in rows
    ]


def _corrections(owner: Owner) -> list[dict[str, Any]]:
    rows = CorrectionRequest.objects.filter(member_id__in=owner.member_ids).order_by("created_at", "id")
    return [
        {
            "what": correction.get_field_display(),
            "right_value": correction.shown_value,
            "why": correction.reason,
            "status": correction.get_status_display(),
            "asked_at": correction.created_at,
            "decided_at": correction.decided_at,
            "reason_refused": correction.refusal_reason,
        }
        for correction in rows
    ]


def _hardship_cases(owner: Owner) -> list[dict[str, Any]]:
    # Drafts are staff's work in progress, not yet an application; review notes are staff's own.
    rows = (
        HardshipCase.objects.filter(member_id__in=owner.member_ids)
        .exclude(status=HardshipStatus.DRAFT)
        .order_by("created_at", "id")
    )
    return [
        {
            "reason": case.get_reason_display(),
            "description": case.description,
            "amount_requested": case.amount_requested,
            "amount_approved": case.amount_approved,
            "status": case.get_status_display(),
            "submitted_at": case.submitted_at,
            "decided_at": case.decided_at,
            "reason_refused": case.refusal_reason,
            "paid_on": case.disbursed_on,
            "paid_by": case.get_disbursement_method_display() if case.disbursement_method else "",
            "closed_at": case.closed_at,
        }
        for case in rows
    ]


def _help_requests(owner: Owner) -> list[dict[str, Any]]:
    rows = (
        HelpRequest.objects.filter(phone_hash=owner.phone_key)
        .select_related("station")
        .only("station__name", "topic", "description", "name", "status", "created_at")
        .order_by("created_at", "id")
    )
    return [
        {
            "station": help_request.station.name,
            "about": help_request.get_topic_display(),
            "what_happened": help_request.description,
            "name": help_request.name,
            "status": help_request.get_status_display(),
            "asked_at": help_request.created_at,
        }
        for help_request in rows
    ]
