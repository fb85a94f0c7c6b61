"""Activity pages: the public side where workers register, and the staff phone page that checks them in.

Public (phone first, WeChat's browser included, no log-in):

- ``/activities/``: upcoming activities;
- ``/activities/<id>/``: one activity. A worker registers with their phone, proved by a
  one-time code (members.phone_codes, purpose "activity"); the proved phone opens the short
  member session (members.member_session), in which the page shows their registration: its
  status, the QR code to show at the door, and buttons to confirm an offered place or cancel.

Staff (``/m/``, never on the public host):

- ``/m/activities/``: the activities the user may check people in to;
- ``/m/activities/<id>/check-in/``: a field that the phone's scanner fills (the QR holds this
  page's address with the code), or where the code is pasted.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members.member_session import sign_in_member, signed_in_phone
from members.phone_codes import CodeNotSent, check_code, phone_key, send_code
from unionhub.core.auth.lockout import client_ip
from unionhub.core.choices import Action
from unionhub.core.qr import qr_svg
from unionhub.core.scoping import get_scoped_or_404
from unionhub.core.throttles import limit_public_posts

from .actions import Registrant, do_accept_offer, do_cancel_registration, do_check_in, do_register
from .choices import ACTIVE, HOLDS_PLACE, Attendance, RegistrationStatus
from .forms import CheckInForm, RegistrationForm
from .models import Activity, Registration
from .tokens import check_in_url, registration_id_from

PURPOSE = "activity"
PUBLIC_LIST_SIZE = 50
STAFF_LIST_SIZE = 50


def _public_activities():  # type: ignore[no-untyped-def]
    return Activity.objects.filter(published=True).select_related("station", "series")


def activity_list(request: HttpRequest) -> HttpResponse:
    """Upcoming published activities, soonest first."""
    activities = (
        _public_activities()
        .filter(ends_at__gte=timezone.now())
        .annotate(places_held=Count("registrations", filter=Q(registrations__status__in=HOLDS_PLACE)))
        .order_by("starts_at", "id")[:PUBLIC_LIST_SIZE]
    )
    for activity in activities:
        activity.places_left = max(0, activity.capacity - activity.places_held)  # type: ignore[attr-defined]
    return render(request, "events/list.html", {"activities": activities})


def _own_registration(request: HttpRequest, activity: Activity) -> Registration | None:
    key = signed_in_phone(request)
    if key is None:
        return None
    return activity.registrations.filter(phone_hash=key).order_by("-id").first()


@never_cache
def activity_page(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(_public_activities(), pk=pk)
    return _render_activity(request, activity, RegistrationForm(activity=activity))


def _render_activity(
    request: HttpRequest, activity: Activity, form: RegistrationForm, *, code_sent: bool = False, status: int = 200
) -> HttpResponse:
    mine = _own_registration(request, activity)
    held = activity.registrations.filter(status__in=HOLDS_PLACE).count()
    context = {
        "activity": activity,
        "form": form,
        "code_sent": code_sent,
        "mine": mine if mine is not None and mine.status in ACTIVE else None,
        "ended": mine if mine is not None and mine.status not in ACTIVE else None,
        "places_left": max(0, activity.capacity - held),
        "waiting": activity.registrations.filter(status=RegistrationStatus.WAITLISTED).count(),
        "open": timezone.now() < activity.closes_at,
        "can_cancel": timezone.now() < activity.starts_at,
    }
    if mine is not None and mine.status == RegistrationStatus.WAITLISTED:
        context["position"] = (
            activity.registrations.filter(status=RegistrationStatus.WAITLISTED)
            .filter(Q(created_at__lt=mine.created_at) | Q(created_at=mine.created_at, id__lt=mine.pk))
            .count()
            + 1
        )
    if mine is not None and mine.status == RegistrationStatus.CONFIRMED:
        context["qr"] = qr_svg(check_in_url(request, mine))
    return render(request, "events/activity.html", context, status=status)


@never_cache
@require_POST
@limit_public_posts
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Send me a code" texts a code to the phone; "Register" checks it (unless proved already) and registers."""
    activity = get_object_or_404(_public_activities(), pk=pk)
    form = RegistrationForm(request.POST, activity=activity)
    if not form.is_valid():
        return _render_activity(request, activity, form, status=400)
    data = form.cleaned_data
    key = phone_key(data["phone"])
    if "send_code" in request.POST:
        try:
            send_code(data["phone"], purpose=PURPOSE, address=client_ip(request))
        except CodeNotSent as exc:
            form.add_error("code", str(exc))
            return _render_activity(request, activity, form, status=400)
        return _render_activity(request, activity, form, code_sent=True)
    if signed_in_phone(request) != key:
        if not check_code(key, data["code"], purpose=PURPOSE):
            form.add_error("code", _("The code is wrong or has expired: ask for a new one."))
            return _render_activity(request, activity, form, status=400)
        sign_in_member(request, key)
    registrant = Registrant(
        phone=data["phone"],
        name=data.get("name", ""),
        declared_single=data.get("declared_single", False),
        as_cadre=data.get("as_cadre", False),
    )
    try:
        do_register(activity, registrant)
    except ValidationError as refused:
        for field, errors in refused.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _render_activity(request, activity, form, status=400)
    return redirect(reverse("events:activity", args=[activity.pk]) + "#registration")


