"""Check-in: the QR holds a signed code; staff in scope check a confirmed registrant in, once."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events.actions import do_check_in
from events.choices import Attendance, RegistrationStatus
from events.tokens import check_in_code, registration_id_from
from tests import factories as f
from tests.events.factories import ActivityFactory, RegistrationFactory
from unionhub.core.choices import Role
from unionhub.core.exceptions import OutOfScope

pytestmark = pytest.mark.django_db


def auxiliary_of(zone):
    return f.ZoneStaffFactory(zone=zone, role=Role.ZONE_AUXILIARY).user


def test_the_code_is_found_in_the_code_itself_or_in_the_address_it_opens(rf):
    registration = RegistrationFactory()
    code = check_in_code(registration)
    from events.tokens import check_in_url

    url = check_in_url(rf.get("/"), registration)
    assert registration_id_from(code) == registration.pk
    assert registration_id_from(f"  {url}  ") == registration.pk
    assert registration_id_from(code[:-2] + "xx") is None
    assert registration_id_from(str(registration.pk)) is None


def test_a_zone_worker_checks_a_confirmed_registrant_in_once():
    registration = RegistrationFactory()
    worker = auxiliary_of(registration.activity.zone)
    assert do_check_in(registration, actor=worker) is True
    assert do_check_in(registration, actor=worker) is False
    registration.refresh_from_db()
    assert (registration.attendance, registration.checked_in_by) == (Attendance.ATTENDED, worker)


def test_staff_of_another_zone_cannot_check_in():
    registration = RegistrationFactory()
    with pytest.raises(OutOfScope):
        do_check_in(registration, actor=auxiliary_of(f.ZoneFactory()))
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_a_waitlisted_registrant_is_not_checked_in():
    registration = RegistrationFactory(status=RegistrationStatus.WAITLISTED)
    with pytest.raises(ValidationError):
        do_check_in(registration, actor=auxiliary_of(registration.activity.zone))


def test_the_phone_page_checks_in_from_a_scanned_address(client):
    registration = RegistrationFactory()
    activity = registration.activity
    client.force_login(auxiliary_of(activity.zone))
    page = reverse("events:check-in", args=[activity.pk])
    code = check_in_code(registration)
    opened = client.get(page, {"code": code})
    assert opened.status_code == 200 and code in opened.content.decode()

    done = client.post(page, {"code": f"https://example.org{page}?code={code}"}, follow=True)
    assert "周晓敏" in done.content.decode()
    registration.refresh_from_db()
    assert registration.attendance == Attendance.ATTENDED


def test_a_code_of_another_activity_is_refused_on_the_page(client):
    registration = RegistrationFactory()
    other = ActivityFactory(station=registration.activity.station)
    client.force_login(auxiliary_of(other.zone))
    response = client.post(reverse("events:check-in", args=[other.pk]), {"code": check_in_code(registration)})
    assert response.status_code == 400
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_the_check_in_page_of_another_zone_is_missing(client):
    registration = RegistrationFactory()
    client.force_login(auxiliary_of(f.ZoneFactory()))
    assert client.get(reverse("events:check-in", args=[registration.activity_id])).status_code == 404


def test_the_staff_list_shows_only_activities_in_scope(client):
    ours, theirs = ActivityFactory(title="本片区宣讲"), ActivityFactory(title="外片区宣讲")
    client.force_login(auxiliary_of(ours.zone))
    page = client.get(reverse("events:staff-list")).content.decode()
    assert ours.title in page and theirs.title not in page
