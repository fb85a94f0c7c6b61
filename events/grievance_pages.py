"""The workers' public grievance pages: phone first, no log-in, served on the public host too.

- ``/grievances/new/`` (``?station=<code>`` from a station's "I need help"): file a grievance,
  named (name and a mobile phone proved by a texted code, members.phone_codes) or anonymous
  with a PIN the worker chooses; photos go through unionhub.core.images; a notice and an
  explicit consent for the sensitive data. Filed through ``do_file_grievance(actor=None)``.
- ``/grievances/filed/``: the tracking code just issued, read from the session (never the URL).
- ``/grievances/track/``: the tracking code and the last four digits of the phone (or the PIN)
  open the grievance's timeline for GRIEVANCE_TRACK_ACCESS_MINUTES in this browser's session;
  internal lines and anything about the staff are left out. A resolved grievance can be rated
  (``/grievances/track/rate/``) or reopened (``/grievances/track/reopen/``).

The check answers an unknown code exactly as a wrong secret (same message, status, one query
and one password hash each), and guesses are limited per client address and per tracking code
(``unionhub.core.throttles.allow_guess``, rates "public-track" and "public-track-code").
"""

from __future__ import annotations

import functools
import secrets
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members.member_session import sign_in_member, signed_in_phone
from members.phone_codes import CodeNotSent, check_code, phone_key, send_code
from stations.choices import StationStatus
from stations.models import Station
from unionhub.core import crypto
from unionhub.core.auth.lockout import client_ip
from unionhub.core.geo import basemap
from unionhub.core.throttles import allow_guess, limit_public_posts
from unionhub.core.validators import validate_phone

from .choices import GrievanceChannel, GrievanceEventKind, GrievanceStatus
from .grievance_forms import GrievanceForm, RateForm, ReopenForm, TrackForm
from .grievances import do_add_grievance_photo, do_evaluate_grievance, do_file_grievance, do_reopen_grievance
from .models import Grievance, GrievanceEvent

PURPOSE = "grievance"  # of the one-time codes
FILED_KEY = "grievance_filed"
ACCESS_KEY = "grievance_access"
# Timeline lines whose text the worker reads: what was done, why it paused, the feedback, the reopening.
TEXT_KINDS = {GrievanceEventKind.ACTION, GrievanceEventKind.NOTE, GrievanceEventKind.PAUSE, GrievanceEventKind.RESUME}
TEXT_STATUSES = {GrievanceStatus.RESOLVED, GrievanceStatus.EVALUATED, GrievanceStatus.REOPENED}
# Kept from the form when a code is asked for without JavaScript (never the PIN, the code or files).
KEPT_ON_CODE = (
    "category",
    "description",
    "federation",
    "place",
    "address",
    "employer_name",
    "identity",
    "name",
    "phone",
    "reveal_to_employer",
    "consent",
    "station",
)


# --- filing --------------------------------------------------------------------------------------


def _station(request: HttpRequest) -> Station | None:
    code = request.POST.get("station") or request.GET.get("station")
    if not code:
        return None
    return (
        Station.objects.exclude(status=StationStatus.CLOSED)
        .filter(public_code=str(code)[:16])
        .select_related("federation")
        .first()
    )


def _render_form(
    request: HttpRequest,
    form: GrievanceForm,
    station: Station | None,
    *,
    status: int = 200,
    code_sent: bool = False,
    code_error: str = "",
) -> HttpResponse:
    centre = [station.position.y, station.position.x] if station is not None else None
    return render(
        request,
        "events/grievance_new.html",
        {
            "form": form,
            "station": station,
            "code_sent": code_sent,
            "code_error": code_error,
            "max_photos": settings.GRIEVANCE_PUBLIC_MAX_PHOTOS,
            "map_config": {
                **basemap(),
                **({"centre": centre, "zoom": 16} if centre else {"zoom": 11}),
                "messages": {
                    "locating": _("Finding your position…"),
                    "noPosition": _("Your position is not available: tap the map where it happened."),
                    "chosen": _("Place chosen: {lat}, {lon}"),
                    "none": _("No place chosen."),
                    "codeSent": _("A code is on its way to this number. It is valid for 5 minutes."),
                    "codeFailed": _("The code could not be sent. Check the number and try again in a minute."),
                },
            },
        },
        status=status,
    )


