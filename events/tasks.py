"""Activity tasks: expire unconfirmed offers, record no-shows, text offers, and the cadre-training figure."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from unionhub.core.channels import TransientDeliveryError
from unionhub.core.exceptions import DATABASE_UNAVAILABLE

from .choices import ActivityKind, Attendance, RegistrationStatus

# Each union's distinct cadres (by phone) who attended a training in the last 12 months; 0 when none.
CADRES_TRAINED = """
UPDATE zones_unionindicator i SET cadres_trained_12m = COALESCE(c.trained, 0)
FROM zones_unionindicator i2
LEFT JOIN (
    SELECT r.cadre_of_id AS union_id, count(DISTINCT r.phone_hash) AS trained
    FROM events_registration r JOIN events_activity a ON a.id = r.activity_id
    WHERE r.cadre_of_id IS NOT NULL AND r.attendance = %(attended)s
      AND a.kind = %(training)s AND a.starts_at >= %(since)s AND a.starts_at < %(now)s
    GROUP BY r.cadre_of_id
) c ON c.union_id = i2.union_id
WHERE i.union_id = i2.union_id AND i.cadres_trained_12m IS DISTINCT FROM COALESCE(c.trained, 0)
"""


@shared_task(name="events.update_cadres_trained", ignore_result=True)
def update_cadres_trained() -> None:
    """Nightly, after zones.compute_union_indicators: set, never add, so a rerun changes nothing."""
    now = timezone.now()
    since = now - datetime.timedelta(days=365)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            CADRES_TRAINED,
            {"attended": Attendance.ATTENDED, "training": ActivityKind.TRAINING, "since": since, "now": now},
        )


@shared_task(name="events.expire_offers", ignore_result=True)
def expire_offers() -> int:
    """Expire the offers nobody confirmed in time, each passing its place to the next in line."""
    from .actions import expire_offer
    from .models import Registration

    due = Registration.objects.filter(
        status=RegistrationStatus.OFFERED, offer_expires_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return sum(expire_offer(pk) for pk in list(due[:1000]))


@shared_task(name="events.record_no_shows", ignore_result=True)
def record_no_shows() -> int:
    from .actions import record_no_shows as record

    return record()


@shared_task(
    name="events.text_offer",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(TransientDeliveryError, *DATABASE_UNAVAILABLE),
    retry_backoff=30,
    max_retries=8,
)
def text_offer(registration_id: int) -> None:
    """Tell a worker by text that a place came free for them and until when they can take it.

    Sent only while the offer stands; at-least-once with a stable key per offer (DESIGN.md rule 6).
    """
    from django.conf import settings
    from django.urls import reverse
    from django.utils.formats import date_format
    from django.utils.module_loading import import_string
    from django.utils.translation import gettext as _
    from django.utils.translation import override

    from unionhub.core.public import public_url

    from .models import Registration

    registration = (
        Registration.objects.select_related("activity")
        .filter(pk=registration_id, status=RegistrationStatus.OFFERED)
        .first()
    )
    if registration is None or registration.offer_expires_at is None:
        return
    expires = registration.offer_expires_at
    with override(settings.LANGUAGE_CODE):
        text = _("A place in “{activity}” is free for you. Confirm it by {time}: {link}").format(
            activity=registration.activity.title,
            time=date_format(timezone.localtime(expires), "DATETIME_FORMAT"),
            link=public_url(None, reverse("events:activity", args=[registration.activity_id])),
        )
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(registration.reveal_phone(), text, key=f"activity-offer:{registration.pk}:{expires.isoformat()}")


@shared_task(name="events.check_grievance_deadlines", ignore_result=True, acks_late=True)
def check_grievance_deadlines() -> tuple[int, int]:
    """Remind handlers before grievances fall due and escalate overdue ones; each happens once (claimed)."""
    from .grievances import scan_deadlines

    return scan_deadlines()


@shared_task(name="events.check_working_day_calendar", ignore_result=True)
def check_working_day_calendar() -> bool:
    """In November and December: warn staff (once) when next year's working-day calendar is missing."""
    from .grievances import check_calendar

    return check_calendar()


# --- Hotline ticket imports (events.hotline): jobs that the admin page follows ----------------------


@shared_task(name="events.check_hotline_import", ignore_result=True, acks_late=True)
def check_hotline_import(job_id: int) -> None:
    """The dry run of a hotline import: every row checked and filed, then rolled back."""
    from unionhub.core.jobs import run_job

    from .hotline import imports

    run_job(job_id, imports.check_hotline_import)


@shared_task(name="events.commit_hotline_import", ignore_result=True, acks_late=True)
def commit_hotline_import(job_id: int) -> None:
    """Import a checked hotline file: all its new tickets or, if a row fails now, none."""
    from unionhub.core.jobs import run_job

    from .hotline import imports

    run_job(job_id, imports.commit_hotline_import)


@shared_task(name="events.expire_hotline_files", ignore_result=True)
def expire_hotline_files() -> None:
    """Hourly: abandon hotline uploads left alone; their files (callers' phones) are deleted."""
    from .hotline import imports

    imports.abandon_stale_hotline_imports()
