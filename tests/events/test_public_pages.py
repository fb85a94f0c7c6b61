"""The public activity pages: register with a code to the phone, see the registration and its QR, cancel."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from events.choices import RegistrationStatus
from events.models import Registration
from tests.events.factories import ActivityFactory
from tests.sms import RecordingSms

pytestmark = pytest.mark.django_db

NUMBER = "13957462222"


@pytest.fixture(autouse=True)
def texts(settings):
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    cache.clear()


def last_code() -> str:
    return re.search(r"\d{6}", RecordingSms.sent[-1][1]).group()


def test_the_list_shows_published_upcoming_activities(client):
    shown, hidden = ActivityFactory(title="职工运动会"), ActivityFactory(title="内部筹备会", published=False)
    page = client.get(reverse("events:list")).content.decode()
    assert shown.title in page and hidden.title not in page
    assert client.get(reverse("events:activity", args=[hidden.pk])).status_code == 404


def test_register_with_a_code_then_see_the_qr_and_cancel(client):
    activity = ActivityFactory()
    url = reverse("events:register", args=[activity.pk])
    sent = client.post(url, {"phone": NUMBER, "name": "王小明", "send_code": "1"})
    assert sent.status_code == 200 and RecordingSms.sent[-1][0] == NUMBER

    wrong = client.post(url, {"phone": NUMBER, "name": "王小明", "code": "000000"})
    assert wrong.status_code == 400 and not Registration.objects.exists()

    done = client.post(url, {"phone": NUMBER, "name": "王小明", "code": last_code()}, follow=True)
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.phone_hash and NUMBER not in repr(registration.__dict__)
    assert "<svg" in done.content.decode() and 'data-status="confirmed"' in done.content.decode()

    client.post(reverse("events:cancel", args=[activity.pk]))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_a_proved_phone_registers_for_another_activity_without_a_new_code(client):
    first, second = ActivityFactory(), ActivityFactory()
    client.post(reverse("events:register", args=[first.pk]), {"phone": NUMBER, "name": "王小明", "send_code": "1"})
    client.post(reverse("events:register", args=[first.pk]), {"phone": NUMBER, "name": "王小明", "code": last_code()})
    texts_sent = len(RecordingSms.sent)
    client.post(reverse("events:register", args=[second.pk]), {"phone": NUMBER, "name": "王小明"})
    assert Registration.objects.filter(activity=second).exists()
    assert len(RecordingSms.sent) == texts_sent


def test_a_refusal_is_shown_on_the_form_and_nothing_is_stored(client):
    activity = ActivityFactory(members_only=True)
    url = reverse("events:register", args=[activity.pk])
    client.post(url, {"phone": NUMBER, "send_code": "1"})
    refused = client.post(url, {"phone": NUMBER, "code": last_code()})
    assert refused.status_code == 400
    assert 'class="field has-error" id="field-phone"' in refused.content.decode()
    assert not Registration.objects.exists()


def test_a_bad_phone_number_is_refused_on_its_field(client):
    activity = ActivityFactory()
    response = client.post(reverse("events:register", args=[activity.pk]), {"phone": "12345", "send_code": "1"})
    assert response.status_code == 400 and not RecordingSms.sent
