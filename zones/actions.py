"""Writes of zones, grassroots unions, enterprises and zone role bindings."""

from __future__ import annotations

from django.apps import apps
from django.db import models, transaction

from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action
from unionhub.core.models import User
from unionhub.core.scoping import ensure_in_scope, forget_grants

from .choices import ZoneKind
from .models import Enterprise, GrassrootsUnion, UnionChair, Zone, ZoneStaff


def zone_containing(point: object) -> Zone | None:
    """The geographic zone whose boundary covers the point (the smallest, where zones overlap)."""
    if point is None:
        return None
    from django.contrib.gis.db.models.functions import Area

    return (
        Zone.objects.filter(kind=ZoneKind.GEOGRAPHIC, boundary__covers=point)
        .annotate(size=Area("boundary"))
        .order_by("size")
        .only("id", "federation_path")
        .first()
    )


def do_save_zone(zone: Zone, *, actor: User) -> Zone:
    with transaction.atomic():
        save_scoped(zone, actor=actor)
        ZoneStaff.objects.filter(zone=zone).exclude(federation_path=zone.federation_path).update(
            federation_path=zone.federation_path
        )
    return zone


def do_save_union(union: GrassrootsUnion, *, actor: User) -> GrassrootsUnion:
    """Save a union; unless its zone was set by hand, put it in the zone that contains its location.

    Rows that copy the union's zone and federation path for scoping (members, enterprises,
    chairs, and whatever later apps add) are brought in step in the same transaction.
    """
    with transaction.atomic():
        if not union.zone_set_by_hand and union.location is not None:
            union.zone = zone_containing(union.location)
        save_scoped(union, actor=actor)
        sync_union_copies(union)
    return union


def sync_union_copies(union: GrassrootsUnion) -> int:
    """Copy the union's zone and federation path onto every row that belongs to it.

    Any model with a ``union`` foreign key to GrassrootsUnion and its own ``zone`` and
    ``federation_path`` columns is found by introspection, so higher layers need no hook.
    """
    updated = 0
    for model in _union_copy_models():
        updated += (
            model._base_manager.filter(union_id=union.pk)
            .exclude(zone_id=union.zone_id, federation_path=union.federation_path)
            .update(zone_id=union.zone_id, federation_path=union.federation_path)
        )
    return updated


def _union_copy_models() -> list[type[models.Model]]:
    result = []
    for model in apps.get_models():
        names = {f.name: f for f in model._meta.concrete_fields}
        union_field = names.get("union")
        if (
            union_field is not None
            and getattr(union_field, "related_model", None) is GrassrootsUnion
            and "zone" in names
            and "federation_path" in names
        ):
            result.append(model)
    return result


def do_save_enterprise(enterprise: Enterprise, *, actor: User) -> Enterprise:
    return save_scoped(enterprise, actor=actor)


def do_bind_zone_staff(binding: ZoneStaff, *, actor: User) -> ZoneStaff:
    """Give a user a zone role; the zone must be one the actor may change."""
    with transaction.atomic():
        ensure_in_scope(binding.zone, actor, Action.CHANGE)  # before the write: see do_assign_role
        save_scoped(binding, actor=actor)
    forget_grants(binding.user)
    return binding


def do_bind_union_chair(binding: UnionChair, *, actor: User) -> UnionChair:
    """Make a user chair of a union; the union must be one the actor may change."""
    with transaction.atomic():
        ensure_in_scope(binding.union, actor, Action.CHANGE)  # before the write: see do_assign_role
        save_scoped(binding, actor=actor)
    forget_grants(binding.user)
    return binding
