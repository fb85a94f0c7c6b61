"""Under concurrency: never more places given than the capacity, never two registrations of one phone.

Each thread has its own database connection; they start together behind a barrier.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from events.actions import Registrant, do_cancel_registration, do_register
from events.choices import HOLDS_PLACE, RegistrationStatus
from events.models import Registration
from tests.events.factories import ActivityFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(count: int, work) -> list[object]:
    barrier = threading.Barrier(count)
    outcomes: list[object] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            outcomes.append(work(n))
        except ValidationError as refused:
            outcomes.append(refused)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_twelve_workers_racing_for_three_places_get_three():
    activity = ActivityFactory(capacity=3)
    race(12, lambda n: do_register(activity, Registrant(phone=f"1380000{n:04d}", name=f"工人{n}")))
    statuses = list(Registration.objects.values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.CONFIRMED) == 3
    assert statuses.count(RegistrationStatus.WAITLISTED) == 9


def test_one_phone_sending_the_form_six_times_at_once_registers_once():
    activity = ActivityFactory()
    outcomes = race(6, lambda n: do_register(activity, Registrant(phone="13800001234", name="李雷")))
    assert Registration.objects.count() == 1
    assert sum(isinstance(outcome, ValidationError) for outcome in outcomes) == 5


def test_cancellations_racing_with_registrations_never_overbook():
    activity = ActivityFactory(capacity=2)
    holders = [do_register(activity, Registrant(phone=f"1380000{n:04d}", name="甲")) for n in range(2)]

    def work(n: int) -> object:
        if n < 2:
            return do_cancel_registration(holders[n])
        return do_register(activity, Registrant(phone=f"1380001{n:04d}", name="乙"))

    race(8, work)
    assert Registration.objects.filter(status__in=HOLDS_PLACE).count() == 2
