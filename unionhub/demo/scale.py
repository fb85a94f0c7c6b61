"""Ningbo-scale data, generated deterministically: the federation tree, zones that tile it,
grassroots unions, stations and members (DESIGN.md "Scale"); zone work is in ``zone_work``.

Everything here is pure generation (no database): ``build_world`` lays out the tree and
the geometry, ``member_batch`` produces member rows exactly as ``members.Member`` stores
them (encrypted, hashed, masked, with name bigrams). ``unionhub.demo.bulk`` loads them.

Geometry: a jittered lattice over Ningbo (121.0–122.2 E, 28.8–30.4 N) whose edges carry a
few wiggle points. Every lattice edge is computed once and shared by the two cells on
either side, so counties, townships and zones built as unions of cells tile exactly, with
no gaps or slivers. Townships and zones are Voronoi regions (with Lloyd relaxation) of
lattice cells, so they are compact and plausible rather than rectangles.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon

from members.choices import MemberStatus, Occupation, WorkForm
from members.search import name_bigrams
from stations.choices import StationKind, StationStatus
from unionhub.core import crypto
from unionhub.core.choices import FederationKind
from unionhub.core.validators import credit_check_character, id_check_character
from zones.choices import Sector

from .station_use import give_stations_their_offer


@dataclass(frozen=True)
class Preset:
    """How much to generate. ``counties`` takes the first N of COUNTIES."""

    name: str
    counties: int
    townships: int
    zones: int
    unions: int
    members: int
    stations: int
    grid_step: float  # lattice cell size in degrees
    edge_points: int  # wiggle points inside each lattice edge
    visits: int  # zone workers' visits over the last year (unionhub.demo.zone_work)
    check_ins: int = 0  # workers' check-ins at stations over the last months (unionhub.demo.station_use)
    batch_size: int = 10_000


PRESETS = {
    "tiny": Preset("tiny", counties=2, townships=3, zones=5, unions=40, members=1_500, stations=15, grid_step=0.02,
                   edge_points=1, visits=300, check_ins=3_000, batch_size=500),
    "small": Preset("small", counties=10, townships=30, zones=60, unions=1_200, members=60_000, stations=1_000,
                    grid_step=0.01, edge_points=2, visits=8_700, check_ins=80_000, batch_size=5_000),
    "ningbo": Preset("ningbo", counties=10, townships=134, zones=264, unions=13_800, members=2_200_000,
                     stations=12_000, grid_step=0.01, edge_points=3, visits=100_000, check_ins=1_000_000),
}  # fmt: skip

PROVINCE = "浙江省总工会"
CITY = "宁波市总工会"
CITY_DIVISION = "330200"
ORIGIN = (121.0, 28.8)  # south-west corner of the lattice

# Name, administrative division code, rough extent (min lon, min lat, max lon, max lat), urban,
# and roughly how many townships and streets it has (townships are shared out in proportion).
# Central districts first, so that the small presets stay in the city.
COUNTIES = [
    ("海曙区", "330203", (121.40, 29.65, 121.55, 29.88), True, 17),
    ("江北区", "330205", (121.40, 29.88, 121.55, 30.00), True, 8),
    ("鄞州区", "330212", (121.55, 29.65, 121.85, 29.95), True, 24),
    ("镇海区", "330211", (121.65, 29.95, 121.85, 30.20), True, 6),
    ("北仑区", "330206", (121.85, 29.75, 122.20, 29.95), True, 11),
    ("奉化区", "330213", (121.20, 29.45, 121.65, 29.65), False, 12),
    ("余姚市", "330281", (121.00, 29.65, 121.40, 30.00), False, 21),
    ("慈溪市", "330282", (121.00, 30.00, 121.65, 30.40), False, 20),
    ("宁海县", "330226", (121.20, 29.05, 121.65, 29.45), False, 18),
    ("象山县", "330225", (121.65, 28.80, 122.05, 29.65), False, 18),
]

# Surnames with rough frequencies (per mille), Zhejiang's common ones included.
SURNAMES = (
    "王71 李70 陈62 张67 刘54 杨31 黄22 吴22 赵20 周19 徐18 孙15 林14 朱14 马13 胡13 郭11 何11 "
    "高10 罗9 郑9 梁8 谢8 宋7 唐7 许7 叶6 韩6 冯6 邓6 曹6 彭6 沈5 曾5 肖5 田5 董5 袁5 潘5 蔡5 蒋5 "
    "余5 于5 杜4 程4 苏4 魏4 吕4 丁4 任4 姚4 卢4 陆4 汪4 金4 姜3 崔3 钟3 谭3 范3 石3 廖3 贾3 夏3 "
    "韦3 方3 付3 邹3 熊3 白3 孟3 秦3 邱3 江3 尹2 薛2 段2 雷2 侯2 龙2 史2 陶2 黎2 贺2 顾2 毛2 郝2 "
    "龚2 邵2 万2 钱2 严2 戴2 应2 俞2 竺1 鲍1 虞1 岑1 柴1 楼1 童1 裘1 屠1"
)
GIVEN = (
    "伟30 芳20 娜18 敏18 静18 丽17 强16 磊16 军16 洋15 勇15 艳15 杰15 娟14 涛14 明14 超14 秀13 "
    "霞13 平13 刚13 英12 华12 玉11 萍11 红11 建11 国11 文11 桂10 斌10 宇10 浩10 波9 海9 志9 晓9 "
    "佳9 婷9 凯9 健9 俊9 小8 辉8 鹏8 燕8 玲8 飞8 鑫8 峰8 亮8 慧8 丹8 帆8 帅8 旭8 宁8 龙8 林8 欣8 "
    "雪8 宏7 成7 东7 春7 永7 琳7 晶7 颖7 倩7 莉7 梅7 兰7 洁7 云7 金6 家6 子6 嘉6 思6 雨6 阳6 凤6 "
    "琴6 芬6 德5 梓5 一5 涵5 博5 轩5 泽5 晨5 怡5 立5 新5 光5 蓉5 诗4 昊4 然4 欢4 振4 卫4 忠4 荣4 "
    "秋4 彬4 媛4 琪4 瑶4 露4 青4 庆4 民4 璐3 祥3 福3 贵3 萱3 悦3 航3 睿3 铭3 豪3 杭3 甬3"
)
PLACE_CHARS = (
    "龙山江东西南北湖塘桥浦溪洋石峰岙庄林泉田港沙横梅花桃云丰华新安宁平和福兴长望春城观周巷坎墩泗门"
    "掌起庵前后下大古白鹤凤马鸣鹿章集仕岐莼咸祥店茶院越胡陈桑洲黄岳强蛟深甽佳力街市头姜钱滨翠鄞姚"
)
BRAND_CHARS = "华鑫宏盛达恒兴隆泰丰源力信诚通远腾飞康瑞博联创新亚海天宇金银晶科智德永安顺吉和美佳正方圆星光明峰甬"
ROAD_SUFFIXES = ["路", "路", "路", "街", "大道"]
DIRECTIONS = ["", "", "", "东", "西", "南", "北", "中"]
ORDINALS = "一二三四五六七八九十"

SECTOR_WEIGHTS = {
    Sector.MANUFACTURING: 40,
    Sector.RETAIL: 12,
    Sector.CONSTRUCTION: 8,
    Sector.PUBLIC_SERVICE: 8,
    Sector.OTHER: 8,
    Sector.FREIGHT_LOGISTICS: 6,
    Sector.EXPRESS_DELIVERY: 4,
    Sector.AGRICULTURE: 4,
    Sector.FOOD_DELIVERY: 3,
    Sector.SANITATION: 3,
    Sector.RIDE_HAILING: 2,
    Sector.LIVE_STREAMING: 2,
}
SECTOR_TRADES = {
    Sector.MANUFACTURING: ["机械", "模具", "电器", "塑料制品", "汽车零部件", "纺织", "服装", "五金", "轴承", "电子"],
    Sector.RETAIL: ["商贸", "餐饮管理", "超市", "百货"],
    Sector.CONSTRUCTION: ["建设工程", "建筑工程", "市政工程"],
    Sector.PUBLIC_SERVICE: ["物业服务", "公用事业", "医疗服务"],
    Sector.OTHER: ["信息技术", "咨询服务", "文化发展"],
    Sector.FREIGHT_LOGISTICS: ["物流", "供应链管理", "货运代理"],
    Sector.EXPRESS_DELIVERY: ["快递", "速运"],
    Sector.AGRICULTURE: ["农业发展", "水产", "果蔬"],
    Sector.FOOD_DELIVERY: ["即时配送", "外卖配送服务"],
    Sector.SANITATION: ["环境卫生服务", "环境工程"],
    Sector.RIDE_HAILING: ["网约车服务", "出行服务"],
    Sector.LIVE_STREAMING: ["文化传媒", "网络科技"],
}
# What members of a union in each sector do, and how they are employed.
SECTOR_OCCUPATIONS = {
    Sector.MANUFACTURING: {Occupation.FACTORY_WORKER: 70, Occupation.TECHNICIAN: 15, Occupation.OFFICE_WORKER: 15},
    Sector.RETAIL: {Occupation.SERVICE_WORKER: 75, Occupation.OFFICE_WORKER: 15, Occupation.OTHER: 10},
    Sector.CONSTRUCTION: {Occupation.OTHER: 60, Occupation.TECHNICIAN: 25, Occupation.OFFICE_WORKER: 15},
    Sector.PUBLIC_SERVICE: {Occupation.OFFICE_WORKER: 50, Occupation.SERVICE_WORKER: 35, Occupation.TECHNICIAN: 15},
    Sector.OTHER: {Occupation.OFFICE_WORKER: 50, Occupation.TECHNICIAN: 25, Occupation.OTHER: 25},
    Sector.FREIGHT_LOGISTICS: {Occupation.TRUCK_DRIVER: 60, Occupation.OTHER: 25, Occupation.OFFICE_WORKER: 15},
    Sector.EXPRESS_DELIVERY: {Occupation.COURIER: 85, Occupation.OFFICE_WORKER: 15},
    Sector.AGRICULTURE: {Occupation.OTHER: 85, Occupation.TECHNICIAN: 15},
    Sector.FOOD_DELIVERY: {Occupation.DELIVERY_RIDER: 92, Occupation.OFFICE_WORKER: 8},
    Sector.SANITATION: {Occupation.SANITATION_WORKER: 90, Occupation.OFFICE_WORKER: 10},
    Sector.RIDE_HAILING: {Occupation.RIDE_HAILING_DRIVER: 92, Occupation.OFFICE_WORKER: 8},
    Sector.LIVE_STREAMING: {Occupation.LIVE_STREAMER: 75, Occupation.OFFICE_WORKER: 25},
}
NEW_FORM_OCCUPATIONS = {
    Occupation.DELIVERY_RIDER,
    Occupation.COURIER,
    Occupation.RIDE_HAILING_DRIVER,
    Occupation.TRUCK_DRIVER,
    Occupation.LIVE_STREAMER,
}
STATUS_WEIGHTS = {
    MemberStatus.ACTIVE: 90,
    MemberStatus.APPLIED: 3,
    MemberStatus.TRANSFERRED: 3,
    MemberStatus.LAPSED: 3,
    MemberStatus.WITHDRAWN: 1,
}
STATION_KIND_WEIGHTS = {StationKind.OUTDOOR_WORKER: 80, StationKind.SHARED_FUNCTION: 13, StationKind.DRIVERS_HOME: 7}
STATION_STATUS_WEIGHTS = {StationStatus.OPEN: 90, StationStatus.SUSPENDED: 7, StationStatus.CLOSED: 3}
# Open around the clock: Haiyan has 9 of its 113 stations so (8%); drivers' homes most often, service
# centres (in a federation's offices) never. Over the kinds' weights above this comes to about 8%.
OPEN_24H_SHARE = {
    StationKind.OUTDOOR_WORKER: 0.07,
    StationKind.DRIVERS_HOME: 0.35,
    StationKind.SHARED_FUNCTION: 0.0,
    StationKind.ZONE_SERVICE_CENTRE: 0.0,
}

# Where members were born: Ningbo's own divisions, the rest of Zhejiang, and the provinces most
# migrant workers come from (prefixes of GB/T 2260 division codes).
ID_AREAS = {
    "330203": 6, "330205": 5, "330206": 5, "330211": 4, "330212": 9, "330213": 4, "330225": 4, "330226": 4,
    "330281": 6, "330282": 7, "330102": 2, "330302": 3, "330402": 1, "330602": 2, "331002": 2, "330782": 2,
    "411302": 3, "412726": 3, "511602": 3, "513030": 2, "341221": 3, "342401": 2, "362331": 2, "360781": 2,
    "430524": 2, "431102": 2, "522121": 2, "520524": 2, "452123": 1, "500235": 2, "421123": 1, "371526": 1,
}  # fmt: skip
PHONE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184",
    "185", "186", "187", "188", "189", "191", "198", "199",
]  # fmt: skip
BIRTH_FIRST = dt.date(1965, 1, 1)
BIRTH_DAYS = (dt.date(2006, 12, 31) - BIRTH_FIRST).days + 1
JOIN_FIRST = dt.date(2000, 1, 1)
JOIN_DAYS = (dt.date(2025, 6, 30) - JOIN_FIRST).days + 1
GO_LIVE = dt.date(2024, 3, 1)  # rosters were imported into UnionHub from this day on
# Bijections of the member index onto (birth day, sequence) and onto phone numbers, so that
# ID numbers and phones are unique without remembering which were drawn.
_ID_SPACE = BIRTH_DAYS * 1000
_PHONE_SPACE = 10**8
_SCRAMBLE = 2_654_435_761  # a prime larger than both spaces, so coprime to them


def _weighted(spec: str) -> tuple[list[str], list[float]]:
    items = [(token[0], float(token[1:])) for token in spec.split()]
    return [c for c, _ in items], _cumulative([w for _, w in items])


def _cumulative(weights: list[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


SURNAME_CHARS, SURNAME_CUM = _weighted(SURNAMES)
GIVEN_CHARS, GIVEN_CUM = _weighted(GIVEN)


def pick(rng: random.Random, items: list[Any], cumulative: list[float]) -> Any:
    """One of ``items``, weighted (``cumulative`` weights): rng.choices() for one item, at a third of the cost."""
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def person_name(rng: random.Random) -> str:
    """A Chinese name of two characters (about a third) or three."""
    name = pick(rng, SURNAME_CHARS, SURNAME_CUM) + pick(rng, GIVEN_CHARS, GIVEN_CUM)
    return name if rng.random() < 0.33 else name + pick(rng, GIVEN_CHARS, GIVEN_CUM)


def _day_strings(first: dt.date, days: int, pattern: str) -> list[str]:
    return [(first + dt.timedelta(days=d)).strftime(pattern) for d in range(days)]


_BIRTH_DATES = _day_strings(BIRTH_FIRST, BIRTH_DAYS, "%Y%m%d")
_JOIN_DATES = _day_strings(JOIN_FIRST, JOIN_DAYS, "%Y-%m-%d")
_GO_LIVE_OFFSET = (GO_LIVE - JOIN_FIRST).days


def id_number_for(index: int, rng: random.Random, areas: list[str], area_cum: list[float]) -> str:
    """A valid GB 11643 resident ID number, unique per ``index`` (birth day and sequence are a bijection)."""
    k = (index * _SCRAMBLE + 7_919) % _ID_SPACE
    body = f"{pick(rng, areas, area_cum)}{_BIRTH_DATES[k % BIRTH_DAYS]}{k // BIRTH_DAYS:03d}"
    return body + id_check_character(body)


def phone_for(index: int, rng: random.Random) -> str:
    """A mainland mobile number whose last eight digits are unique per ``index``."""
    return (
        PHONE_PREFIXES[int(len(PHONE_PREFIXES) * rng.random())] + f"{(index * _SCRAMBLE + 104_729) % _PHONE_SPACE:08d}"
    )


def organisation_code(serial: int) -> str:
    """A GB 11714 organisation code (eight digits and a check character), unique per serial."""
    body = f"{(serial * 7_368_787 + 1_000_003) % 10**8:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2], strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def union_credit_code(division: str, serial: int) -> str:
    """A GB 32100 code registered by a trade union: 8 (union) 1 (grassroots union), division, org code."""
    body = f"81{division}{organisation_code(serial)}"
    return body + credit_check_character(body)


# --- geometry -----------------------------------------------------------------------------


def _noise(seed: int, *key: int) -> float:
    """A deterministic number in [0, 1) for a lattice vertex or edge point."""
    digest = hashlib.blake2b(repr((seed, *key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class Lattice:
    """A jittered grid whose edges are shared polylines, so unions of cells tile exactly."""

    VERTEX_JITTER = 0.15  # of a step, in each axis
    EDGE_WIGGLE = 0.06  # of a step, perpendicular to the edge, tapering towards the corners

    def __init__(self, seed: int, step: float, edge_points: int) -> None:
        self.seed, self.step, self.edge_points = seed, step, edge_points
        self._vertices: dict[tuple[int, int], tuple[float, float]] = {}
        self._edges: dict[tuple[int, int, int], list[tuple[float, float]]] = {}
        self._rings: dict[tuple[int, int], list[tuple[float, float]]] = {}
        self._extents: dict[tuple[int, int], tuple[float, float, float, float]] = {}

    def index(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor((lon - ORIGIN[0]) / self.step + 0.5), math.floor((lat - ORIGIN[1]) / self.step + 0.5)

    def vertex(self, i: int, j: int) -> tuple[float, float]:
        if (i, j) not in self._vertices:
            jx = (_noise(self.seed, 0, i, j) - 0.5) * 2 * self.VERTEX_JITTER
            jy = (_noise(self.seed, 1, i, j) - 0.5) * 2 * self.VERTEX_JITTER
            self._vertices[i, j] = (
                round(ORIGIN[0] + (i + jx) * self.step, 6),
                round(ORIGIN[1] + (j + jy) * self.step, 6),
            )
        return self._vertices[i, j]

    def edge(self, i: int, j: int, horizontal: bool) -> list[tuple[float, float]]:
        """The polyline from vertex (i, j) to its right (horizontal) or upper neighbour, both ends included."""
        key = (i, j, int(horizontal))
        if key not in self._edges:
            (x0, y0) = self.vertex(i, j)
            (x1, y1) = self.vertex(i + 1, j) if horizontal else self.vertex(i, j + 1)
            points = [(x0, y0)]
            n = self.edge_points
            for m in range(1, n + 1):
                t = m / (n + 1)
                offset = (_noise(self.seed, 2 + int(horizontal), i, j, m) - 0.5) * 2 * self.EDGE_WIGGLE
                offset *= self.step * math.sin(math.pi * t)
                x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                # Perpendicular to a roughly horizontal edge is latitude, and vice versa.
                points.append(
                    (round(x, 6), round(y + offset, 6)) if horizontal else (round(x + offset, 6), round(y, 6))
                )
            points.append((x1, y1))
            self._edges[key] = points
        return self._edges[key]

    def ring(self, i: int, j: int) -> list[tuple[float, float]]:
        """The closed outline of cell (i, j), counter-clockwise."""
        if (i, j) not in self._rings:
            bottom = self.edge(i, j, True)
            right = self.edge(i + 1, j, False)
            top = self.edge(i, j + 1, True)[::-1]
            left = self.edge(i, j, False)[::-1]
            ring = bottom + right[1:] + top[1:] + left[1:]
            xs, ys = [x for x, _ in ring], [y for _, y in ring]
            self._rings[i, j] = ring
            self._extents[i, j] = (min(xs), min(ys), max(xs), max(ys))
        return self._rings[i, j]

    def union(self, cells: list[tuple[int, int]]) -> MultiPolygon:
        """The union of ``cells`` as one (multi)polygon; shared edges vanish exactly."""
        parts = ",".join("((" + ",".join(f"{x} {y}" for x, y in self.ring(i, j)) + "))" for i, j in cells)
        merged = GEOSGeometry(f"SRID=4326;MULTIPOLYGON({parts})").unary_union
        if merged.geom_type == "Polygon":
            merged = MultiPolygon(merged, srid=4326)
        merged.srid = 4326
        return merged

    def point_in(self, cells: list[tuple[int, int]], rng: random.Random) -> Point:
        """A point strictly inside one of ``cells`` (so inside their union), rounded to 1e-6°."""
        while True:
            cell = rng.choice(cells)
            ring = self.ring(*cell)
            xmin, ymin, xmax, ymax = self._extents[cell]
            x, y = round(rng.uniform(xmin, xmax), 6), round(rng.uniform(ymin, ymax), 6)
            if _strictly_inside(x, y, ring):
                return Point(x, y, srid=4326)


def _strictly_inside(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    """Ray casting, refusing points within 1e-6° of an edge (so rounding never moves them out)."""
    inside = False
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        t = max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / length2)) if length2 else 0.0
        if (x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2 < 1e-12:
            return False
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * dx / dy:
            inside = not inside
    return inside


def _allocate(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), each part at least ``minimum``."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError("not enough to give every part its minimum")
    scale = sum(weights)
    raw = [spare * w / scale for w in weights]
    parts = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda k: (parts[k] - raw[k], k))
    for k in by_remainder[: spare - sum(parts)]:
        parts[k] += 1
    return [p + minimum for p in parts]


def _voronoi(cells: list[tuple[int, int]], count: int, rng: random.Random) -> list[list[tuple[int, int]]]:
    """Split lattice cells into ``count`` compact regions (nearest seed, two rounds of Lloyd relaxation)."""
    count = min(count, len(cells))
    seeds = [(float(i), float(j)) for i, j in rng.sample(cells, count)]
    regions: list[list[tuple[int, int]]] = []
    for _ in range(3):
        assigned: list[list[tuple[int, int]]] = [[] for _ in seeds]
        for i, j in cells:
            nearest = min(range(len(seeds)), key=lambda k: ((seeds[k][0] - i) ** 2 + (seeds[k][1] - j) ** 2, k))
            assigned[nearest].append((i, j))
        if any(not region for region in assigned):
            break  # keep the last assignment in which every seed had cells
        regions = assigned
        seeds = [(sum(c[0] for c in r) / len(r), sum(c[1] for c in r) / len(r)) for r in regions]
    return regions


# --- the world --------------------------------------------------------------------------------


@dataclass
class FederationRow:
    id: int
    name: str
    kind: str
    parent_id: int | None
    path: str
    division: str = ""
    urban: bool = False
    cells: list[tuple[int, int]] = field(default_factory=list, repr=False)
    area: MultiPolygon | None = field(default=None, repr=False)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


@dataclass
class ZoneRow:
    id: int
    name: str
    federation: FederationRow
    county: FederationRow
    cells: list[tuple[int, int]] = field(repr=False)
    boundary: MultiPolygon = field(repr=False)
    service_centre_address: str = ""
    weight: float = 1.0


@dataclass
class UnionRow:
    id: int
    name: str
    credit_code: str
    is_joint: bool
    zone: ZoneRow
    sector: str
    address: str
    location: Point
    chair_name: str
    founded_on: dt.date
    size_weight: float
    member_count: int = 0


@dataclass
class StationRow:
    id: int
    name: str
    kind: str
    status: str
    zone: ZoneRow
    address: str
    position: Point
    open_24h: bool
    # What unionhub.demo.station_use gives it: the week's periods (weekday, opens, closes, overnight),
    # amenities, and how busy it is (a weight for its share of the check-ins).
    periods: list[tuple[int, dt.time, dt.time, bool]] = field(default_factory=list)
    amenities: list[str] = field(default_factory=list)
    busyness: float = 1.0


@dataclass
class World:
    preset: Preset
    seed: int
    federations: list[FederationRow]
    zones: list[ZoneRow]
    unions: list[UnionRow]
    stations: list[StationRow]

    @property
    def city(self) -> FederationRow:
        return next(f for f in self.federations if f.kind == FederationKind.CITY)

    @property
    def counties(self) -> list[FederationRow]:
        return [f for f in self.federations if f.kind == FederationKind.COUNTY]


class _Names:
    """Unique place, road and company names, drawn from a seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def unique(self, make: Any) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of names")

    def place(self) -> str:
        return self.unique(lambda: "".join(self.rng.sample(PLACE_CHARS, 2)))

    def road(self) -> str:
        rng = self.rng
        return "".join(rng.sample(PLACE_CHARS, 2)) + rng.choice(DIRECTIONS) + rng.choice(ROAD_SUFFIXES)

    def address(self, county: str, township: str) -> str:
        return f"{county}{township}{self.road()}{self.rng.randint(1, 999)}号"