@never_cache
@limit_public_posts
def file_grievance(request: HttpRequest) -> HttpResponse:
    """The form; "Send me a code" texts a code to the phone; "File" checks everything and files it."""
    station = _station(request)
    if request.method == "POST" and "send_code" in request.POST:
        return _send_code(request, station)
    if request.method != "POST":
        return _render_form(request, GrievanceForm(station=station), station)
    form = GrievanceForm(request.POST, request.FILES, station=station)
    if form.is_valid() and _proved(request, form):
        grievance = _file(form, station)
        if grievance is not None:
            request.session[FILED_KEY] = {"id": grievance.pk, "until": _access_until()}
            _grant(request, grievance)
            return redirect("events:grievance-filed")
    return _render_form(request, form, station, status=400)


def _send_code(request: HttpRequest, station: Station | None) -> HttpResponse:
    """Text a code to the phone given; the form comes back with what was typed (the fetch gets JSON)."""
    phone = request.POST.get("phone", "").strip()
    error = ""
    try:
        validate_phone(phone)
        send_code(phone, purpose=PURPOSE, address=client_ip(request))
    except ValidationError as refused:
        error = " ".join(refused.messages)
    except CodeNotSent as refused:
        error = str(refused)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"sent": not error, "message": error}, status=400 if error else 200)
    initial = {name: request.POST.get(name) for name in KEPT_ON_CODE if name in request.POST}
    form = GrievanceForm(initial=initial, station=station)
    return _render_form(request, form, station, status=400 if error else 200, code_sent=not error, code_error=error)


def _proved(request: HttpRequest, form: GrievanceForm) -> bool:
    """A named worker's phone: proved by the code now, or earlier in this browser's member session."""
    if not form.named:
        return True
    key = phone_key(form.cleaned_data["phone"])
    if signed_in_phone(request) == key:
        return True
    if not check_code(key, form.cleaned_data.get("code", ""), purpose=PURPOSE):
        form.add_error("code", _("The code is wrong or has expired: ask for a new one."))
        return False
    sign_in_member(request, key)  # a refused form sent back need not ask for another code
    return True


