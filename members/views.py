"""The member's own pages (public side): prove the phone with a code, see the card; anyone verifies a card.

Members are not Django users: ``/me/`` asks for the phone number, texts a code
(members.phone_codes) and opens a short member session (members.member_session). The card
verification page (``/card/v/<token>/``) is for whoever scans a card: it says valid, lapsed
or unknown and shows nothing but a masked name.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from unionhub.core.auth.lockout import client_ip
from unionhub.core.choices import Action
from unionhub.core.models import Federation
from unionhub.core.qr import qr_svg
from unionhub.core.scoping import get_scoped_or_404
from unionhub.core.throttles import limit_public_posts
from unionhub.core.validators import validate_phone
from zones.models import GrassrootsUnion, Zone

from .actions import do_set_photo, do_submit_application, do_withdraw_own_membership
from .card import render_card, verification_url, verify
from .choices import JoinChannel
from .corrections import do_ask_correction
from .forms import CorrectionForm, JoinForm, PhotoForm
from .joining import TARGETS, join_url, resolve
from .member_session import own_memberships, sign_in_member, sign_out_member, signed_in_phone
from .models import CorrectionRequest, JoinApplication, Member
from .own_data import as_json, copy_of_own_data
from .phone_codes import CodeNotSent, check_code, phone_key, send_code

PENDING_KEY = "member_code_for"  # the phone key a code was sent to, between the two steps
PURPOSE = "sign-in"


@never_cache
@limit_public_posts
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: the phone number (a code is texted); step 2: the code (the member session opens)."""
    if signed_in_phone(request):
        return redirect(_safe_next(request) or "members:card")
    error, code_sent = "", bool(request.session.get(PENDING_KEY))
    if request.method == "POST" and "phone" in request.POST:
        phone = request.POST["phone"].strip()
        try:
            validate_phone(phone)
            key = send_code(phone, purpose=PURPOSE, address=client_ip(request)) if _is_member(phone) else None
        except (ValidationError, CodeNotSent) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        else:
            # The same answer whether or not the number is a member's: the page tells nobody who is.
            request.session[PENDING_KEY] = key or "none"
            code_sent = True
    elif request.method == "POST" and "code" in request.POST:
        pending = request.session.get(PENDING_KEY)
        if pending and pending != "none" and check_code(pending, request.POST["code"], purpose=PURPOSE):
            request.session.pop(PENDING_KEY, None)
            sign_in_member(request, pending)
            return redirect(_safe_next(request) or "members:card")
        error = _("The code is wrong or has expired. Ask for a new one if needed.")
    elif request.GET.get("again"):
        request.session.pop(PENDING_KEY, None)
        code_sent = False
    return render(request, "members/sign_in.html", {"code_sent": code_sent, "error": error})


def _safe_next(request: HttpRequest) -> str:
    """Where to go after signing in (a page of this site only), kept in the forms' action address."""
    wanted = request.GET.get("next", "")
    return wanted if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}) else ""


def _is_member(phone: str) -> bool:
    return own_memberships(Member.phone_lookup(phone)).exists()


@never_cache
def card(request: HttpRequest) -> HttpResponse:
    """The member's card page: their memberships, each with its card, their details and their corrections."""
    phone = signed_in_phone(request)
    if phone is None:
        return redirect("members:sign-in")
    return _card_page(request, phone)


def _card_page(
    request: HttpRequest,
    phone: str,
    *,
    forms: dict[str, Any] | None = None,
    own_data_error: str = "",
    status: int = 200,
) -> HttpResponse:
    recent = CorrectionRequest.objects.order_by("-created_at", "-id")
    memberships = list(own_memberships(phone).prefetch_related(Prefetch("corrections", queryset=recent)))
    for member in memberships:
        member.correction_form = (forms or {}).get(member.member_number) or CorrectionForm(prefix=member.member_number)
        member.photo_form = (forms or {}).get(f"photo-{member.member_number}") or PhotoForm(
            prefix=f"photo-{member.member_number}"
        )
    return render(
        request, "members/card.html", {"memberships": memberships, "own_data_error": own_data_error}, status=status
    )


def _own(request: HttpRequest, number: str) -> tuple[str, Member]:
    phone = signed_in_phone(request)
    member = own_memberships(phone).filter(member_number=number).first() if phone else None
    if phone is None or member is None:
        raise Http404
    return phone, member


