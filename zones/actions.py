"""Writes of zones, grassroots unions, enterprises and zone role bindings."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action, Role
from unionhub.core.images import process_image
from unionhub.core.models import User
from unionhub.core.scoping import ensure_in_scope, forget_grants

from .choices import FindingStatus, VisitReview, ZoneKind
from .models import (
    Enterprise,
    Finding,
    GrassrootsUnion,
    UnionChair,
    Visit,
    VisitPhoto,
    VisitPlanEntry,
    Zone,
    ZoneStaff,
)
from .quarters import Quarter

# Who a zone's quarterly visits are planned for (auxiliaries help, but are not assigned unions).
PLANNED_ROLES = [Role.ZONE_CHIEF, Role.ZONE_SOCIAL_WORKER, Role.ZONE_INSTRUCTOR]


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
        if union.zone_id is None and not model._meta.get_field("zone").null:
            continue  # zone work keeps the zone it was done in until the union is placed again
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


# --- Zone work: visits, findings, visit plans -------------------------------------------------


def distance_to_union(union: GrassrootsUnion, position: object) -> int | None:
    """Metres on the spheroid from the union's location to ``position`` (None if either is missing)."""
    if position is None or union.location is None:
        return None
    from django.contrib.gis.db.models.functions import Distance

    distance = (
        GrassrootsUnion.objects.filter(pk=union.pk)
        .annotate(metres=Distance("location", position, spheroid=True))
        .values_list("metres", flat=True)
        .get()
    )
    return round(distance.m)


@dataclass
class FindingInput:
    kind: str
    description: str


def do_log_visit(
    visit: Visit, *, actor: User, findings: Sequence[FindingInput] = (), client_key: str | None = None
) -> tuple[Visit, bool]:
    """Record a visit by ``actor`` with its findings; return it and whether it is new.

    The same ``client_key`` from the same worker returns the visit already stored (a phone
    that syncs twice, a double tap, two tabs), also when both arrive at once. A visit logged
    more than Visit.FAR_VISIT_METRES from the union, or without a position, waits for review.
    """
    if client_key:
        existing = Visit.objects.filter(worker=actor, client_key=client_key).first()
        if existing is not None:
            return existing, False
    visit.worker = actor
    visit.client_key = client_key or None
    visit.distance_m = distance_to_union(visit.union, visit.position)
    far = visit.distance_m is None or visit.distance_m > Visit.FAR_VISIT_METRES
    visit.review = VisitReview.PENDING if far else VisitReview.NOT_NEEDED
    try:
        with transaction.atomic():
            save_scoped(visit, actor=actor)
            for finding in findings:
                save_scoped(
                    Finding(
                        union=visit.union,
                        visit=visit,
                        kind=finding.kind,
                        description=finding.description,
                        raised_by=actor,
                    ),
                    actor=actor,
                )
            VisitPlanEntry.objects.filter(quarter=visit.quarter, union=visit.union, first_visit=None).update(
                first_visit=visit
            )
    except IntegrityError:
        # The same key committed by a concurrent request a moment ago: that one is the visit.
        if client_key:
            existing = Visit.objects.filter(worker=actor, client_key=client_key).first()
            if existing is not None:
                return existing, False
        raise
    return visit, True


def do_review_visit(visit: Visit, *, accepted: bool, actor: User) -> Visit:
    """Accept or reject a visit flagged for review (federation staff and leadership approve)."""
    with transaction.atomic():
        ensure_in_scope(visit, actor, Action.APPROVE)
        if visit.review not in (VisitReview.PENDING, VisitReview.ACCEPTED, VisitReview.REJECTED):
            raise ValidationError({"review": _("This visit was not flagged for review.")})
        visit.review = VisitReview.ACCEPTED if accepted else VisitReview.REJECTED
        visit._history_user = actor  # type: ignore[attr-defined]
        visit.save(update_fields=["review"])
    return visit


