"""Nightly anomaly indicators for every grassroots union, in one SQL statement.

- days_since_visit: days from the latest visit to today (NULL: never visited).
- open_findings: findings with status open or in progress.
- anomaly_index (0–100): 60 × min(days since the last visit, 180) / 180 — a never-visited
  union counts as 180 days — plus 8 per open finding up to 40. A union visited today with
  nothing open scores 0; one not visited for half a year with five open findings scores 100.
  A union none of whose cadres was trained in the last 12 months (cadres_trained_12m = 0)
  adds 10; unknown (NULL, before activities record trainings) adds nothing. The total is
  capped at 100.
- new_members_90d is filled by members.tasks and cadres_trained_12m by events.tasks, each
  after this job, so the index uses the training figure of the night before.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

UPSERT = """
INSERT INTO zones_unionindicator
    (union_id, zone_id, federation_path, days_since_visit, open_findings, anomaly_index, computed_at)
SELECT u.id, u.zone_id, u.federation_path, v.days, COALESCE(f.open, 0),
       LEAST(100, ROUND(60 * LEAST(COALESCE(v.days, 180), 180) / 180.0) + LEAST(8 * COALESCE(f.open, 0), 40)
                  + CASE WHEN old.cadres_trained_12m = 0 THEN 10 ELSE 0 END),
       %(now)s
FROM zones_grassrootsunion u
LEFT JOIN zones_unionindicator old ON old.union_id = u.id
LEFT JOIN (
    SELECT union_id, (%(today)s::date - max(visited_at AT TIME ZONE %(tz)s)::date) AS days
    FROM zones_visit GROUP BY union_id
) v ON v.union_id = u.id
LEFT JOIN (
    SELECT union_id, count(*) AS open FROM zones_finding
    WHERE status IN ('open', 'in_progress') GROUP BY union_id
) f ON f.union_id = u.id
ON CONFLICT (union_id) DO UPDATE SET
    zone_id = EXCLUDED.zone_id, federation_path = EXCLUDED.federation_path,
    days_since_visit = EXCLUDED.days_since_visit, open_findings = EXCLUDED.open_findings,
    anomaly_index = EXCLUDED.anomaly_index, computed_at = EXCLUDED.computed_at
"""


def compute_union_indicators() -> int:
    """Recompute every union's indicators; return the number of unions. Safe to run again."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT, {"now": now, "today": timezone.localtime(now).date(), "tz": str(timezone.get_current_timezone())}
        )
        return cursor.rowcount
