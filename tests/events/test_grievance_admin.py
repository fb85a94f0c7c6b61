"""Grievances in the admin: hotline entry by a zone worker, the verify action, the calendar for superusers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events import working_days
from events.models import Grievance, WorkingDay
from tests import factories as f
from tests.events.factories import GrievanceFactory
from unionhub.core.choices import Role
from zones.models import ZoneStaff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def calendar(db):
    """The 2025–2027 calendar, as migration 0003 loads it (a transactional test elsewhere may have flushed it)."""
    working_days.load_calendar()


@pytest.fixture
def chief_client():
    union = f.GrassrootsUnionFactory()
    chief = f.UserFactory(username="chief")
    ZoneStaff.objects.create(user=chief, zone=union.zone, role=Role.ZONE_CHIEF)
    client = Client()
    client.force_login(chief)
    return union, client


def hotline_form(union, **changes):
    form = {
        "channel": "hotline",
        "category": "wage_arrears",
        "tier": "general",
        "description": "包工头拖欠农民工工资两万元",
        "address": "",
        "federation": "",
        "zone": "",
        "employer": "",
        "union": union.pk,
        "submitter_name": "赵师傅",
        "new_phone": "13912345678",
        "pin": "",
        "place": "",
        "events-0-TOTAL_FORMS": "0",
        "events-0-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    form.update(changes)
    return form


def test_a_zone_worker_enters_a_hotline_call_and_the_phone_is_stored_protected(chief_client):
    union, client = chief_client
    response = client.post(reverse("admin:events_grievance_add"), hotline_form(union))
    assert response.status_code == 302, response.content.decode()[:2000]
    grievance = Grievance.objects.get()
    assert (grievance.zone_id, grievance.federation_id) == (union.zone_id, union.federation_id)
    assert grievance.phone_last4 == "5678" and grievance.reveal_phone() == "13912345678"
    assert b"13912345678" not in bytes(grievance.phone_encrypted)
    assert grievance.events.get().status_to == "submitted"


def test_a_caller_on_a_landline_is_taken_and_shown_as_a_landline(chief_client):
    union, client = chief_client

    response = client.post(reverse("admin:events_grievance_add"), hotline_form(union, new_phone="(0574) 8765-4321"))

    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.reveal_phone() == "057487654321" and grievance.masked_phone == "0**-****-4321"
    assert grievance.phone_is_landline


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "x" * 4001}, "description"),
        ({"new_phone": "87654321"}, "new_phone"),  # a landline without its area code
        ({"description": "<b>欠薪</b>"}, "description"),
        ({"new_phone": ""}, "new_phone"),
        ({"new_phone": "12345"}, "new_phone"),
        ({"category": "weather"}, "category"),
    ],
)
def test_bad_hotline_entries_are_refused_on_their_field(chief_client, changes, field):
    union, client = chief_client
    with translation.override("en"):
        response = client.post(reverse("admin:events_grievance_add"), hotline_form(union, **changes))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Grievance.objects.exists()


def test_the_verify_action_starts_the_clock(chief_client):
    union, client = chief_client
    grievance = GrievanceFactory(union=union)
    response = client.post(
        reverse("admin:events_grievance_changelist"), {"action": "verify", "_selected_action": [grievance.pk]}
    )
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == "verified" and grievance.due_at is not None


def test_the_calendar_is_kept_by_superusers_only(chief_client):
    _, client = chief_client
    url = reverse("admin:events_workingday_changelist")
    assert client.get(url).status_code == 403
    admin = Client()
    admin.force_login(f.UserFactory(username="root", is_superuser=True))
    page = admin.get(url + "?date__year=2025")
    assert page.status_code == 200 and WorkingDay.objects.filter(date__year=2025).exists()
