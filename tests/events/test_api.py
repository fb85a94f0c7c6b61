"""The activities API: figures, quotas, approval, check-in by code, the attendance workbook, photos, series totals."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from events.actions import Registrant, do_register
from events.choices import Attendance, RegistrationStatus
from events.models import ActivityPhoto, UnionQuota
from events.tokens import check_in_code
from tests import factories as f
from tests.events.factories import ActivityFactory, RegistrationFactory, ThemeSeriesFactory
from unionhub.core.choices import Role, SecurityEventKind
from unionhub.core.models import SecurityEvent

pytestmark = pytest.mark.django_db


def chief_of(zone):
    return f.ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user


def test_creating_an_activity_with_bad_times_answers_field_errors(client_for):
    station = f.StationFactory()
    client = client_for(chief_of(station.zone))
    payload = {
        "title": "技能竞赛",
        "kind": "skills_competition",
        "organiser": "zone",
        "zone": station.zone.pk,
        "station": station.pk,
        "starts_at": "2027-05-01T09:00:00+08:00",
        "ends_at": "2027-05-01T08:00:00+08:00",
        "capacity": -5,
    }
    response = client.post("/api/v1/activities/", payload, format="json")
    assert response.status_code == 400
    assert {"ends_at", "capacity"} <= response.json().keys()

    payload.update(ends_at="2027-05-01T12:00:00+08:00", capacity=40)
    created = client.post("/api/v1/activities/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["places_held"] == 0


def test_quotas_over_the_capacity_answer_400_and_change_nothing(client_for):
    activity = ActivityFactory(capacity=10)
    union = f.GrassrootsUnionFactory(zone=activity.zone, federation=activity.federation)
    client = client_for(chief_of(activity.zone))
    url = f"/api/v1/activities/{activity.pk}/quotas/"
    assert client.post(url, [{"union": union.pk, "places": 11}], format="json").status_code == 400
    assert not UnionQuota.objects.exists()
    ok = client.post(url, [{"union": union.pk, "places": 6}], format="json")
    assert ok.status_code == 200 and ok.json()[0]["places"] == 6


def test_approve_and_check_in_by_the_scanned_code(client_for):
    activity = ActivityFactory(needs_approval=True)
    registration = do_register(activity, Registrant(phone="13900001111", name="韩梅梅"))
    client = client_for(chief_of(activity.zone))
    code = check_in_code(registration)
    assert client.post("/api/v1/registrations/check-in/", {"code": code}, format="json").status_code == 400
    approved = client.post(f"/api/v1/registrations/{registration.pk}/approve/")
    assert approved.json()["status"] == RegistrationStatus.CONFIRMED
    checked = client.post("/api/v1/registrations/check-in/", {"code": code}, format="json")
    assert checked.status_code == 200 and checked.json()["attendance"] == Attendance.ATTENDED
    assert checked.json()["phone"] == "1**-****-1111"
    assert client.post("/api/v1/registrations/check-in/", {"code": "nonsense"}, format="json").status_code == 400


def test_another_zones_chief_cannot_check_in_with_a_valid_code(client_for):
    registration = RegistrationFactory()
    client = client_for(chief_of(f.ZoneFactory()))
    response = client.post("/api/v1/registrations/check-in/", {"code": check_in_code(registration)}, format="json")
    assert response.status_code == 404


def test_the_attendance_workbook_masks_phones(client_for):
    registration = RegistrationFactory(attendance=Attendance.ATTENDED)
    registration.set_phone("13912345678")
    registration.save()
    chief = chief_of(registration.activity.zone)
    response = client_for(chief).get(f"/api/v1/activities/{registration.activity_id}/attendance/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    text = repr(rows)
    assert "1**-****-5678" in text and "13912345678" not in text
    assert rows[3][1] == "周晓敏"
    # Like every export, it is on the security log: who, what, how many rows.
    event = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT)
    assert (event.actor_id, event.detail) == (chief.pk, {"what": "attendance", "rows": 1})


def test_a_photo_is_attached_and_an_image_that_is_not_one_refused(client_for):
    activity = ActivityFactory()
    client = client_for(chief_of(activity.zone))
    url = f"/api/v1/activities/{activity.pk}/photos/"
    bad = client.post(url, {"image": SimpleUploadedFile("x.jpg", b"not an image")}, format="multipart")
    assert bad.status_code == 400 and "image" in bad.json()
    good = client.post(url, {"image": SimpleUploadedFile("x.jpg", f.jpeg_bytes())}, format="multipart")
    assert good.status_code == 201
    assert ActivityPhoto.objects.get().activity == activity
    assert client.get(good.json()["thumbnail_url"]).status_code == 200


def test_series_totals_count_activities_registrations_and_attendance(client_for):
    series = ThemeSeriesFactory()
    zone = f.ZoneFactory(federation=series.federation)
    station = f.StationFactory(zone=zone, federation=series.federation)
    one, two = ActivityFactory(series=series, station=station), ActivityFactory(series=series, station=station)
    RegistrationFactory(activity=one, attendance=Attendance.ATTENDED)
    RegistrationFactory(activity=one)
    RegistrationFactory(activity=two, attendance=Attendance.ATTENDED)
    RegistrationFactory(activity=two, status=RegistrationStatus.CANCELLED)
    staff = f.UserFactory(federation=series.federation)
    f.RoleAssignmentFactory(user=staff, federation=series.federation, role=Role.FEDERATION_STAFF)
    row = client_for(staff).get(f"/api/v1/theme-series/{series.pk}/").json()
    assert (row["activity_count"], row["registration_count"], row["attendance_count"]) == (2, 3, 2)