def _file(form: GrievanceForm, station: Station | None) -> Grievance | None:
    """File it with its photos in one transaction; a refusal lands on the form's fields, nothing kept."""
    data = form.cleaned_data
    employer, union = form.matched()
    grievance = Grievance(
        channel=GrievanceChannel.PUBLIC_FORM,
        category=data["category"],
        description=data["description"],
        place=data["place"] or (station.position if station is not None else None),
        address=data["address"] or (station.name if station is not None else ""),
        federation=form.federation_chosen(),
        zone_id=station.zone_id if station is not None and union is None else None,
        employer=employer,
        union=union,
        employer_name="" if union is not None else data["employer_name"],
        submitter_name=data["name"],
        anonymous=not form.named,
        employer_blind=not data["reveal_to_employer"],
        consent_version=form.consent_wording.version,  # the box is required: ticked to get here
        consented_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            do_file_grievance(grievance, actor=None, phone=data["phone"], pin=data["pin"])
            for photo in data["photos"]:
                do_add_grievance_photo(grievance, photo, actor=None)
    except ValidationError as refused:
        for field, problems in refused.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return None
    return grievance


@never_cache
def filed(request: HttpRequest) -> HttpResponse:
    """The tracking code of the grievance this browser just filed, and what to keep."""
    grievance = _from_session(request, FILED_KEY)
    if grievance is None:
        return redirect("events:grievance-new")
    return render(request, "events/grievance_filed.html", {"grievance": grievance})


# --- tracking ------------------------------------------------------------------------------------


def _access_until() -> float:
    return time.time() + settings.GRIEVANCE_TRACK_ACCESS_MINUTES * 60


def _grant(request: HttpRequest, grievance: Grievance) -> None:
    """Open the grievance in this browser's session for a while (a new session id: no fixation)."""
    request.session.cycle_key()
    request.session[ACCESS_KEY] = {"id": grievance.pk, "until": _access_until()}


def _from_session(request: HttpRequest, key: str) -> Grievance | None:
    state = request.session.get(key)
    if not isinstance(state, dict) or state.get("until", 0) < time.time():
        request.session.pop(key, None)
        return None
    return Grievance.objects.filter(pk=int(state.get("id", 0))).first()


@functools.cache
def _stand_in_hash() -> str:
    """A password hash no PIN matches: checked when the code is unknown or has no PIN, so every check costs one hash."""
    return make_password(secrets.token_hex(16))


def check_tracking(code: str, secret: str) -> Grievance | None:
    """The grievance with this code whose phone ends in ``secret`` or whose PIN is ``secret``; else None.

    One query and one password check whatever the answer, so that an unknown code cannot be told
    from a wrong secret by the time it takes.
    """
    grievance = Grievance.objects.filter(tracking_code=code).first()
    has_pin = grievance is not None and bool(grievance.pin_hash)
    pin_right = check_password(secret, grievance.pin_hash if has_pin else _stand_in_hash())  # type: ignore[union-attr]
    last4 = grievance.phone_last4 if grievance is not None else ""
    digits_right = secrets.compare_digest(secret.encode(), (last4 or "-").encode()) and bool(last4)
    return grievance if (has_pin and pin_right) or digits_right else None


def _timeline(grievance: Grievance) -> list[dict[str, Any]]:
    """What the worker sees: no internal line, no staff member's name, text only where it is meant for them."""
    lines = []
    events = GrievanceEvent.objects.filter(grievance=grievance, internal=False).order_by("at", "id")
    for event in events.values("kind", "status_to", "text", "at"):
        kind, status = event["kind"], event["status_to"]
        transition = kind == GrievanceEventKind.TRANSITION and status
        label = GrievanceStatus(status).label if transition else GrievanceEventKind(kind).label
        shown = kind in TEXT_KINDS or (transition and status in TEXT_STATUSES)
        lines.append({"at": event["at"], "label": label, "status": status, "text": event["text"] if shown else ""})
    return lines


def _render_tracked(
    request: HttpRequest,
    grievance: Grievance,
    *,
    rate_form: RateForm | None = None,
    reopen_form: ReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    handling = grievance.status in {
        GrievanceStatus.VERIFIED,
        GrievanceStatus.ASSIGNED,
        GrievanceStatus.IN_PROGRESS,
        GrievanceStatus.REOPENED,
    }
    return render(
        request,
        "events/grievance_track.html",
        {
            "grievance": grievance,
            "timeline": _timeline(grievance),
            "due": timezone.localtime(grievance.due_at) if handling and grievance.due_at else None,
            "paused": grievance.paused_at is not None,
            "can_rate": grievance.status == GrievanceStatus.RESOLVED,
            "can_reopen": grievance.status in (GrievanceStatus.RESOLVED, GrievanceStatus.EVALUATED),
            "rate_form": rate_form or RateForm(),
            "reopen_form": reopen_form or ReopenForm(),
        },
        status=status,
    )


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    """The check (code and digits or PIN), then the grievance's timeline while the access lasts."""
    if request.method == "POST":
        form = TrackForm(request.POST)
        if not form.is_valid():
            return render(request, "events/grievance_check.html", {"form": form}, status=400)
        code, secret = form.cleaned_data["code"], form.cleaned_data["secret"]
        if not allow_guess(request, key=crypto.keyed_hash(f"tracking:{code}")[:32]):
            return render(request, "too_many.html", status=429)
        grievance = check_tracking(code, secret)
        if grievance is None:
            form.add_error(None, _("No grievance matches this code and these digits. Check both and try again."))
            return render(request, "events/grievance_check.html", {"form": form}, status=400)
        _grant(request, grievance)
        return redirect("events:grievance-track")
    grievance = _from_session(request, ACCESS_KEY)
    if grievance is None:
        return render(request, "events/grievance_check.html", {"form": TrackForm()})
    return _render_tracked(request, grievance)


@require_POST
@limit_public_posts
def rate(request: HttpRequest) -> HttpResponse:
    """The worker rates the handling 1–5 (1 or 2 reopens it), through do_evaluate_grievance."""
    grievance = _from_session(request, ACCESS_KEY)
    if grievance is None:
        return redirect("events:grievance-track")
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            do_evaluate_grievance(
                grievance, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"], actor=None
            )
        except ValidationError as refused:
            form.add_error(None, refused.messages)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("events:grievance-track")
    return _render_tracked(request, grievance, rate_form=form, status=400)


@require_POST
@limit_public_posts
def reopen(request: HttpRequest) -> HttpResponse:
    """The worker says it is not solved: back to work, through do_reopen_grievance."""
    grievance = _from_session(request, ACCESS_KEY)
    if grievance is None:
        return redirect("events:grievance-track")
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            do_reopen_grievance(grievance, actor=None, reason=form.cleaned_data["reason"])
        except ValidationError as refused:
            form.add_error(None, refused.messages)
        else:
            messages.success(request, _("Your grievance is reopened: the union will take it up again."))
            return redirect("events:grievance-track")
    return _render_tracked(request, grievance, reopen_form=form, status=400)


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """Close the grievance in this browser (on a shared phone, say)."""
    request.session.pop(ACCESS_KEY, None)
    request.session.pop(FILED_KEY, None)
    return redirect("events:grievance-track")
