"""Stations at scale, generated deterministically: opening hours, amenities, and months of check-ins.

Pure generation (no database), like ``unionhub.demo.scale``; ``unionhub.demo.bulk`` loads it.

- Hours: about 8% of stations are open 24 hours (Haiyan: 9 of 113; drivers' homes most often,
  see scale.OPEN_24H_SHARE). The others get a weekly schedule typical of their kind: daily
  day-time hours for most outdoor-worker stations, a few late ones that run past midnight,
  office hours with a lunch break for zone service centres (in a federation's offices),
  longer weekday hours for shared function stations.
- Amenities: each one on its own share of stations (water and seats nearly everywhere,
  books at a third).
- Check-ins: the preset's number over the CHECK_IN_DAYS days before the seeding day, by
  station in proportion to how busy each is, with a few hubs (at logistics parks, taxi
  ranks) taking HUB_CHECK_INS each; within a station by weekday, hour of day (lunch and
  evening peaks) and occupation, always at a minute the station is open. Every check-in
  comes from its own phone (device hash), so the once-per-half-hour constraint holds.

Times are Ningbo's (UTC+8, no daylight saving), written as text for COPY.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from stations.choices import Amenity, Occupation, StationKind, StationStatus

if TYPE_CHECKING:
    from .scale import StationRow, World

CHECK_IN_DAYS = 180
HUB_CHECK_INS = 20_000  # a hub's check-ins over CHECK_IN_DAYS: about 10,000 in the usage summary's 90 days
STATIONS_PER_HUB = 2_400
MEMBER_SHARE = 0.45
MINUTES_A_DAY = 24 * 60
MINUTES_A_WEEK = 7 * MINUTES_A_DAY

EVERY_DAY, WEEKDAYS, WEEKEND = range(7), range(5), range(5, 7)
# A schedule: (weight, [(days, opens, closes, overnight)]); the kinds' usual weeks.
Schedule = list[tuple[Sequence[int], str, str, bool]]
SCHEDULES: dict[str, list[tuple[int, Schedule]]] = {
    StationKind.OUTDOOR_WORKER: [
        (35, [(EVERY_DAY, "08:00", "20:00", False)]),
        (20, [(EVERY_DAY, "07:00", "21:00", False)]),
        (15, [(EVERY_DAY, "09:00", "18:00", False)]),
        (15, [(WEEKDAYS, "08:30", "17:30", False), (WEEKEND, "09:00", "17:00", False)]),
        (10, [(EVERY_DAY, "06:00", "22:00", False)]),
        (5, [(EVERY_DAY, "10:00", "02:00", True)]),  # the evening delivery rush, past midnight
    ],
    StationKind.DRIVERS_HOME: [
        (60, [(EVERY_DAY, "06:00", "23:00", False)]),
        (40, [(EVERY_DAY, "05:00", "01:00", True)]),
    ],
    StationKind.SHARED_FUNCTION: [
        (70, [(WEEKDAYS, "09:00", "21:00", False), (WEEKEND, "09:00", "17:00", False)]),
        (30, [(EVERY_DAY, "08:00", "20:00", False)]),
    ],
    StationKind.ZONE_SERVICE_CENTRE: [
        (60, [(WEEKDAYS, "08:30", "11:30", False), (WEEKDAYS, "13:30", "17:30", False)]),
        (40, [(WEEKDAYS, "08:30", "17:30", False), ([5], "09:00", "12:00", False)]),
    ],
}
AMENITY_SHARES = {
    Amenity.WATER: 0.97,
    Amenity.HOT_WATER: 0.8,
    Amenity.CHARGING: 0.85,
    Amenity.MICROWAVE: 0.6,
    Amenity.REST_SEATS: 0.95,
    Amenity.TOILET: 0.5,
    Amenity.AIR_CONDITIONING: 0.75,
    Amenity.FIRST_AID: 0.8,
    Amenity.WIFI: 0.6,
    Amenity.UMBRELLA: 0.4,
    Amenity.BOOKS: 0.35,
}
KIND_BUSYNESS = {
    StationKind.OUTDOOR_WORKER: 1.0,
    StationKind.DRIVERS_HOME: 1.5,
    StationKind.SHARED_FUNCTION: 0.6,
    StationKind.ZONE_SERVICE_CENTRE: 0.4,
}
STATUS_BUSYNESS = {StationStatus.OPEN: 1.0, StationStatus.SUSPENDED: 0.3, StationStatus.CLOSED: 0.1}

# Outdoor workers rest at lunch and in the evening; a few all night. Monday first.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 7, 10, 11, 10, 8, 7, 7, 8, 9, 8, 6, 5, 3, 2]
WEEKDAY_WEIGHTS = [15, 15, 15, 15, 16, 13, 11]
OCCUPATIONS = {
    "usual": {
        Occupation.RIDER: 38,
        Occupation.COURIER: 24,
        Occupation.SANITATION: 14,
        Occupation.RIDE_HAILING: 10,
        Occupation.TRUCK_DRIVER: 8,
        Occupation.OTHER: 6,
    },
    StationKind.DRIVERS_HOME: {
        Occupation.TRUCK_DRIVER: 40,
        Occupation.RIDE_HAILING: 30,
        Occupation.COURIER: 10,
        Occupation.RIDER: 10,
        Occupation.OTHER: 10,
    },
}

CHECK_IN_FIELDS = [
    "id",
    "station",
    "federation_path",
    "zone",
    "checked_in_at",
    "window",
    "occupation",
    "is_member",
    "device_hash",
]
PERIOD_FIELDS = ["id", "station", "weekday", "opens", "closes", "overnight"]


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def give_stations_their_offer(stations: list[StationRow], seed: int) -> None:
    """Weekly periods, amenities and busyness for every station, from a generator of their own
    (so the rest of the world is the same as without them)."""
    rng = random.Random(f"{seed}:station-offer")
    amenities = [(str(a), share) for a, share in AMENITY_SHARES.items()]
    for station in stations:
        kind = StationKind(station.kind)
        weights, schedules = zip(*SCHEDULES[kind], strict=True)
        schedule = rng.choices(schedules, weights=weights)[0]
        station.periods = (
            []
            if station.open_24h
            else [
                (day, _time(opens), _time(closes), overnight)
                for days, opens, closes, overnight in schedule
                for day in days
            ]
        )
        station.amenities = [a for a, share in amenities if rng.random() < share]
        station.busyness = (
            rng.lognormvariate(0, 0.9)
            * KIND_BUSYNESS[kind]
            * STATUS_BUSYNESS[StationStatus(station.status)]
            * (1.5 if station.open_24h else 1.0)
        )


def period_rows(world: World) -> Iterator[tuple[Any, ...]]:
    """OpeningPeriod rows (PERIOD_FIELDS order) of every station."""
    ids = itertools.count(1)
    for station in world.stations:
        for weekday, opens, closes, overnight in station.periods:
            yield (next(ids), station.id, weekday, opens, closes, overnight)


def week_ranges(station: StationRow) -> list[tuple[int, int]]:
    """The station's open minutes of the week (None-free: 24-hour stations are the whole week)."""
    if station.open_24h:
        return [(0, MINUTES_A_WEEK)]
    pieces = []
    for weekday, opens, closes, overnight in station.periods:
        start = weekday * MINUTES_A_DAY + opens.hour * 60 + opens.minute
        end = weekday * MINUTES_A_DAY + closes.hour * 60 + closes.minute + (MINUTES_A_DAY if overnight else 0)
        if end > MINUTES_A_WEEK:
            pieces += [(start, MINUTES_A_WEEK), (0, end - MINUTES_A_WEEK)]
        else:
            pieces.append((start, end))
    return sorted(pieces)