@require_POST
@limit_public_posts
def ask_correction(request: HttpRequest, number: str) -> HttpResponse:
    """The signed-in member asks for one field of their record to be corrected (staff decide)."""
    phone, member = _own(request, number)
    form = CorrectionForm(request.POST, prefix=number)
    if form.is_valid():
        try:
            do_ask_correction(
                member,
                field=form.cleaned_data["field"],
                value=form.corrected_value(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return redirect(f"{reverse('members:card')}#member-{number}")
    return _card_page(request, phone, forms={number: form}, status=400)


@require_POST
@limit_public_posts
def upload_photo(request: HttpRequest, number: str) -> HttpResponse:
    """The signed-in member puts a photo on their card (checked and re-encoded, EXIF stripped)."""
    phone, member = _own(request, number)
    form = PhotoForm(request.POST, request.FILES, prefix=f"photo-{number}")
    if form.is_valid():
        do_set_photo(member, form.cleaned_data["photo"], actor=None)
        return redirect(f"{reverse('members:card')}#member-{number}")
    return _card_page(request, phone, forms={f"photo-{number}": form}, status=400)


@never_cache
def card_png(request: HttpRequest, number: str) -> HttpResponse:
    """One of the signed-in member's cards as a PNG (another member's number answers 404)."""
    _phone, member = _own(request, number)
    response = HttpResponse(render_card(member, verification_url(request, member)), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    """The signed-in member leaves the union (the page asks them to confirm first)."""
    _phone, member = _own(request, number)
    if request.POST.get("confirm") == "yes":
        do_withdraw_own_membership(member)
    return redirect("members:card")


@require_POST
@limit_public_posts
def own_data_copy(request: HttpRequest) -> HttpResponse:
    """The signed-in member downloads a copy of the data UnionHub holds about them (PIPL art. 45).

    A POST (from the card page's form, with the last four characters of the member's ID
    number: members.own_data.own_records says why): limited like the other member forms, and
    each download logged (the full phone and ID number are in it). No member session: 404, as
    for the other per-record member pages.
    """
    phone = signed_in_phone(request)
    if phone is None:
        raise Http404
    data = copy_of_own_data(phone, id_last4=request.POST.get("id_last4", ""), ip=client_ip(request))
    if data is None:
        error = _("These are not the last four characters of the ID number on your membership record.")
        return _card_page(request, phone, own_data_error=error, status=400)
    response = HttpResponse(as_json(data), content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="unionhub-my-data-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    sign_out_member(request)
    return redirect("members:sign-in")


def verify_card(request: HttpRequest, token: str) -> HttpResponse:
    verdict, member = verify(token)
    return render(
        request,
        "members/verify.html",
        {
            "verdict": verdict,
            "masked_name": member.masked_name if member else "",
            "federation": member.union.federation.name if member else "",
        },
        status=200 if verdict != "unknown" else 404,
    )


JOIN_PURPOSE = "join"


@never_cache
@limit_public_posts
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The form behind a joining QR code: details, a code to the phone, then the application.

    "Send me a code" posts the form back with its values (nothing is stored until the
    application is filed); "Apply" checks the code and files it.
    """
    target = resolve(token)
    if target is None:
        return render(request, "members/join_unknown.html", status=404)
    form = JoinForm(request.POST or None, target=target)
    code_sent = False
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        if "send_code" in request.POST:
            try:
                send_code(phone, purpose=JOIN_PURPOSE, address=client_ip(request))
            except CodeNotSent as exc:
                form.add_error("code", str(exc))
            else:
                code_sent = True
        elif not check_code(phone_key(phone), form.cleaned_data["code"], purpose=JOIN_PURPOSE):
            form.add_error("code", _("The code is wrong or has expired: ask for a new one."))
        else:
            union = form.chosen_union()
            if not form.errors:
                try:
                    application = do_submit_application(
                        _application_from(form),
                        phone=phone,
                        id_number=form.cleaned_data["id_number"],
                        union=union,
                        federation=target.federation,
                        consent_version=form.consent_wording.version,
                    )
                except ValidationError as exc:
                    for field, messages in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, messages)
                else:
                    return render(request, "members/join_done.html", {"application": application})
    return render(request, "members/join.html", {"form": form, "target": target, "code_sent": code_sent})


def _application_from(form: JoinForm) -> JoinApplication:
    data = form.cleaned_data
    return JoinApplication(
        name=data["name"],
        channel=form.target.channel,
        employer=data.get("employer", ""),
        occupation=data["occupation"],
        work_form=data["work_form"],
    )


def join_posters(request: HttpRequest) -> HttpResponse:
    """Staff choose what a joining QR code is for: a zone, a union (found by name) or a joining event."""
    if request.GET.get("federation") and request.GET.get("event"):
        poster = reverse("admin:members_join_poster", args=[JoinChannel.EVENT, request.GET["federation"]])
        return redirect(f"{poster}?{urlencode({'event': request.GET['event']})}")
    zones = Zone.objects.restrict(request.user, Action.VIEW).only("id", "name").order_by("name")[:200]
    federations = Federation.objects.restrict(request.user, Action.VIEW).only("id", "name").order_by("path")[:200]
    wanted = request.GET.get("q", "").strip()
    unions = (
        GrassrootsUnion.objects.restrict(request.user, Action.VIEW)
        .filter(name__contains=wanted, is_holding_pool=False)
        .only("id", "name")
        .order_by("name")[:20]
        if wanted
        else []
    )
    return render(
        request,
        "admin/members/join_posters.html",
        {"zones": zones, "federations": federations, "unions": unions, "q": wanted, "title": _("Joining QR codes")},
    )


def join_poster(request: HttpRequest, channel: str, pk: int) -> HttpResponse:
    """A printable joining poster for a union, zone, station or joining event in the user's scope."""
    if channel not in TARGETS:
        raise Http404
    target = get_scoped_or_404(TARGETS[channel], request.user, Action.VIEW, pk=pk)
    event = request.GET.get("event", "").strip()[:60] if channel == JoinChannel.EVENT else ""
    url = join_url(request, channel, pk, event)
    return render(
        request, "members/join_poster.html", {"target": target, "event": event, "url": url, "qr": qr_svg(url)}
    )
