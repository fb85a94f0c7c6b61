"""The short member session: a member who proved their phone with a code sees their own pages.

Members are not Django users (DESIGN.md rule 1). After a right code the session holds the
phone's keyed hash (never the number) and an expiry MEMBER_SESSION_SECONDS ahead; the
member's pages find the member rows by that hash. Staff log-ins in the same browser are
not affected.
"""

from __future__ import annotations

import time

from django.db.models import QuerySet
from django.http import HttpRequest

from .choices import MemberStatus
from .models import Member

SESSION_KEY = "member_phone"
MEMBER_SESSION_SECONDS = 30 * 60


def sign_in_member(request: HttpRequest, phone_key: str) -> None:
    request.session.cycle_key()  # a new session id once the phone is proved
    request.session[SESSION_KEY] = {"phone": phone_key, "until": time.time() + MEMBER_SESSION_SECONDS}


def sign_out_member(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def signed_in_phone(request: HttpRequest) -> str | None:
    """The proved phone's key, or None when no member session or it has expired."""
    state = request.session.get(SESSION_KEY)
    if not state or state.get("until", 0) < time.time():
        sign_out_member(request)
        return None
    return state["phone"]


def own_memberships(phone_key: str) -> QuerySet[Member]:
    """The membership records of the proved phone, current ones first (the member's own data: no staff scope)."""
    return (
        Member.objects.filter(phone_hash=phone_key)
        .exclude(status=MemberStatus.WITHDRAWN)
        .select_related("union", "union__federation")
        .order_by("status", "-joined_on", "-id")
    )
