"""Every change is recorded with who made it, and the history is visible in the admin."""

import pytest
from django.test import Client

from tests.factories import GrassrootsUnionFactory, RoleAssignmentFactory
from unionhub.core.choices import Role
from zones.actions import do_save_union

pytestmark = pytest.mark.django_db


def test_a_change_is_recorded_with_its_author_and_shown_in_the_admin():
    union = GrassrootsUnionFactory(address="长街镇")
    staff = RoleAssignmentFactory(federation=union.federation, role=Role.FEDERATION_STAFF).user
    union.address = "长街镇兴港路8号"
    do_save_union(union, actor=staff)

    latest = union.history.latest()
    assert (latest.history_user, latest.address, latest.history_type) == (staff, "长街镇兴港路8号", "~")

    client = Client()
    client.force_login(staff)
    page = client.get(f"/admin/zones/grassrootsunion/{union.pk}/history/")
    assert page.status_code == 200
    assert staff.username in page.content.decode()


def test_someone_outside_the_scope_cannot_read_the_history():
    union = GrassrootsUnionFactory()
    outsider = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user
    client = Client()
    client.force_login(outsider)

    page = client.get(f"/admin/zones/grassrootsunion/{union.pk}/history/")

    assert page.status_code in (302, 403, 404)
    assert union.name not in page.content.decode()