def _mine_or_404(request: HttpRequest, pk: int) -> Registration:
    activity = get_object_or_404(_public_activities(), pk=pk)
    mine = _own_registration(request, activity)
    if mine is None:
        raise Http404
    return mine


@require_POST
@limit_public_posts
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    mine = _mine_or_404(request, pk)
    try:
        do_cancel_registration(mine)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect(reverse("events:activity", args=[pk]) + "#registration")


@require_POST
@limit_public_posts
def accept_offer(request: HttpRequest, pk: int) -> HttpResponse:
    mine = _mine_or_404(request, pk)
    try:
        do_accept_offer(mine)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect(reverse("events:activity", args=[pk]) + "#registration")


# --- Staff: check-in on the phone ---------------------------------------------------------------


@login_required
def staff_activities(request: HttpRequest) -> HttpResponse:
    """Today's and coming activities the user may see, to open their check-in page."""
    since = timezone.now() - datetime.timedelta(days=1)
    activities = (
        Activity.objects.restrict(request.user, Action.VIEW)
        .filter(ends_at__gte=since)
        .annotate(
            confirmed=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
            attended=Count("registrations", filter=Q(registrations__attendance=Attendance.ATTENDED)),
        )
        .only("id", "title", "starts_at", "capacity")
        .order_by("starts_at", "id")[:STAFF_LIST_SIZE]
    )
    return render(request, "events/staff_activities.html", {"activities": activities})


@never_cache
@login_required
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff scan a registrant's QR: the code lands in the field (from the address, or pasted); they confirm.

    Opening the page needs view rights on the activity; checking in needs change rights
    (events.actions.do_check_in).
    """
    activity = get_scoped_or_404(Activity, request.user, Action.VIEW, pk=pk)
    form = CheckInForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    found, status = None, 200
    if request.method == "POST" and form.is_valid():
        registration_id = registration_id_from(form.cleaned_data["code"])
        found = activity.registrations.filter(pk=registration_id).first() if registration_id else None
        if found is None:
            form.add_error("code", _("This is not a registration for this activity."))
        else:
            try:
                first = do_check_in(found, actor=request.user)
            except ValidationError as refused:
                form.add_error("code", refused.messages)
            else:
                if first:
                    messages.success(request, _("{name} is checked in.").format(name=found.name))
                else:
                    found.refresh_from_db(fields=["checked_in_at"])
                    messages.info(
                        request,
                        _("{name} was already checked in at {time}.").format(
                            name=found.name,
                            time=date_format(timezone.localtime(found.checked_in_at), "TIME_FORMAT"),
                        ),
                    )
                return redirect("events:check-in", pk=activity.pk)
        status = 400
    figures = activity.registrations.aggregate(
        confirmed=Count("id", filter=Q(status=RegistrationStatus.CONFIRMED)),
        attended=Count("id", filter=Q(attendance=Attendance.ATTENDED)),
    )
    recent = (
        activity.registrations.filter(checked_in_at__isnull=False)
        .only("name", "phone_last4", "checked_in_at")
        .order_by("-checked_in_at")[:10]
    )
    return render(
        request,
        "events/check_in.html",
        {"activity": activity, "form": form, "figures": figures, "recent": recent},
        status=status,
    )
