"""Member figures that lower layers show: each union's member count and its new members in 90 days."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from .choices import MemberStatus

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
