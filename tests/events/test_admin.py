"""The admin: quotas edited with the activity, the attendance list, photos checked, registrations decided."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from events.choices import RegistrationStatus
from events.models import Activity, ActivityPhoto, UnionQuota
from tests import factories as f
from tests.events.factories import ActivityFactory, RegistrationFactory
from unionhub.core.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    assignment = f.RoleAssignmentFactory(role=Role.FEDERATION_STAFF)
    client.force_login(assignment.user)
    return client, assignment.federation


def activity_form(station, union, places: int) -> dict:
    start = timezone.localtime() + datetime.timedelta(days=5)
    return {
        "title": "职工技能竞赛",
        "kind": "skills_competition",
        "organiser": "zone",
        "zone": station.zone.pk,
        "station": station.pk,
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": "09:00:00",
        "ends_at_0": start.strftime("%Y-%m-%d"),
        "ends_at_1": "17:00:00",
        "capacity": "20",
        "published": "on",
        "quotas-TOTAL_FORMS": "1",
        "quotas-INITIAL_FORMS": "0",
        "quotas-MIN_NUM_FORMS": "0",
        "quotas-MAX_NUM_FORMS": "1000",
        "quotas-0-union": union.pk,
        "quotas-0-places": str(places),
    }


def test_quotas_over_the_capacity_are_refused_and_nothing_is_saved(staff):
    client, federation = staff
    zone = f.ZoneFactory(federation=federation)
    station = f.StationFactory(zone=zone, federation=federation)
    union = f.GrassrootsUnionFactory(zone=zone, federation=federation)
    url = reverse("admin:events_activity_add")

    refused = client.post(url, activity_form(station, union, 21))
    assert refused.status_code == 200 and "21" in refused.content.decode()
    assert not Activity.objects.exists()

    saved = client.post(url, activity_form(station, union, 12))
    assert saved.status_code == 302
    assert UnionQuota.objects.get().places == 12


def test_the_attendance_list_is_offered_and_downloads(staff):
    client, federation = staff
    zone = f.ZoneFactory(federation=federation)
    registration = RegistrationFactory(activity=ActivityFactory(station=f.StationFactory(zone=zone)))
    page = client.get(reverse("admin:events_activity_change", args=[registration.activity_id]))
    export = reverse("admin:events_activity_attendance", args=[registration.activity_id])
    assert export in page.content.decode()
    assert client.get(export)["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_photo_that_is_not_an_image_is_refused_on_its_field(staff):
    client, federation = staff
    activity = ActivityFactory(station=f.StationFactory(zone=f.ZoneFactory(federation=federation)))
    url = reverse("admin:events_activityphoto_add")
    bad = client.post(url, {"activity": activity.pk, "image": SimpleUploadedFile("a.jpg", b"text")})
    assert bad.status_code == 200 and not ActivityPhoto.objects.exists()
    good = client.post(url, {"activity": activity.pk, "image": SimpleUploadedFile("a.jpg", f.jpeg_bytes())})
    assert good.status_code == 302 and ActivityPhoto.objects.get().activity == activity


def test_staff_approve_pending_registrations_and_mark_a_cadre(staff):
    client, federation = staff
    zone = f.ZoneFactory(federation=federation)
    union = f.GrassrootsUnionFactory(zone=zone, federation=federation)
    activity = ActivityFactory(station=f.StationFactory(zone=zone), needs_approval=True)
    pending = RegistrationFactory(activity=activity, status=RegistrationStatus.PENDING)
    client.post(
        reverse("admin:events_registration_changelist"),
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.status == RegistrationStatus.CONFIRMED

    response = client.post(reverse("admin:events_registration_change", args=[pending.pk]), {"cadre_of": union.pk})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.cadre_of == union
