"""The station keeper's phone page (/m/stations/): this week's upkeep check of each station they keep."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from unionhub.core.choices import Action
from unionhub.core.scoping import get_scoped_or_404

from .choices import UpkeepItem
from .models import Station, UpkeepCheck
from .upkeep import do_record_upkeep_check, monday_of


@login_required
def upkeep_page(request: HttpRequest) -> HttpResponse:
    """The stations the user may check, each with this week's check or the form to record it.

    A POST of ``station``, the ticked ``ok`` items (the rest fail), ``first_aid_expires`` and
    ``note`` records the check.
    """
    week = monday_of(timezone.localdate())
    errors: dict[int, list[str]] = {}
    if request.method == "POST":
        station = get_scoped_or_404(Station, request.user, Action.CHANGE, pk=request.POST.get("station") or 0)
        ok = set(request.POST.getlist("ok"))
        check = UpkeepCheck(
            station=station,
            failed=[item for item in UpkeepItem.values if item not in ok],
            first_aid_expires=request.POST.get("first_aid_expires") or None,
            note=request.POST.get("note", ""),
        )
        try:
            do_record_upkeep_check(check, actor=request.user)
        except ValidationError as exc:
            errors[station.pk] = exc.messages
        else:
            return redirect("stations-staff:upkeep")
    # Those who keep a station (its keeper, federation staff) check it; zone workers read the checks.
    stations = (
        Station.objects.restrict(request.user, Action.CHANGE)
        .only("id", "name", "address", "status")
        .prefetch_related(Prefetch("upkeep_checks", UpkeepCheck.objects.filter(week=week), to_attr="this_week"))
        .order_by("name")[:100]
    )
    stations = list(stations)
    for station in stations:
        station.errors = errors.get(station.pk, [])
    return render(
        request,
        "stations/upkeep.html",
        {"stations": stations, "week": week, "items": UpkeepItem.choices, "errors": errors},
    )
