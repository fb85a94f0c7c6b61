"""The outdoor-worker heat map (热力图): people per hexagon, for every federation node, built in PostGIS.

Two layers: workplaces (each grassroots union's members at its location) and rest (each
station's check-ins of the last 30 days at its position). Points are binned into hexagons
of HEX_METRES across (ST_HexagonGrid in Web Mercator, so the cells are regular on the map)
with the point-as-bounds trick, one pass over the points; hexagons with fewer than
HeatCell.MIN_WEIGHT people are dropped, so no small group can be picked out. Each node's
cells are replaced in one transaction, so readers never see a half-built map.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

from unionhub.core.models import Federation

from .choices import HeatLayer
from .models import HeatCell

HEX_METRES = 800  # in Web Mercator units: about 700 m across at Ningbo's latitude
CHECK_IN_DAYS = 30

POINTS = {
    HeatLayer.WORKPLACES: """
        SELECT ST_Transform(u.location, 3857) AS g, u.member_count AS w
        FROM zones_grassrootsunion u
        WHERE u.federation_path LIKE %(prefix)s AND u.location IS NOT NULL AND u.member_count > 0
    """,
    HeatLayer.CHECK_INS: """
        SELECT ST_Transform(s.position::geometry, 3857) AS g, count(*) AS w
        FROM stations_station s JOIN stations_checkin c ON c.station_id = s.id
        WHERE s.federation_path LIKE %(prefix)s AND c.checked_in_at >= %(since)s
        GROUP BY s.id
    """,
}

BINNED = """
INSERT INTO stations_heatcell (federation_id, federation_path, layer, cell, weight, computed_at)
SELECT %(federation)s, %(path)s, %(layer)s, ST_Transform(h.geom, 4326), sum(p.w), %(now)s
FROM ({points}) p, ST_HexagonGrid(%(size)s, p.g) h
WHERE ST_Intersects(p.g, h.geom)
GROUP BY h.geom
HAVING sum(p.w) >= %(min_weight)s
"""


def refresh_heat_map(federation: Federation) -> int:
    """Rebuild both layers of one node's heat map; return the number of cells kept."""
    now = timezone.now()
    params = {
        "federation": federation.pk,
        "path": federation.path,
        "prefix": federation.path + "%",
        "since": now - datetime.timedelta(days=CHECK_IN_DAYS),
        "now": now,
        "size": HEX_METRES,
        "min_weight": HeatCell.MIN_WEIGHT,
    }
    kept = 0
    with transaction.atomic(), connection.cursor() as cursor:
        HeatCell.objects.filter(federation=federation).delete()
        for layer, points in POINTS.items():
            cursor.execute(BINNED.format(points=points), {**params, "layer": layer})
            kept += cursor.rowcount
    return kept


def refresh_all_heat_maps() -> int:
    """Every node that has unions or stations below it (nightly)."""
    nodes = Federation.objects.order_by("path")
    return sum(refresh_heat_map(node) for node in nodes.iterator())