def build_world(preset: Preset, seed: int = 20250601) -> World:
    """Lay out the federation tree, the zones that tile it, unions and stations."""
    rng = random.Random(f"{seed}:world")
    names = _Names(rng)
    lattice = Lattice(seed, preset.grid_step, preset.edge_points)
    ids = iter(range(1, 10**6))

    province = FederationRow(next(ids), PROVINCE, FederationKind.PROVINCE, None, "")
    province.path = f"{province.id}/"
    city = FederationRow(next(ids), CITY, FederationKind.CITY, province.id, "", CITY_DIVISION, True)
    city.path = f"{province.path}{city.id}/"
    federations = [province, city]

    counties, township_weights = [], []
    for name, division, (x0, y0, x1, y1), urban, townships_there in COUNTIES[: preset.counties]:
        county = FederationRow(next(ids), f"{name}总工会", FederationKind.COUNTY, city.id, "", division, urban)
        county.path = f"{city.path}{county.id}/"
        (i0, j0), (i1, j1) = lattice.index(x0, y0), lattice.index(x1, y1)
        county.cells = [(i, j) for i in range(i0, i1) for j in range(j0, j1)]
        counties.append(county)
        township_weights.append(townships_there)
    federations += counties

    township_counts = _allocate(preset.townships, township_weights, minimum=1)
    townships: list[tuple[FederationRow, FederationRow]] = []
    for county, count in zip(counties, township_counts, strict=True):
        for region in _voronoi(county.cells, count, rng):
            place = names.place()
            suffix = "街道" if county.urban and rng.random() < 0.7 else rng.choice(["镇", "镇", "镇", "乡"])
            township = FederationRow(
                next(ids), f"{place}{suffix}总工会", FederationKind.TOWNSHIP, county.id, "", county.division
            )
            township.path = f"{county.path}{township.id}/"
            township.cells = region
            townships.append((township, county))
    federations += [t for t, _ in townships]

    zone_counts = _allocate(preset.zones, [len(t.cells) for t, _ in townships], minimum=1)
    zones: list[ZoneRow] = []
    zone_ids = iter(range(1, 10**6))
    for (township, county), count in zip(townships, zone_counts, strict=True):
        short = township.name.removesuffix("总工会")
        regions = _voronoi(township.cells, count, rng)
        for n, region in enumerate(regions):
            label = f"{short}片区" if len(regions) == 1 else f"{short}第{ORDINALS[n % 10]}片区"
            zone = ZoneRow(next(zone_ids), label, township, county, region, lattice.union(region))
            zone.service_centre_address = names.address(county.name.removesuffix("总工会"), short)
            # Unions cluster in the urban districts; the spread keeps zones unequal, as they are.
            zone.weight = len(region) * (3.0 if county.urban else 1.0) * rng.uniform(0.5, 1.5)
            zones.append(zone)

    # Areas bottom-up; a node's area is exactly the union of its children's.
    for township, _ in townships:
        township.area = MultiPolygon(
            [p for z in zones if z.federation is township for p in z.boundary], srid=4326
        ).unary_union
    for county in counties:
        county.area = MultiPolygon(
            [p for t, c in townships if c is county for p in _polygons(t.area)], srid=4326
        ).unary_union
    city.area = MultiPolygon([p for c in counties for p in _polygons(c.area)], srid=4326).unary_union
    for node in federations:
        if node.area is not None and node.area.geom_type == "Polygon":
            node.area = MultiPolygon(node.area, srid=4326)

    unions = _build_unions(preset, rng, names, lattice, zones)
    stations = _build_stations(preset, rng, names, lattice, zones)
    give_stations_their_offer(stations, seed)
    return World(preset, seed, federations, zones, unions, stations)


