"""Writes of stations and station-keeper bindings."""

from __future__ import annotations

from django.db import transaction

from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action
from unionhub.core.models import User
from unionhub.core.scoping import ensure_in_scope, forget_grants
from zones.actions import zone_containing

from .models import Station, StationKeeper


def do_save_station(station: Station, *, actor: User) -> Station:
    """Save a station; with no zone given, it goes into the zone that contains its position."""
    with transaction.atomic():
        if station.zone_id is None and station.position is not None:
            station.zone = zone_containing(station.position)
        save_scoped(station, actor=actor)
        StationKeeper.objects.filter(station=station).update(
            federation_path=station.federation_path, zone_id=station.zone_id
        )
    return station


def do_bind_station_keeper(binding: StationKeeper, *, actor: User) -> StationKeeper:
    """Make a user keeper of a station; the station must be one the actor may change."""
    with transaction.atomic():
        ensure_in_scope(binding.station, actor, Action.CHANGE)  # before the write: see do_assign_role
        save_scoped(binding, actor=actor)
    forget_grants(binding.user)
    return binding
