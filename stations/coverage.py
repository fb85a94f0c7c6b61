"""The 15-minute service circle (15分钟服务圈): how much of a federation's demand an open station is close to.

Demand is the federation's grassroots unions weighted by their members (check-ins carry no
position of origin, so they add no demand points). A union is covered when a station that
is open at the chosen moment lies within a 15-minute walk (WALK_METRES) or ride
(RIDE_METRES) of it: straight-line distance on the spheroid, the radius already allowing
for the detour factor of docs/stations.md. The uncovered unions are grouped into clusters
(PostGIS DBSCAN), and candidate sites — the uncovered unions' own locations — are ranked
by greedy maximum coverage: each pick covers the most still-uncovered members.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import connection

from unionhub.core.models import Federation

from .hours import LocalMoment, open_at
from .models import Station

# 15 minutes at 80 m a minute on foot / 250 m a minute by e-bike, divided by the detour factor 1.0–1.3
# and rounded as the federations state them (docs/stations.md).
WALK_METRES = 1200
RIDE_METRES = 4000
RADIUS = {"walk": WALK_METRES, "ride": RIDE_METRES}
CANDIDATES = 10
CLUSTERS = 20
# Degrees of longitude that surely hold ``metres`` anywhere south of 40° N: the index's coarse filter.
METRES_PER_DEGREE_AT_40N = 85_000

Progress = Callable[[int, int, str], None]

DEMAND = """
SELECT u.id, ST_X(u.location), ST_Y(u.location), u.member_count,
       EXISTS (
           SELECT 1 FROM stations_station s
           WHERE s.id = ANY(%(open)s) AND ST_DWithin(s.position, u.location::geography, %(radius)s)
       ) AS covered
FROM zones_grassrootsunion u
WHERE u.federation_path LIKE %(prefix)s AND u.location IS NOT NULL AND u.member_count > 0
"""

CLUSTERED = """
SELECT cluster, count(*), sum(w), ST_X(ST_Centroid(ST_Collect(g))), ST_Y(ST_Centroid(ST_Collect(g)))
FROM (
    SELECT u.location AS g, u.member_count AS w,
           ST_ClusterDBSCAN(ST_Transform(u.location, 3857), eps => %(eps)s, minpoints => 1) OVER () AS cluster
    FROM zones_grassrootsunion u WHERE u.id = ANY(%(ids)s)
) c
GROUP BY cluster ORDER BY sum(w) DESC LIMIT %(limit)s
"""

REACH = """
SELECT a.id, array_agg(b.id)
FROM zones_grassrootsunion a JOIN zones_grassrootsunion b
  ON ST_DWithin(a.location, b.location, %(degrees)s)
 AND ST_DWithin(a.location::geography, b.location::geography, %(radius)s)
WHERE a.id = ANY(%(ids)s) AND b.id = ANY(%(ids)s)
GROUP BY a.id
"""


def analyse(
    federation: Federation,
    *,
    mode: str = "walk",
    day: datetime.date,
    hour: int,
    candidates: int = CANDIDATES,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The coverage of ``federation`` at ``hour`` on ``day``: shares, uncovered clusters, ranked candidate sites."""
    report = progress or (lambda done, total, message: None)
    radius = RADIUS[mode]
    prefix = federation.path + "%"
    moment = LocalMoment(day, datetime.time(hour, 30))
    open_ids = list(
        Station.objects.filter(federation_path__startswith=federation.path)
        .filter(open_at(moment))
        .values_list("id", flat=True)
    )
    report(1, 4, "stations")
    with connection.cursor() as cursor:
        cursor.execute(DEMAND, {"open": open_ids, "radius": radius, "prefix": prefix})
        unions = cursor.fetchall()
        report(2, 4, "demand")
        total = sum(row[3] for row in unions)
        uncovered = {row[0]: row for row in unions if not row[4]}
        clusters: list[Any] = []
        reach: dict[int, list[int]] = {}
        if uncovered:
            ids = list(uncovered)
            eps = radius * 1.15  # Web Mercator metres are ~1.15 ground metres at 30° N
            cursor.execute(CLUSTERED, {"ids": ids, "eps": eps, "limit": CLUSTERS})
            clusters = cursor.fetchall()
            report(3, 4, "clusters")
            cursor.execute(REACH, {"ids": ids, "radius": radius, "degrees": radius / METRES_PER_DEGREE_AT_40N})
            reach = dict(cursor.fetchall())
    covered_members = total - sum(row[3] for row in uncovered.values())
    picks = _greedy_sites(reach, {pk: row[3] for pk, row in uncovered.items()}, candidates)
    report(4, 4, "candidates")
    return {
        "federation": federation.pk,
        "mode": mode,
        "radius_m": radius,
        "moment": f"{day.isoformat()} {hour:02d}:30",
        "open_stations": len(open_ids),
        "unions": len(unions),
        "unions_covered": len(unions) - len(uncovered),
        "members": total,
        "members_covered": covered_members,
        "share": round(covered_members / total, 4) if total else None,
        "clusters": [
            {"unions": count, "members": members, "lon": lon, "lat": lat} for _c, count, members, lon, lat in clusters
        ],
        "candidates": [
            {
                "rank": rank,
                "union": pk,
                "lon": uncovered[pk][1],
                "lat": uncovered[pk][2],
                "members_covered": gain,
                "share_after": round((covered_members + running) / total, 4) if total else None,
            }
            for rank, (pk, gain, running) in enumerate(picks, start=1)
        ],
    }


def _greedy_sites(reach: dict[int, list[int]], weight: dict[int, int], count: int) -> list[tuple[int, int, int]]:
    """Greedy maximum coverage: each pick is the site whose circle holds the most still-uncovered members.

    Returns (site, members it adds, members added so far). Greedy is within 1 − 1/e of the best
    possible choice of ``count`` sites, and fast enough for a city's worth of unions.
    """
    covered: set[int] = set()
    picks: list[tuple[int, int, int]] = []
    running = 0
    for _ in range(count):
        best, gain = None, 0
        for site in sorted(reach):  # ties go to the lowest id: the same answer on every run
            site_gain = sum(weight[pk] for pk in reach[site] if pk not in covered)
            if site_gain > gain:
                best, gain = site, site_gain
        if best is None:
            break
        covered.update(reach[best])
        running += gain
        picks.append((best, gain, running))
    return picks