def _polygons(geometry: GEOSGeometry) -> list[Polygon]:
    return list(geometry) if geometry.geom_type == "MultiPolygon" else [geometry]


def _build_unions(
    preset: Preset, rng: random.Random, names: _Names, lattice: Lattice, zones: list[ZoneRow]
) -> list[UnionRow]:
    sectors, sector_cum = [str(s) for s in SECTOR_WEIGHTS], _cumulative(list(SECTOR_WEIGHTS.values()))
    per_zone = _allocate(preset.unions, [z.weight for z in zones], minimum=1)
    unions: list[UnionRow] = []
    for zone, count in zip(zones, per_zone, strict=True):
        county = zone.county.name.removesuffix("总工会")
        township = zone.federation.name.removesuffix("总工会")
        for _ in range(count):
            serial = len(unions) + 1
            sector = rng.choices(sectors, cum_weights=sector_cum)[0]
            is_joint = rng.random() < 0.15
            if is_joint:
                name = names.unique(
                    lambda t=township: (
                        f"{t}{''.join(rng.sample(PLACE_CHARS, 2))}"
                        + rng.choice(["村联合工会委员会", "工业区联合工会委员会", "商圈联合工会委员会"])
                    )
                )
                weight = rng.lognormvariate(4.3, 0.6)
            else:
                trade = rng.choice(SECTOR_TRADES[sector])
                name = names.unique(
                    lambda trade=trade: f"宁波{''.join(rng.sample(BRAND_CHARS, 2))}{trade}有限公司工会委员会"
                )
                # Most unions are small; a few factories and platforms have thousands of members.
                weight = rng.lognormvariate(4.0, 1.1)
            unions.append(
                UnionRow(
                    id=serial,
                    name=name,
                    credit_code=union_credit_code(zone.federation.division, serial),
                    is_joint=is_joint,
                    zone=zone,
                    sector=sector,
                    address=names.address(county, township),
                    location=lattice.point_in(zone.cells, rng),
                    chair_name=person_name(rng),
                    founded_on=dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(14_600)),
                    size_weight=weight,
                )
            )
    return unions


