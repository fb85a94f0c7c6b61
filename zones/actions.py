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
from unionhub.core.models import Federation, User
from unionhub.core.scoping import ensure_in_scope, forget_grants

from .choices import FindingStatus, MatchStatus, VisitReview, WorkState, ZoneKind
from .models import (
    DemandMatch,
    Enterprise,
    Finding,
    GrassrootsUnion,
    ServiceResource,
    UnionChair,
    Visit,
    VisitPhoto,
    VisitPlanEntry,
    WorkItem,
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


def holding_pool_for(federation: Federation) -> GrassrootsUnion:
    """The federation's holding pool (周转库), made the first time a worker joins with no union of their own.

    New-employment-form workers (riders, couriers, drivers) often have no grassroots union;
    they are members here until they are placed in one. The pool is in no zone, so federation
    staff, not zone workers, keep it.
    """
    pool = GrassrootsUnion.objects.filter(federation=federation, is_holding_pool=True).first()
    if pool is not None:
        return pool
    from django.conf import settings
    from django.utils.translation import override

    with override(settings.LANGUAGE_CODE):
        name = str(_("{federation}: holding pool of new-employment-form members")).format(federation=federation.name)
    try:
        with transaction.atomic():
            return GrassrootsUnion.objects.create(
                name=name[:150], federation=federation, is_holding_pool=True, zone_set_by_hand=True
            )
    except IntegrityError:  # made a moment ago by a concurrent request
        return GrassrootsUnion.objects.get(federation=federation, is_holding_pool=True)


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
    category: str = ""


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
                        category=finding.category,
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


# --- Demand lists and service resources (需求清单 ↔ 服务资源) ---------------------------------------


def do_save_resource(resource: ServiceResource, *, actor: User) -> ServiceResource:
    """Save a service resource; unless its zone was set by hand, put it in the zone containing its position."""
    with transaction.atomic():
        if not resource.zone_set_by_hand:
            resource.zone = zone_containing(resource.position)
        return save_scoped(resource, actor=actor)


def do_match_demand(finding: Finding, resource: ServiceResource, *, actor: User, note: str = "") -> DemandMatch:
    """Match a demand to a resource the actor can see; the demand is then in progress."""
    from django.contrib.gis.db.models.functions import Distance

    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        ensure_in_scope(finding, actor, Action.CHANGE)
        ensure_in_scope(resource, actor, Action.VIEW)
        if finding.status not in (FindingStatus.OPEN, FindingStatus.IN_PROGRESS):
            raise ValidationError({"finding": _("This demand is already closed.")})
        if not resource.available:
            raise ValidationError({"resource": _("This resource is not available at the moment.")})
        match = DemandMatch(finding=finding, resource=resource, note=note.strip(), matched_by=actor)
        if finding.union.location is not None:
            metres = (
                ServiceResource.objects.filter(pk=resource.pk)
                .annotate(metres=Distance("position", finding.union.location))
                .values_list("metres", flat=True)
                .get()
            )
            match.distance_m = round(metres.m)
        save_scoped(match, actor=actor)
        if finding.status == FindingStatus.OPEN:
            finding.status = FindingStatus.IN_PROGRESS
            do_save_finding(finding, actor=actor)
    return match


def do_mark_demand_met(match: DemandMatch, *, actor: User, note: str = "") -> DemandMatch:
    """The resource met the demand: the match is met, the demand resolved, other offers withdrawn."""
    with transaction.atomic():
        match = DemandMatch.objects.select_for_update().get(pk=match.pk)
        ensure_in_scope(match, actor, Action.CHANGE)
        if match.status != MatchStatus.MATCHED:
            raise ValidationError({"status": _("Only a current match can be marked as met.")})
        match.status, match.met_at = MatchStatus.MET, timezone.now()
        if note.strip():
            match.note = "\n".join(filter(None, [match.note, note.strip()]))
        save_scoped(match, actor=actor)
        DemandMatch.objects.filter(finding=match.finding_id, status=MatchStatus.MATCHED).update(
            status=MatchStatus.WITHDRAWN
        )
        finding = match.finding
        finding.status = FindingStatus.RESOLVED
        do_save_finding(finding, actor=actor)
    return match


def do_withdraw_match(match: DemandMatch, *, actor: User) -> DemandMatch:
    """The resource will not serve this demand after all; with no other match the demand is open again."""
    with transaction.atomic():
        match = DemandMatch.objects.select_for_update().get(pk=match.pk)
        ensure_in_scope(match, actor, Action.CHANGE)
        if match.status != MatchStatus.MATCHED:
            raise ValidationError({"status": _("Only a current match can be withdrawn.")})
        match.status = MatchStatus.WITHDRAWN
        save_scoped(match, actor=actor)
        finding = match.finding
        others = DemandMatch.objects.filter(finding=finding, status=MatchStatus.MATCHED).exists()
        if not others and finding.status == FindingStatus.IN_PROGRESS:
            finding.status = FindingStatus.OPEN
            do_save_finding(finding, actor=actor)
    return match


# --- The zone workers' inbox: work raised by other areas -------------------------------------------


def do_raise_work_item(item: WorkItem, *, source_key: str) -> tuple[WorkItem, bool]:
    """Raise work for a zone once per ``source_key``; return the item and whether it is new.

    Called by other areas' actions and tasks (a station's failed upkeep check, a grievance
    assigned to the zone), which have already decided the work is due, so there is no
    actor. Raising again with the same key (a rerun after a killed task) returns the item
    raised before. The assignee, or else every worker of the zone, is told in the inbox.
    """
    from unionhub.core.notify import notify

    existing = WorkItem.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
    item.source_key = source_key
    item.full_clean(exclude=["source_key"])
    try:
        with transaction.atomic():
            item.save()
            recipients = [item.assignee] if item.assignee else workers_of_zones([item.zone_id]).get(item.zone_id, [])
            notify(recipients, key=f"work-item:{item.pk}", title=item.title, body=item.detail, link="/m/inbox/")
    except IntegrityError:  # the same key raised a moment ago by a concurrent run
        return WorkItem.objects.get(source_key=source_key), False
    return item, True


def do_update_work_item(item: WorkItem, *, state: str, actor: User, resolution: str = "") -> WorkItem:
    """Move a work item to another state; marking it done says what was done."""
    with transaction.atomic():
        item = WorkItem.objects.select_for_update().get(pk=item.pk)
        ensure_in_scope(item, actor, Action.CHANGE)
        if state not in WorkState.values:
            raise ValidationError({"state": _("Choose a valid state.")})
        if state == WorkState.DONE and not (resolution.strip() or item.resolution):
            raise ValidationError({"resolution": _("Say what was done.")})
        item.state = WorkState(state)
        if resolution.strip():
            item.resolution = resolution.strip()
        item.closed_at = (item.closed_at or timezone.now()) if item.state == WorkState.DONE else None
        return save_scoped(item, actor=actor)