def do_add_visit_photo(visit: Visit, upload: object, *, actor: User) -> VisitPhoto:
    """Attach a photo: checked and re-encoded without metadata; its EXIF time and position kept as fields."""
    from django.contrib.gis.geos import Point
    from django.core.files.base import ContentFile

    processed = process_image(upload)
    with transaction.atomic():
        ensure_in_scope(visit, actor, Action.CHANGE)
        photo = VisitPhoto(visit=visit)
        if processed.taken_at is not None:
            photo.taken_at = timezone.make_aware(processed.taken_at)
        if processed.latitude is not None and processed.longitude is not None:
            photo.taken_position = Point(processed.longitude, processed.latitude, srid=4326)
        name = f"{uuid.uuid4().hex}.jpg"
        photo.image.save(name, ContentFile(processed.image), save=False)
        photo.thumbnail.save(name, ContentFile(processed.thumbnail), save=False)
        save_scoped(photo, actor=actor)
    return photo


def do_save_finding(finding: Finding, *, actor: User) -> Finding:
    """Raise or update a finding; closing it stamps the time."""
    if finding.raised_by_id is None:
        finding.raised_by = actor
    closed = finding.status in (FindingStatus.RESOLVED, FindingStatus.CLOSED)
    finding.closed_at = (finding.closed_at or timezone.now()) if closed else None
    return save_scoped(finding, actor=actor)


def zone_workers(zone_id: int) -> list[int]:
    """The users a zone's visits are planned for: its chief, social workers and instructors."""
    return [user.pk for user in workers_of_zones([zone_id]).get(zone_id, [])]


def workers_of_zones(zone_ids: Sequence[int]) -> dict[int, list[User]]:
    """zone_workers for many zones in one query, as users ordered by id."""
    workers: dict[int, list[User]] = {}
    staff = (
        ZoneStaff.objects.filter(zone_id__in=zone_ids, role__in=PLANNED_ROLES)
        .select_related("user")
        .order_by("zone_id", "user_id")
    )
    for binding in staff:
        users = workers.setdefault(binding.zone_id, [])
        if not users or users[-1].pk != binding.user_id:  # a user with two roles in the zone counts once
            users.append(binding.user)
    return workers


def do_reassign_plan_entry(entry: VisitPlanEntry, assignee: User | None, *, actor: User) -> VisitPlanEntry:
    """Give a planned visit to another worker of the same zone."""
    if assignee is not None and assignee.pk not in zone_workers(entry.zone_id):
        raise ValidationError({"assignee": _("Choose a worker of this zone.")})
    entry.assignee = assignee
    return save_scoped(entry, actor=actor)


def plan_zone(zone_id: int, quarter: Quarter) -> int:
    """Plan one quarter's visits for one zone: an entry per union, balanced over its workers.

    A union keeps last quarter's worker while that worker still serves the zone; the rest
    go to whoever has the fewest. Entries that exist are left alone, so running it again
    (or after new unions joined the zone) only adds what is missing.
    """
    workers = zone_workers(zone_id)
    planned = dict(
        VisitPlanEntry.objects.filter(zone_id=zone_id, quarter=str(quarter)).values_list("union_id", "assignee_id")
    )
    load = Counter(dict.fromkeys(workers, 0))
    load.update(assignee for assignee in planned.values() if assignee in load)
    previous = dict(
        VisitPlanEntry.objects.filter(zone_id=zone_id, quarter=str(quarter.previous())).values_list(
            "union_id", "assignee_id"
        )
    )
    unions = GrassrootsUnion.objects.filter(zone_id=zone_id).exclude(pk__in=planned).order_by("id")
    new_entries = []
    for union_id, path in unions.values_list("id", "federation_path"):
        assignee = previous.get(union_id)
        if assignee not in load:
            assignee = min(load, key=lambda worker: (load[worker], worker)) if load else None
        if assignee is not None:
            load[assignee] += 1
        new_entries.append(
            VisitPlanEntry(
                quarter=str(quarter), union_id=union_id, zone_id=zone_id, federation_path=path, assignee_id=assignee
            )
        )
    VisitPlanEntry.objects.bulk_create(new_entries, ignore_conflicts=True, batch_size=1000)
    return len(new_entries)