def _build_stations(
    preset: Preset, rng: random.Random, names: _Names, lattice: Lattice, zones: list[ZoneRow]
) -> list[StationRow]:
    kinds, kind_cum = [str(k) for k in STATION_KIND_WEIGHTS], _cumulative(list(STATION_KIND_WEIGHTS.values()))
    states, state_cum = [str(s) for s in STATION_STATUS_WEIGHTS], _cumulative(list(STATION_STATUS_WEIGHTS.values()))
    per_zone = _allocate(preset.stations, [z.weight for z in zones], minimum=1)
    stations: list[StationRow] = []
    for zone, count in zip(zones, per_zone, strict=True):
        county = zone.county.name.removesuffix("总工会")
        township = zone.federation.name.removesuffix("总工会")
        for n in range(count):
            # Each zone's first station is its service centre.
            kind = str(StationKind.ZONE_SERVICE_CENTRE) if n == 0 else rng.choices(kinds, cum_weights=kind_cum)[0]
            road = names.road()
            name = {
                StationKind.ZONE_SERVICE_CENTRE: f"{zone.name}工会服务中心",
                StationKind.OUTDOOR_WORKER: f"{township}{road}户外劳动者服务站",
                StationKind.SHARED_FUNCTION: f"{township}{road}共享职工之家",
                StationKind.DRIVERS_HOME: f"{township}{road}司机之家",
            }[StationKind(kind)]
            stations.append(
                StationRow(
                    id=len(stations) + 1,
                    name=name,
                    kind=kind,
                    status=str(StationStatus.OPEN) if n == 0 else rng.choices(states, cum_weights=state_cum)[0],
                    zone=zone,
                    address=f"{county}{township}{road}{rng.randint(1, 999)}号",
                    position=lattice.point_in(zone.cells, rng),
                    open_24h=rng.random() < OPEN_24H_SHARE[StationKind(kind)],
                )
            )
    return stations


