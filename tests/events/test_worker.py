"""The offer expiry runs on a real Celery worker through the real Redis broker."""

import datetime

import pytest
from django.utils import timezone

from events.actions import Registrant, do_cancel_registration, do_register
from events.choices import RegistrationStatus
from events.models import Registration
from events.tasks import expire_offers
from tests.conftest import wait_for
from tests.events.factories import ActivityFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_the_worker_expires_a_lapsed_offer_and_offers_the_place_to_the_next(celery_worker_process):
    activity = ActivityFactory(capacity=1)
    holder, lapsing, next_one = (
        do_register(activity, Registrant(phone=f"1370000000{n}", name=f"工人{n}")) for n in range(3)
    )
    do_cancel_registration(holder)
    Registration.objects.filter(pk=lapsing.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(minutes=1))

    expire_offers.delay()

    wait_for(lambda: Registration.objects.filter(pk=next_one.pk, status=RegistrationStatus.OFFERED).exists())
    assert Registration.objects.get(pk=lapsing.pk).status == RegistrationStatus.EXPIRED
