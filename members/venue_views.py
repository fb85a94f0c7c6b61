"""Booking shared venues (共享职工之家) as a member: the venues, a day's slots, book, cancel, check in.

The venues and their bookings belong to stations; here the member proves who they are
(the member session of members.member_session) and the booking carries their phone's keyed
hash, masked name and union.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from stations.choices import BookingStatus
from stations.models import Booking, Venue
from stations.venues import do_book_venue, do_cancel_booking, do_check_in_booking, slots_of_day
from unionhub.core.throttles import limit_public_posts

from .choices import MemberStatus
from .member_session import own_memberships, signed_in_phone
from .models import Member


def _member(request: HttpRequest) -> Member | None:
    """The signed-in member's active membership, or None."""
    phone = signed_in_phone(request)
    return own_memberships(phone).filter(status=MemberStatus.ACTIVE).first() if phone else None


def venues(request: HttpRequest) -> HttpResponse:
    found = Venue.objects.filter(active=True).select_related("federation").order_by("federation__path", "name")[:200]
    return render(request, "members/venues.html", {"venues": found})


@never_cache
@limit_public_posts
def venue(request: HttpRequest, pk: int) -> HttpResponse:
    """A venue's slots for one day (``?day=``, today by default); a POST of ``start`` books one."""
    place = get_object_or_404(Venue.objects.select_related("federation"), pk=pk, active=True)
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()
    member = _member(request)
    error = ""
    if request.method == "POST":
        if member is None:
            return redirect(f"{reverse('members:sign-in')}?{urlencode({'next': request.get_full_path()})}")
        start = parse_datetime(request.POST.get("start", ""))
        try:
            if start is None:
                raise ValidationError(_("Choose one of the venue's slots."))
            do_book_venue(
                place, start, booker_key=member.phone_hash, booker_label=member.masked_name, union=member.union
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(f"{reverse('members:bookings')}?booked=1")
    days = [timezone.localdate() + datetime.timedelta(days=n) for n in range(min(place.days_ahead, 14) + 1)]
    return render(
        request,
        "members/venue.html",
        {"venue": place, "day": day, "days": days, "slots": slots_of_day(place, day), "member": member, "error": error},
    )


@never_cache
def bookings(request: HttpRequest) -> HttpResponse:
    """The signed-in member's bookings from today on, with cancel and check-in."""
    phone = signed_in_phone(request)
    if phone is None:
        return redirect(f"{reverse('members:sign-in')}?{urlencode({'next': request.get_full_path()})}")
    mine = (
        Booking.objects.filter(booker_key=phone, during__endswith__gte=timezone.now())
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("venue")
        .order_by("during")
    )
    return render(request, "members/bookings.html", {"bookings": mine, "booked": request.GET.get("booked")})


@require_POST
@limit_public_posts
def change_booking(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel (``action=cancel``) or check in (``action=check_in``) one of the member's own bookings."""
    phone = signed_in_phone(request)
    booking = Booking.objects.filter(pk=pk, booker_key=phone).first() if phone else None
    if booking is None:
        raise Http404
    try:
        if request.POST.get("action") == "cancel":
            do_cancel_booking(booking, booker_key=phone)
        else:
            do_check_in_booking(booking, booker_key=phone)
    except ValidationError:
        pass  # the list shows the booking as it stands
    return redirect("members:bookings")
