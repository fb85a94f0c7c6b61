"""Demand lists matched to service resources (需求清单 ↔ 服务资源): which resources could meet a demand.

A demand (a finding of kind "demand") names the category it needs. The candidates are the
available resources of that category the user may see, nearest to the demand's union
first. Resources are few per zone (tens, not thousands), so the distance is computed for
each candidate rather than through the KNN index.
"""

from __future__ import annotations

from django.contrib.gis.db.models.functions import Distance
from django.db.models import QuerySet

from unionhub.core.choices import Action
from unionhub.core.models import User

from .choices import MatchStatus
from .models import DemandMatch, Finding, ServiceResource

SUGGESTIONS = 5


def suggest_resources(finding: Finding, user: User, limit: int = SUGGESTIONS) -> QuerySet:
    """The resources that could meet ``finding``, nearest first, leaving out those already matched to it."""
    matched = DemandMatch.objects.filter(finding=finding).exclude(status=MatchStatus.WITHDRAWN).values("resource")
    resources = (
        ServiceResource.objects.restrict(user, Action.VIEW)
        .filter(available=True, category=finding.category)
        .exclude(pk__in=matched)
        .select_related("zone")
        .only("id", "name", "category", "provider", "address", "capacity", "terms", "zone__name")
    )
    location = finding.union.location
    if location is None:
        return resources.order_by("name")[:limit]
    return resources.annotate(distance=Distance("position", location)).order_by("distance", "id")[:limit]