def check_in_counts(world: World, total: int) -> list[int]:
    """How many check-ins each station gets (world.stations order): hubs first, the rest by busyness."""
    stations = world.stations
    hubs = max(1, round(len(stations) / STATIONS_PER_HUB))
    per_hub = min(HUB_CHECK_INS, total // (10 * hubs))
    open_ones = [n for n, s in enumerate(stations) if s.status == StationStatus.OPEN]
    hub_index = set(sorted(open_ones, key=lambda n: (-stations[n].busyness, n))[:hubs])
    rest = total - per_hub * len(hub_index)
    weights = [0.0 if n in hub_index else s.busyness for n, s in enumerate(stations)]
    scale = sum(weights)
    raw = [rest * w / scale for w in weights]
    counts = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda k: (counts[k] - raw[k], k))
    for k in by_remainder[: rest - sum(counts)]:
        counts[k] += 1
    for n in hub_index:
        counts[n] = per_hub
    return counts


def check_in_rows(world: World, today: dt.date, total: int) -> Iterator[tuple[Any, ...]]:
    """CheckIn rows (CHECK_IN_FIELDS order) over the CHECK_IN_DAYS days before ``today``."""
    rng = random.Random(f"{world.seed}:check-ins")
    days = [today - dt.timedelta(days=back) for back in range(CHECK_IN_DAYS, 0, -1)]
    dates = {day: day.isoformat() for day in [*days, today]}
    by_weekday: list[list[dt.date]] = [[d for d in days if d.weekday() == w] for w in range(7)]
    hour_cum = list(itertools.accumulate(HOUR_WEIGHTS))
    weekday_cum = list(itertools.accumulate(WEEKDAY_WEIGHTS))
    tables = {
        key: ([str(o) for o in weights], list(itertools.accumulate(weights.values())))
        for key, weights in OCCUPATIONS.items()
    }
    window = dt.timedelta(minutes=30)
    ids = itertools.count(1)
    for station, count in zip(world.stations, check_in_counts(world, total), strict=True):
        if not count:
            continue
        ranges = week_ranges(station)
        starts = [start for start, _end in ranges]
        lengths = list(itertools.accumulate(end - start for start, end in ranges))
        occupations, occupation_cum = tables.get(station.kind, tables["usual"])
        path, zone = station.zone.federation.path, station.zone.id
        for _ in range(count):
            for _attempt in range(6):  # the hour profile, where the station is open then
                minute = (
                    bisect.bisect(weekday_cum, rng.random() * weekday_cum[-1]) * MINUTES_A_DAY
                    + bisect.bisect(hour_cum, rng.random() * hour_cum[-1]) * 60
                    + rng.randrange(60)
                )
                k = bisect.bisect(starts, minute) - 1
                if k >= 0 and minute < ranges[k][1]:
                    break
            else:  # a short week: any open minute
                k = bisect.bisect(lengths, rng.random() * lengths[-1])
                minute = ranges[k][0] + rng.randrange(ranges[k][1] - ranges[k][0])
            day = rng.choice(by_weekday[minute // MINUTES_A_DAY])
            at = dt.datetime.combine(day, dt.time()) + dt.timedelta(
                minutes=minute % MINUTES_A_DAY, seconds=rng.randrange(60)
            )
            until = at + window
            n = next(ids)
            yield (
                n,
                station.id,
                path,
                zone,
                f"{dates[at.date()]} {at:%H:%M:%S}+08:00",
                f"[{dates[at.date()]} {at:%H:%M:%S}+08:00,{dates[until.date()]} {until:%H:%M:%S}+08:00)",
                pick(rng, occupations, occupation_cum),
                rng.random() < MEMBER_SHARE,
                hashlib.blake2b(f"{world.seed}:device:{n}".encode(), digest_size=32).hexdigest(),
            )


def pick(rng: random.Random, values: list[str], cum: list[int]) -> str:
    return values[bisect.bisect(cum, rng.random() * cum[-1])]
