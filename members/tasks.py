"""Member figures that lower layers show: each union's member count and its new members in 90 days."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from unionhub.core.channels import TransientDeliveryError
from unionhub.core.exceptions import DATABASE_UNAVAILABLE
from unionhub.core.jobs import run_job

from .choices import ApplicationStatus, MemberStatus
from .roster import exports, imports

COUNTS = """
UPDATE zones_grassrootsunion u SET member_count = COALESCE(m.active, 0)
FROM zones_grassrootsunion u2
LEFT JOIN (SELECT union_id, count(*) AS active FROM members_member WHERE status = %(active)s GROUP BY union_id) m
    ON m.union_id = u2.id
WHERE u.id = u2.id AND u.member_count IS DISTINCT FROM COALESCE(m.active, 0)
"""

NEW_MEMBERS = """
UPDATE zones_unionindicator i SET new_members_90d = COALESCE(m.joined, 0)
FROM zones_unionindicator i2
LEFT JOIN (SELECT union_id, count(*) AS joined FROM members_member WHERE joined_on >= %(since)s GROUP BY union_id) m
    ON m.union_id = i2.union_id
WHERE i.union_id = i2.union_id
"""


@shared_task(name="members.update_union_member_figures", ignore_result=True)
def update_union_member_figures() -> None:
    """Nightly, after zones.compute_union_indicators: set, never add, so a rerun changes nothing."""
    since = timezone.localdate() - datetime.timedelta(days=90)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COUNTS, {"active": MemberStatus.ACTIVE})
        cursor.execute(NEW_MEMBERS, {"since": since})


@shared_task(
    name="members.text_applicant",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(TransientDeliveryError, *DATABASE_UNAVAILABLE),
    retry_backoff=30,
    max_retries=8,
)
def text_applicant(application_id: int) -> None:
    """Tell a worker by text that their application was approved (with where to find the card) or refused.

    At-least-once: a retry after an uncertain send repeats the same key, so a provider that
    knows the key sends it once (DESIGN.md rule 6).
    """
    from django.conf import settings
    from django.urls import reverse
    from django.utils.module_loading import import_string
    from django.utils.translation import gettext as _
    from django.utils.translation import override

    from unionhub.core.public import public_url

    from .models import JoinApplication

    application = JoinApplication.objects.select_related("union").filter(pk=application_id).first()
    if application is None or application.status == ApplicationStatus.SUBMITTED:
        return
    with override(settings.LANGUAGE_CODE):
        if application.status == ApplicationStatus.APPROVED:
            text = _("Welcome to {union}! Your membership card: {link}").format(
                union=application.union.name, link=public_url(None, reverse("members:sign-in"))
            )
        else:
            text = _("Your application to join {union} was not approved: {reason}").format(
                union=application.union.name, reason=application.reason
            )
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(application.reveal_phone(), text, key=f"join-decision:{application.pk}")


# --- Roster import and export (members.roster): jobs that pages poll ------------------------------


@shared_task(name="members.check_roster", ignore_result=True, acks_late=True)
def check_roster(job_id: int) -> None:
    """The dry run of a roster import: every row checked, nothing imported."""
    run_job(job_id, imports.check_roster)


@shared_task(name="members.commit_roster", ignore_result=True, acks_late=True)
def commit_roster(job_id: int) -> None:
    """Import a checked roster: all its new rows or, if any row fails its check again, none."""
    run_job(job_id, imports.commit_roster)


@shared_task(name="members.export_members", ignore_result=True, acks_late=True)
def export_members(job_id: int) -> None:
    run_job(job_id, exports.write_member_export)


@shared_task(name="members.expire_roster_files", ignore_result=True)
def expire_roster_files() -> None:
    """Hourly: abandon roster uploads left alone (their files are deleted) and delete old export files."""
    imports.abandon_stale_rosters()
    exports.expire_exports()


# --- Hardship aid (members.hardship) ---------------------------------------------------------------


@shared_task(name="members.flag_hardship_suggestions", ignore_result=True, acks_late=True)
def flag_hardship_suggestions() -> int:
    """Nightly: leads for staff from visit findings and repeated aid; once per signal, never a payout."""
    from .hardship import flag_members_needing_help

    return len(flag_members_needing_help())


@shared_task(name="members.find_duplicates", ignore_result=True, acks_late=True)
def find_duplicates(job_id: int) -> None:
    """Look for duplicate member records in the scope of the job's creator (members.merging)."""
    from .merging import scan_duplicates

    run_job(job_id, scan_duplicates)


@shared_task(name="members.anonymise_withdrawn", ignore_result=True)
def anonymise_withdrawn() -> int:
    """Nightly: erase the personal data of members withdrawn more than MEMBER_RETENTION_DAYS ago (members.retention)."""
    from .retention import anonymise_withdrawn as run

    return run()