# --- members ----------------------------------------------------------------------------------

MEMBER_FIELDS = [
    "id",
    "name",
    "name_bigrams",
    "member_number",
    "union_id",
    "zone_id",
    "federation_path",
    "status",
    "occupation",
    "work_form",
    "joined_on",
    "created_at",
    "phone_encrypted",
    "phone_hash",
    "phone_last4",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
]


@dataclass(frozen=True)
class MemberPlan:
    """What a worker needs to generate any batch of members, independently of the others."""

    seed: int
    total: int
    batch_size: int
    union_ids: list[int]
    union_zone_ids: list[int]
    union_paths: list[str]
    union_sectors: list[str]
    union_cum: list[float]

    @classmethod
    def for_world(cls, world: World) -> MemberPlan:
        unions = world.unions
        return cls(
            seed=world.seed,
            total=world.preset.members,
            batch_size=world.preset.batch_size,
            union_ids=[u.id for u in unions],
            union_zone_ids=[u.zone.id for u in unions],
            union_paths=[u.zone.federation.path for u in unions],
            union_sectors=[u.sector for u in unions],
            union_cum=_cumulative([u.size_weight for u in unions]),
        )

    @property
    def batches(self) -> int:
        return -(-self.total // self.batch_size)


# Plain strings (not Choices members) go to COPY.
_OCCUPATION_TABLES = {
    str(sector): ([str(o) for o in weights], _cumulative(list(weights.values())))
    for sector, weights in SECTOR_OCCUPATIONS.items()
}
_STATUSES, _STATUS_CUM = [str(s) for s in STATUS_WEIGHTS], _cumulative(list(STATUS_WEIGHTS.values()))
_NEW_FORM, _FLEXIBLE, _STANDARD = str(WorkForm.NEW_FORM), str(WorkForm.FLEXIBLE), str(WorkForm.STANDARD)
_ACTIVE = str(MemberStatus.ACTIVE)
_NEW_FORM_OCCUPATIONS = {str(o) for o in NEW_FORM_OCCUPATIONS}
_AREAS, _AREA_CUM = list(ID_AREAS), _cumulative(list(ID_AREAS.values()))


def text_array(items: list[str]) -> str:
    """A PostgreSQL array literal: COPY parses it, and it crosses process boundaries far cheaper than a list."""
    return "{" + ",".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items) + "}"


