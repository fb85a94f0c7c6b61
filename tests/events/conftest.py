"""Fixtures shared by the grievance tests."""

import pytest

from tests import factories as f
from unionhub.core.choices import Role
from zones.models import ZoneStaff


@pytest.fixture
def zone_world():
    """A union in a zone, with that zone's chief and one of its social workers."""
    union = f.GrassrootsUnionFactory()
    chief = f.UserFactory(username="chief")
    ZoneStaff.objects.create(user=chief, zone=union.zone, role=Role.ZONE_CHIEF)
    worker = f.UserFactory(username="worker")
    ZoneStaff.objects.create(user=worker, zone=union.zone, role=Role.ZONE_SOCIAL_WORKER)
    return union, chief, worker