def member_batch(plan: MemberPlan, batch: int) -> tuple[list[tuple[Any, ...]], Counter[int]]:
    """Rows (in MEMBER_FIELDS order) of one batch, and how many active members each union got.

    Values are what COPY needs: dates and the bigram array as their text forms (cheap to pass
    from a worker process), the personal fields as ``Member.set_phone``/``set_id_number`` make them.

    Each batch has its own seeded generator, so batches can be made in any order or process
    and the result is the same. Phone and ID number go through ``unionhub.core.crypto``
    exactly as ``Member.set_phone`` / ``set_id_number`` do; only the AES-GCM nonces differ
    from run to run (they must never repeat).
    """
    rng = random.Random(f"{plan.seed}:members:{batch}")
    first = batch * plan.batch_size
    count = min(plan.batch_size, plan.total - first)
    picks = rng.choices(range(len(plan.union_ids)), cum_weights=plan.union_cum, k=count)
    active: Counter[int] = Counter()
    rows = []
    encrypt, keyed_hash = crypto.encrypt, crypto.keyed_hash
    for offset, u in enumerate(picks):
        index = first + offset
        member_id = index + 1
        name = person_name(rng)
        phone = phone_for(index, rng)
        id_number = id_number_for(index, rng, _AREAS, _AREA_CUM)
        occupations, occupation_cum = _OCCUPATION_TABLES[plan.union_sectors[u]]
        occupation = pick(rng, occupations, occupation_cum)
        if occupation in _NEW_FORM_OCCUPATIONS:
            work_form = _NEW_FORM if rng.random() < 0.8 else _FLEXIBLE
        else:
            work_form = _STANDARD if rng.random() < 0.9 else _FLEXIBLE
        status = pick(rng, _STATUSES, _STATUS_CUM)
        if status == _ACTIVE:
            active[plan.union_ids[u]] += 1
        # Recent years weigh more: the larger of two uniform draws. Records were created on the
        # day of joining, or during the roster import after go-live, between 08:00 and 18:00.
        joined = int(JOIN_DAYS * max(rng.random(), rng.random()))
        seconds = int(36_000 * rng.random())
        created = (
            f"{_JOIN_DATES[max(joined, _GO_LIVE_OFFSET)]} "
            f"{8 + seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}+08:00"
        )
        rows.append(
            (
                member_id,
                name,
                text_array(name_bigrams(name)),
                f"{member_id:010d}",  # as members.actions.do_save_member numbers them
                plan.union_ids[u],
                plan.union_zone_ids[u],
                plan.union_paths[u],
                status,
                occupation,
                work_form,
                _JOIN_DATES[joined],
                created,
                encrypt(phone),
                keyed_hash(phone),
                phone[-4:],
                encrypt(id_number),
                keyed_hash(id_number),
                id_number[:3] + "*" * 11 + id_number[-4:],
            )
        )
    return rows, active
