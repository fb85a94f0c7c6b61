"""The demo data set, as plain data: federations, zones, unions, members, stations and users.

Nothing here touches the database; ``build_plan()`` returns the same plan on every run
(each zone draws from its own generator seeded with ``SEED`` and the zone's key, so adding
a zone or a union elsewhere does not reshuffle the rest). The places and the stories come
from the news reports in the project's domain notes: Ninghai's zones (宁东, 望海, 新梅),
Haishu's 启运 zone on 藕元巷, Beilun's container-truck drivers, Haiyan's 24-hour stations.
Coordinates are WGS-84 (longitude, latitude), drawn around the real town centres.

``loader.py`` writes the plan through the apps' actions.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from members.choices import MemberStatus, Occupation, WorkForm
from stations.choices import Amenity, PartnerKind, ServiceKind, StationKind, StationStatus
from unionhub.core.choices import FederationKind, Role
from unionhub.core.validators import credit_check_character, id_check_character
from zones.choices import Sector

SEED = 20250609
# Every demo account has this password; the command refuses to run with DEBUG off unless forced.
DEMO_PASSWORD = "unionhub-demo"
ADMIN_USERNAME = "admin"
LAST_JOINED = date(2025, 5, 31)  # the demo's "today" for dates in the past

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class FederationSpec:
    key: str
    name: str
    kind: str
    parent: str | None
    area: Ring | None = None  # one outer ring, closed


@dataclass(frozen=True)
class ZoneSpec:
    key: str  # also the first part of its workers' user names
    name: str
    federation: str
    division: str  # administrative division code (行政区划代码) of the county
    place: str  # "宁海县长街镇": the prefix of addresses
    town: str  # "长街镇": the prefix of station names
    roads: tuple[str, ...]
    centre: tuple[float, float] | None = None
    radius: float = 0.0  # degrees of latitude
    sector: str = ""
    service_centre: str = ""  # the address of the zone service centre (片区工会服务站)


@dataclass
class EnterpriseSpec:
    name: str
    credit_code: str
    employees: int


@dataclass
class MemberSpec:
    name: str
    id_number: str
    phone: str
    occupation: str
    work_form: str
    status: str
    joined_on: date


@dataclass
class UnionSpec:
    name: str
    credit_code: str
    federation: str
    zone: str | None  # the zone it lies in (set by hand for sector zones)
    zone_set_by_hand: bool
    sector: str
    address: str
    location: tuple[float, float]
    chair_name: str
    founded_on: date
    is_joint: bool = False
    enterprises: list[EnterpriseSpec] = field(default_factory=list)
    members: list[MemberSpec] = field(default_factory=list)


# (weekdays, opens, closes, runs past midnight); times as "HH:MM"
Hours = tuple[tuple[tuple[int, ...], str, str, bool], ...]


@dataclass
class StationSpec:
    name: str
    kind: str
    federation: str
    zone: str | None  # set explicitly only for a sector zone; otherwise found from the position
    position: tuple[float, float]
    address: str
    open_24h: bool = False
    status: str = StationStatus.OPEN
    hours: Hours = ()
    amenities: tuple[str, ...] = ()
    services: tuple[tuple[str, tuple[int, ...], str], ...] = ()  # (kind, weekdays, note)
    partners: tuple[tuple[str, str, bool], ...] = ()  # (name, kind, is host)


@dataclass(frozen=True)
class UserSpec:
    username: str
    last_name: str
    first_name: str
    federation: str | None  # home federation
    role: str | None  # a Role value; None for the superuser
    nodes: tuple[str, ...] = ()  # federation keys, zone keys, a union or a station name
    mobile: str = ""

    @property
    def is_superuser(self) -> bool:
        return self.role is None


@dataclass
class Plan:
    federations: list[FederationSpec]
    zones: list[ZoneSpec]
    unions: list[UnionSpec]
    stations: list[StationSpec]
    users: list[UserSpec]

    def federation(self, key: str) -> FederationSpec:
        return next(f for f in self.federations if f.key == key)

    def zone(self, key: str) -> ZoneSpec:
        return next(z for z in self.zones if z.key == key)

    def members(self) -> list[tuple[UnionSpec, MemberSpec]]:
        return [(union, member) for union in self.unions for member in union.members]


# --- The federation tree --------------------------------------------------------------------
# Areas are simplified outlines of the real counties and cities: enough for the point-in-area
# checks (every union, station and zone below lies inside), not for surveying.

NINGBO_AREA: Ring = (
    (120.90, 29.50),
    (120.90, 29.80),
    (121.10, 30.25),
    (121.50, 30.40),
    (121.90, 30.10),
    (122.30, 29.95),
    (122.20, 29.50),
    (121.95, 29.05),
    (121.70, 28.85),
    (121.40, 28.95),
    (121.10, 29.10),
    (120.90, 29.50),
)
NINGHAI_AREA: Ring = (
    (121.12, 29.28),
    (121.20, 29.45),
    (121.35, 29.53),
    (121.50, 29.52),
    (121.60, 29.40),
    (121.72, 29.25),
    (121.75, 29.12),
    (121.60, 29.05),
    (121.40, 29.05),
    (121.22, 29.10),
    (121.12, 29.28),
)
HAISHU_AREA: Ring = (
    (121.12, 29.78),
    (121.20, 29.92),
    (121.40, 29.93),
    (121.52, 29.91),
    (121.57, 29.88),
    (121.56, 29.82),
    (121.45, 29.75),
    (121.30, 29.70),
    (121.15, 29.70),
    (121.12, 29.78),
)
BEILUN_AREA: Ring = (
    (121.70, 29.80),
    (121.70, 29.95),
    (121.85, 30.00),
    (122.05, 29.97),
    (122.15, 29.88),
    (122.05, 29.76),
    (121.85, 29.74),
    (121.70, 29.80),
)
JIAXING_AREA: Ring = (
    (120.30, 30.45),
    (120.45, 30.85),
    (120.70, 31.05),
    (121.05, 30.95),
    (121.30, 30.75),
    (121.15, 30.48),
    (120.95, 30.28),
    (120.60, 30.30),
    (120.30, 30.45),
)
HAIYAN_AREA: Ring = (
    (120.75, 30.45),
    (120.80, 30.62),
    (120.95, 30.65),
    (121.05, 30.57),
    (121.02, 30.42),
    (120.88, 30.35),
    (120.75, 30.45),
)

FEDERATIONS = [
    FederationSpec("zhejiang", "浙江省总工会", FederationKind.PROVINCE, None),
    FederationSpec("ningbo", "宁波市总工会", FederationKind.CITY, "zhejiang", NINGBO_AREA),
    FederationSpec("ninghai", "宁海县总工会", FederationKind.COUNTY, "ningbo", NINGHAI_AREA),
    FederationSpec("changjie", "长街镇总工会", FederationKind.TOWNSHIP, "ninghai"),
    FederationSpec("xidian", "西店镇总工会", FederationKind.TOWNSHIP, "ninghai"),
    FederationSpec("meilin", "梅林街道总工会", FederationKind.TOWNSHIP, "ninghai"),
    FederationSpec("haishu", "海曙区总工会", FederationKind.COUNTY, "ningbo", HAISHU_AREA),
    FederationSpec("duantang", "段塘街道总工会", FederationKind.TOWNSHIP, "haishu"),
    FederationSpec("gulin", "古林镇总工会", FederationKind.TOWNSHIP, "haishu"),
    FederationSpec("beilun", "北仑区总工会", FederationKind.COUNTY, "ningbo", BEILUN_AREA),
    FederationSpec("xinqi", "新碶街道总工会", FederationKind.TOWNSHIP, "beilun"),
    FederationSpec("jiaxing", "嘉兴市总工会", FederationKind.CITY, "zhejiang", JIAXING_AREA),
    FederationSpec("haiyan", "海盐县总工会", FederationKind.COUNTY, "jiaxing", HAIYAN_AREA),
    FederationSpec("wuyuan", "武原街道总工会", FederationKind.TOWNSHIP, "haiyan"),
    FederationSpec("wanghaijd", "望海街道总工会", FederationKind.TOWNSHIP, "haiyan"),
]

ZONES = [
    ZoneSpec(
        "ningdong",
        "宁东片区",
        "changjie",
        "330226",
        "宁海县长街镇",
        "长街镇",
        ("长兴路", "宁东路", "振兴路", "海景路", "兴港路"),
        (121.630, 29.180),
        0.035,
        service_centre="宁海县长街镇宁东路58号",
    ),
    ZoneSpec(
        "wanghai",
        "望海片区",
        "xidian",
        "330226",
        "宁海县西店镇",
        "西店镇",
        ("望海路", "樟树路", "西店大道", "香湾路", "崔家路"),
        (121.452, 29.462),
        0.030,
        service_centre="宁海县西店镇望海路126号",
    ),
    ZoneSpec(
        "xinmei",
        "新梅片区",
        "meilin",
        "330226",
        "宁海县梅林街道",
        "梅林街道",
        ("梅林路", "新梅路", "三省路", "兴工路"),
        (121.405, 29.335),
        0.025,
        service_centre="宁海县梅林街道新梅路18号",
    ),
    ZoneSpec(
        "qiyun",
        "启运片区",
        "duantang",
        "330203",
        "宁波市海曙区段塘街道",
        "段塘街道",
        ("藕元巷", "启运路", "环城南路", "段塘路", "南苑街"),
        (121.535, 29.853),
        0.012,
        service_centre="宁波市海曙区段塘街道藕元巷4号",
    ),
    ZoneSpec(
        "gulin",
        "古林片区",
        "gulin",
        "330203",
        "宁波市海曙区古林镇",
        "古林镇",
        ("古林大道", "兰园路", "薛家路", "布政路"),
        (121.430, 29.818),
        0.030,
        service_centre="宁波市海曙区古林镇古林大道10号",
    ),
    ZoneSpec(
        "xinqi",
        "新碶片区",
        "xinqi",
        "330206",
        "宁波市北仑区新碶街道",
        "新碶街道",
        ("明州路", "长江路", "黄山路", "太河路", "新大路"),
        (121.845, 29.905),
        0.025,
        service_centre="宁波市北仑区新碶街道明州路88号",
    ),
    ZoneSpec(
        "jika",
        "集卡物流行业片区",
        "beilun",
        "330206",
        "宁波市北仑区",
        "北仑区",
        ("港城大道", "小港路", "霞浦路", "泰山路"),
        sector=Sector.FREIGHT_LOGISTICS,
        service_centre="宁波市北仑区港城大道集卡停车场",
    ),
    ZoneSpec(
        "wuyuan",
        "武原片区",
        "wuyuan",
        "330424",
        "海盐县武原街道",
        "武原街道",
        ("盐平路", "枣园路", "朝阳路", "百尺路", "海滨路"),
        (120.935, 30.530),
        0.018,
        service_centre="海盐县武原街道朝阳路200号",
    ),
    ZoneSpec(
        "wanghaijd",
        "望海街道片区",
        "wanghaijd",
        "330424",
        "海盐县望海街道",
        "望海街道",
        ("望海路", "长山路", "秦山路", "新桥路"),
        (120.970, 30.497),
        0.017,
        service_centre="海盐县望海街道望海路66号",
    ),
]

# --- Unions -----------------------------------------------------------------------------------
# Per zone: the products of its single-enterprise unions, then its joint and new-form unions.

Joint = tuple[str, str, int, int]  # (union name, sector, enterprises, members)

ZONE_UNIONS: dict[str, tuple[tuple[str, ...], tuple[Joint, ...]]] = {
    "ningdong": (
        ("五金制品", "水产食品", "塑业", "汽车零部件", "电器", "模具"),
        (
            ("长街镇宁东片区小微企业联合工会委员会", Sector.MANUFACTURING, 5, 18),
            ("宁海县长街镇环境卫生管理所工会委员会", Sector.SANITATION, 0, 12),
        ),
    ),
    "wanghai": (
        ("灯具", "电器", "模具", "文具", "机械"),
        (("西店镇望海工业区联合工会委员会", Sector.MANUFACTURING, 4, 16),),
    ),
    "xinmei": (
        ("模具", "文具", "汽车零部件", "电子"),
        (("梅林街道新梅片区联合工会委员会", Sector.MANUFACTURING, 3, 12),),
    ),
    "qiyun": (
        ("汽车服务", "电子商务", "物业服务", "软件科技", "餐饮管理"),
        (
            ("段塘街道启运商圈联合工会委员会", Sector.RETAIL, 5, 15),
            ("海曙区段塘街道外卖骑手联合工会委员会", Sector.FOOD_DELIVERY, 0, 20),
        ),
    ),
    "gulin": (
        ("服饰", "机械", "兰花种植", "文化创意"),
        (("合一生活文创园联合工会委员会", Sector.LIVE_STREAMING, 6, 18),),
    ),
    "xinqi": (
        ("模具", "注塑机械", "电子", "压铸", "港口服务"),
        (("新碶街道小微企业联合工会委员会", Sector.MANUFACTURING, 4, 14),),
    ),
    "jika": (
        ("国际物流", "集装箱运输"),
        (("北仑区集卡司机联合工会委员会", Sector.FREIGHT_LOGISTICS, 4, 24),),
    ),
    "wuyuan": (
        ("紧固件", "标准件", "食品", "电子"),
        (
            ("海盐县武原街道快递行业联合工会委员会", Sector.EXPRESS_DELIVERY, 4, 18),
            ("海盐县新就业形态劳动者联合工会委员会", Sector.FOOD_DELIVERY, 0, 22),
        ),
    ),
    "wanghaijd": (
        ("紧固件", "建材", "电子"),
        (("望海街道小微企业联合工会委员会", Sector.MANUFACTURING, 3, 12),),
    ),
}

PRODUCT_SECTOR = {
    "水产食品": Sector.AGRICULTURE,
    "兰花种植": Sector.AGRICULTURE,
    "食品": Sector.MANUFACTURING,
    "汽车服务": Sector.RETAIL,
    "电子商务": Sector.LIVE_STREAMING,
    "物业服务": Sector.PUBLIC_SERVICE,
    "软件科技": Sector.OTHER,
    "餐饮管理": Sector.RETAIL,
    "文化创意": Sector.OTHER,
    "港口服务": Sector.FREIGHT_LOGISTICS,
    "国际物流": Sector.FREIGHT_LOGISTICS,
    "集装箱运输": Sector.FREIGHT_LOGISTICS,
    "建材": Sector.CONSTRUCTION,
}

BRAND_NAMES = (
    "东升 欣源 华盛 永腾 嘉禾 博远 立诚 金盛 天翔 鑫达 瑞祥 宝利 明辉 康力 佳乐 润泽 远航 "
    "凯润 恒泰 海帆 兴宁 德隆 汇丰 新锐 中柏 昌盛 伟业 联众 宏宇 锦程 泰和 振东 信达 长青 甬鑫"
)
BRANDS = BRAND_NAMES.split()
SMALL_FIRMS = ("五金加工厂", "服装店", "汽修厂", "餐馆", "电子商务商行", "包装材料厂", "塑料制品厂", "物流有限公司")

# Unions of the county with no zone (the county seat is not zoned in the demo).
COUNTY_UNIONS = [
    (
        "宁海县第一医院工会委员会",
        "ninghai",
        "330226",
        Sector.PUBLIC_SERVICE,
        "宁海县跃龙街道桃源北路",
        (121.428, 29.292),
    ),
]

# --- People -----------------------------------------------------------------------------------

SURNAMES = (
    "王王王陈陈陈张张李李周周徐徐林林胡胡叶叶应应邬竺俞孙孙鲍葛舒卢杨黄赵吴朱何郭马罗梁宋郑谢韩唐冯"
    "董萧程曹袁邓许傅沈曾彭吕苏蒋蔡贾丁魏薛余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
MALE_CHARS = "伟强磊军洋勇杰涛明超刚建文斌波宇浩凯辉鹏飞俊峰晨鑫亮龙海国荣志新林彬斌振东华成立祥兵坤"
FEMALE_CHARS = "芳娜敏静丽艳娟秀霞平桂英玲红婷雪琳佳怡欣梅兰燕丹萍晓春云蕾倩莉慧颖洁琴芬露娅"
# Where members were born: the county itself and the provinces most migrant workers come from.
BIRTHPLACES = (
    ("local", 6),
    ("330282", 1),  # 慈溪市
    ("330283", 1),  # 奉化区
    ("341221", 2),  # 临泉县 (安徽)
    ("411522", 2),  # 光山县 (河南)
    ("362330", 1),  # 鄱阳县 (江西)
    ("510922", 1),  # 射洪县 (四川)
    ("522422", 2),  # 大方县 (贵州)
    ("431023", 1),  # 永兴县 (湖南)
)
PHONE_PREFIX_LIST = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 "
    "157 158 159 177 180 181 182 183 185 186 187 188 189 199"
)
PHONE_PREFIXES = PHONE_PREFIX_LIST.split()

SECTOR_OCCUPATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    Sector.MANUFACTURING: (
        (Occupation.FACTORY_WORKER, WorkForm.STANDARD),
        (Occupation.FACTORY_WORKER, WorkForm.STANDARD),
        (Occupation.FACTORY_WORKER, WorkForm.STANDARD),
        (Occupation.TECHNICIAN, WorkForm.STANDARD),
        (Occupation.OFFICE_WORKER, WorkForm.STANDARD),
    ),
    Sector.FOOD_DELIVERY: ((Occupation.DELIVERY_RIDER, WorkForm.NEW_FORM),),
    Sector.EXPRESS_DELIVERY: ((Occupation.COURIER, WorkForm.NEW_FORM), (Occupation.COURIER, WorkForm.STANDARD)),
    Sector.FREIGHT_LOGISTICS: (
        (Occupation.TRUCK_DRIVER, WorkForm.NEW_FORM),
        (Occupation.TRUCK_DRIVER, WorkForm.STANDARD),
    ),
    Sector.LIVE_STREAMING: (
        (Occupation.LIVE_STREAMER, WorkForm.NEW_FORM),
        (Occupation.OFFICE_WORKER, WorkForm.STANDARD),
        (Occupation.SERVICE_WORKER, WorkForm.FLEXIBLE),
    ),
    Sector.SANITATION: ((Occupation.SANITATION_WORKER, WorkForm.STANDARD),),
    Sector.RETAIL: ((Occupation.SERVICE_WORKER, WorkForm.STANDARD), (Occupation.SERVICE_WORKER, WorkForm.FLEXIBLE)),
    Sector.PUBLIC_SERVICE: (
        (Occupation.SERVICE_WORKER, WorkForm.STANDARD),
        (Occupation.OFFICE_WORKER, WorkForm.STANDARD),
    ),
    Sector.AGRICULTURE: ((Occupation.FACTORY_WORKER, WorkForm.STANDARD), (Occupation.OTHER, WorkForm.FLEXIBLE)),
    Sector.CONSTRUCTION: ((Occupation.FACTORY_WORKER, WorkForm.STANDARD), (Occupation.OTHER, WorkForm.FLEXIBLE)),
    Sector.OTHER: ((Occupation.OFFICE_WORKER, WorkForm.STANDARD), (Occupation.TECHNICIAN, WorkForm.STANDARD)),
}

# Real people named in the news reports, put where the reports put them.
NAMED_MEMBERS = {
    "海盐县新就业形态劳动者联合工会委员会": "赵俊",  # the Meituan rider resting at the 24-hour station
}

# --- Stations ---------------------------------------------------------------------------------

STATION_HOSTS = ("便民服务中心", "银行网点", "加油站", "邮政支局", "社区服务中心", "快递网点", "公交场站", "便利店")
HOST_KINDS = {
    "便民服务中心": PartnerKind.GOVERNMENT,
    "银行网点": PartnerKind.BANK,
    "社区服务中心": PartnerKind.GOVERNMENT,
}
ALL_WEEK = (0, 1, 2, 3, 4, 5, 6)
WEEKDAYS = (0, 1, 2, 3, 4)
OFFICE_HOURS: Hours = ((WEEKDAYS, "08:30", "17:30", False), ((5,), "09:00", "12:00", False))
DAY_HOURS: Hours = ((ALL_WEEK, "07:00", "21:00", False),)
# A station at a petrol station stays open for the night shift, until 02:00.
LATE_HOURS: Hours = ((ALL_WEEK, "06:00", "02:00", True),)
BASIC_AMENITIES = (Amenity.WATER, Amenity.HOT_WATER, Amenity.CHARGING, Amenity.REST_SEATS)
FULL_AMENITIES = (
    *BASIC_AMENITIES,
    Amenity.MICROWAVE,
    Amenity.TOILET,
    Amenity.AIR_CONDITIONING,
    Amenity.FIRST_AID,
    Amenity.WIFI,
)
EXTRA_AMENITIES = (Amenity.MICROWAVE, Amenity.TOILET, Amenity.AIR_CONDITIONING, Amenity.FIRST_AID, Amenity.WIFI)
CENTRE_SERVICES = (
    (ServiceKind.LEGAL_AID, (4,), "工会律师驻站，14:00–17:00"),
    (ServiceKind.HEALTH_CHECK, (2,), "每月第一个周三上午量血压、测血糖"),
    (ServiceKind.HAIRCUT, (2,), "志愿者义剪，9:00–11:00"),
)

# Extra stations named in the reports (zone key or None, name, kind, offset from the zone centre, 24h).
NAMED_STATIONS: tuple[tuple[str, str, str, tuple[float, float], bool], ...] = (
    ("wuyuan", "武原街道24小时户外劳动者服务站点", StationKind.OUTDOOR_WORKER, (0.004, -0.003), True),
    (
        "wanghaijd",
        "望海街道户外劳动者服务站点（民意建议本·心愿墙）",
        StationKind.OUTDOOR_WORKER,
        (-0.003, 0.004),
        False,
    ),
    ("qiyun", "启运片区共享健身房（共享功能站）", StationKind.SHARED_FUNCTION, (0.003, 0.002), False),
    ("gulin", "合一生活文创园“工创家+10号”职工服务中心", StationKind.SHARED_FUNCTION, (-0.006, 0.005), False),
    ("ningdong", "长街镇24小时爱心驿站", StationKind.OUTDOOR_WORKER, (0.006, 0.004), True),
    ("xinqi", "新碶街道24小时户外劳动者服务站点", StationKind.OUTDOOR_WORKER, (0.005, -0.004), True),
)
# The station whose use the demo shows (a month of check-ins): the 24-hour one on 武原's main road.
CHECK_IN_STATION = "武原街道24小时户外劳动者服务站点"
# Haiyan: "113 stations, nine of them open 24 hours" (24小时不打烊). With the named 武原 station
# above, these make the demo's nine, at the hosts that keep night hours (zone key, host, offset).
HAIYAN_24H_HOSTS: tuple[tuple[str, str, PartnerKind, tuple[float, float]], ...] = (
    ("wuyuan", "中石化盐平路加油站", PartnerKind.ENTERPRISE, (-0.006, 0.004)),
    ("wuyuan", "海盐县人民医院", PartnerKind.GOVERNMENT, (0.008, 0.006)),
    ("wuyuan", "武原派出所", PartnerKind.GOVERNMENT, (-0.004, -0.007)),
    ("wuyuan", "顺丰速运海盐分拨中心", PartnerKind.ENTERPRISE, (0.010, -0.002)),
    ("wuyuan", "海盐农商银行城东支行", PartnerKind.BANK, (0.002, 0.009)),
    ("wanghaijd", "中石油望海路加油站", PartnerKind.ENTERPRISE, (0.005, 0.003)),
    ("wanghaijd", "美团外卖海盐站点", PartnerKind.ENTERPRISE, (-0.006, -0.004)),
    ("wanghaijd", "望海街道便民服务中心", PartnerKind.GOVERNMENT, (0.002, -0.008)),
)
DRIVERS_HOME = StationSpec(
    name="北仑区集卡停车场工会驿站（司机之家）",
    kind=StationKind.DRIVERS_HOME,
    federation="beilun",
    zone="jika",
    position=(121.905, 29.928),
    address="宁波市北仑区港城大道集卡停车场",
    open_24h=True,
    amenities=(*FULL_AMENITIES, Amenity.BOOKS),
    services=((ServiceKind.REPAIR, (5, 6), "车辆简易维修、轮胎充气"),),
    partners=(("北仑区总工会", PartnerKind.UNION, False), ("宁波舟山港集卡停车场", PartnerKind.ENTERPRISE, True)),
)
COUNTY_STATION = StationSpec(
    name="宁海县跃龙街道工会驿站",
    kind=StationKind.OUTDOOR_WORKER,
    federation="ninghai",
    zone=None,
    position=(121.432, 29.289),
    address="宁海县跃龙街道兴宁中路",
    hours=DAY_HOURS,
    amenities=BASIC_AMENITIES,
    partners=(("宁海县总工会", PartnerKind.UNION, True),),
)

# --- Users ------------------------------------------------------------------------------------
# (username, last name, first name, home federation, role, nodes)

USERS: tuple[tuple[str, str, str, str | None, str | None, tuple[str, ...]], ...] = (
    (ADMIN_USERNAME, "", "", None, None, ()),
    ("ningbo_staff", "陈", "晓燕", "ningbo", Role.FEDERATION_STAFF, ("ningbo",)),
    ("ninghai_staff", "王", "丽君", "ninghai", Role.FEDERATION_STAFF, ("ninghai",)),
    ("ninghai_leader", "胡", "建国", "ninghai", Role.LEADERSHIP, ("ninghai",)),
    ("haishu_staff", "叶", "敏", "haishu", Role.FEDERATION_STAFF, ("haishu",)),
    ("beilun_staff", "应", "海波", "beilun", Role.FEDERATION_STAFF, ("beilun",)),
    ("haiyan_staff", "沈", "佳怡", "haiyan", Role.FEDERATION_STAFF, ("haiyan",)),
    ("haiyan_leader", "顾", "振华", "haiyan", Role.LEADERSHIP, ("haiyan",)),
    ("ningdong_chief", "周", "志刚", "changjie", Role.ZONE_CHIEF, ("ningdong",)),
    ("ningdong_social", "葛", "晓萍", "changjie", Role.ZONE_SOCIAL_WORKER, ("ningdong",)),
    ("ningdong_aux", "邬", "国荣", "changjie", Role.ZONE_AUXILIARY, ("ningdong",)),
    ("wanghai_chief", "俞", "建华", "xidian", Role.ZONE_CHIEF, ("wanghai",)),
    ("wanghai_social", "林", "婷", "xidian", Role.ZONE_SOCIAL_WORKER, ("wanghai",)),
    ("xinmei_chief", "舒", "立新", "meilin", Role.ZONE_CHIEF, ("xinmei",)),
    ("ninghai_instructor", "竺", "文斌", "ninghai", Role.ZONE_INSTRUCTOR, ("ningdong", "wanghai", "xinmei")),
    ("qiyun_chief", "孙", "伟民", "duantang", Role.ZONE_CHIEF, ("qiyun",)),
    ("qiyun_social", "徐", "小英", "duantang", Role.ZONE_SOCIAL_WORKER, ("qiyun",)),
    ("gulin_chief", "鲍", "春华", "gulin", Role.ZONE_CHIEF, ("gulin",)),
    ("xinqi_chief", "李", "海军", "xinqi", Role.ZONE_CHIEF, ("xinqi",)),
    ("jika_chief", "张", "鹏飞", "beilun", Role.ZONE_CHIEF, ("jika",)),
    ("wuyuan_chief", "朱", "国平", "wuyuan", Role.ZONE_CHIEF, ("wuyuan",)),
    ("wuyuan_social", "钱", "丽娟", "wuyuan", Role.ZONE_SOCIAL_WORKER, ("wuyuan",)),
    ("wanghaijd_chief", "姚", "明", "wanghaijd", Role.ZONE_CHIEF, ("wanghaijd",)),
    ("wuyuan_keeper", "吴", "秀英", "wuyuan", Role.STATION_KEEPER, ("武原街道24小时户外劳动者服务站点",)),
    ("beilun_keeper", "邵", "建军", "beilun", Role.STATION_KEEPER, ("北仑区集卡停车场工会驿站（司机之家）",)),
    ("ningdong_union_chair", "应", "雪芬", "changjie", Role.UNION_CHAIR, ("",)),  # chair of the zone's first union
)


# --- Identifiers ------------------------------------------------------------------------------


def organisation_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714): eight digits and its check character."""
    body = f"{rng.randrange(10**7, 10**8)}"
    remainder = 11 - sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(remainder, str(remainder))


def credit_code(rng: random.Random, registrar: str, division: str) -> str:
    """A unified social credit code (GB 32100): 81 for a trade union, 91 for an enterprise."""
    body = registrar + division + organisation_code(rng)
    return body + credit_check_character(body)


def id_number(rng: random.Random, birthplace: str, *, male: bool) -> str:
    """A resident ID number (GB 11643) of someone born 1966–2003, with its check digit."""
    born = date(1966, 1, 1) + timedelta(days=rng.randrange(0, 38 * 365))
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd for men, even for women
    body = f"{birthplace}{born:%Y%m%d}{sequence:03d}"
    return body + id_check_character(body)


def phone_number(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"


def person_name(rng: random.Random, *, male: bool) -> str:
    chars = MALE_CHARS if male else FEMALE_CHARS
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


# --- Geometry ---------------------------------------------------------------------------------


def boundary_ring(centre: tuple[float, float], radius: float, rng: random.Random) -> Ring:
    """A town-shaped (star-shaped, so never self-crossing) ring of ten points around ``centre``."""
    lon, lat = centre
    stretch = 1 / math.cos(math.radians(lat))  # a degree of longitude is shorter than one of latitude
    points = []
    for step in range(10):
        angle = 2 * math.pi * step / 10 + rng.uniform(-0.15, 0.15)
        r = radius * rng.uniform(0.8, 1.15)
        points.append((round(lon + r * stretch * math.cos(angle), 5), round(lat + r * math.sin(angle), 5)))
    return (*points, points[0])


def point_near(centre: tuple[float, float], radius: float, rng: random.Random) -> tuple[float, float]:
    """A point well inside the zone drawn around ``centre`` (at most 60% of the smallest radius)."""
    lon, lat = centre
    angle, r = rng.uniform(0, 2 * math.pi), radius * 0.6 * math.sqrt(rng.random())
    stretch = 1 / math.cos(math.radians(lat))
    return round(lon + r * stretch * math.cos(angle), 6), round(lat + r * math.sin(angle), 6)


# --- The plan ---------------------------------------------------------------------------------


class _Unique:
    """Draws values until one is new: identifiers stay unique across the whole plan."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, draw: Any) -> str:
        value = draw()
        while value in self.seen:
            value = draw()
        self.seen.add(value)
        return value


def _members(
    rng: random.Random, unique: _Unique, zone: ZoneSpec, sector: str, count: int, founded: date
) -> list[MemberSpec]:
    jobs = SECTOR_OCCUPATIONS.get(sector, SECTOR_OCCUPATIONS[Sector.OTHER])
    places = [zone.division if p == "local" else p for p, weight in BIRTHPLACES for _copy in range(weight)]
    members = []
    for _member in range(count):
        male = rng.random() < (0.85 if sector in (Sector.FOOD_DELIVERY, Sector.FREIGHT_LOGISTICS) else 0.55)
        occupation, work_form = rng.choice(jobs)
        place = rng.choice(places)
        status = rng.choices(
            [MemberStatus.ACTIVE, MemberStatus.APPLIED, MemberStatus.LAPSED, MemberStatus.TRANSFERRED],
            weights=[90, 5, 3, 2],
        )[0]
        name = person_name(rng, male=male)
        number = unique(lambda place=place, male=male: id_number(rng, place, male=male))
        adult = date(int(number[6:10]) + 18, int(number[10:12]), min(int(number[12:14]), 28))
        start = max(founded, date(2015, 1, 1), adult)  # nobody joins before they are 18
        joined = start + timedelta(days=rng.randrange(0, max(1, (LAST_JOINED - start).days)))
        members.append(
            MemberSpec(
                name=name,
                id_number=number,
                phone=unique(lambda: phone_number(rng)),
                occupation=occupation,
                work_form=work_form,
                status=status,
                joined_on=joined,
            )
        )
    return members


def _address(rng: random.Random, zone: ZoneSpec) -> str:
    return f"{zone.place}{rng.choice(zone.roads)}{rng.randrange(1, 399)}号"


def _zone_unions(zone: ZoneSpec, unique: _Unique) -> list[UnionSpec]:
    rng = random.Random(f"{SEED}:{zone.key}:unions")
    products, joints = ZONE_UNIONS[zone.key]
    county = zone.place[:3]  # 宁海县, 宁波市 or 海盐县
    prefix = county if county != "宁波市" else "宁波"
    brands = rng.sample(BRANDS, len(products) + 6)
    unions = []

    def location() -> tuple[float, float]:
        if zone.centre is not None:
            return point_near(zone.centre, zone.radius, rng)
        # A sector zone has no boundary: its unions sit around the port in Beilun.
        return point_near((121.88, 29.92), 0.03, rng)

    def chair() -> str:
        return person_name(rng, male=rng.random() < 0.6)

    for product, brand in zip(products, brands, strict=False):
        sector: str = PRODUCT_SECTOR.get(product, Sector.MANUFACTURING)
        founded = date(2003, 1, 1) + timedelta(days=rng.randrange(0, 20 * 365))
        company = f"{prefix}{brand}{product}有限公司"
        employees = rng.randrange(30, 420)
        union = UnionSpec(
            name=f"{company}工会委员会",
            credit_code=unique(lambda: credit_code(rng, "81", zone.division)),
            federation=zone.federation,
            zone=zone.key,
            zone_set_by_hand=zone.centre is None,
            sector=sector,
            address=_address(rng, zone),
            location=location(),
            chair_name=chair(),
            founded_on=founded,
            enterprises=[EnterpriseSpec(company, unique(lambda: credit_code(rng, "91", zone.division)), employees)],
        )
        union.members = _members(rng, unique, zone, sector, rng.randrange(4, 13), founded)
        unions.append(union)

    for name, sector, firms, size in joints:
        founded = date(2016, 1, 1) + timedelta(days=rng.randrange(0, 7 * 365))
        enterprises = [
            EnterpriseSpec(
                f"{zone.place}{brand}{rng.choice(SMALL_FIRMS)}",
                unique(lambda: credit_code(rng, "91", zone.division)),
                rng.randrange(3, 40),
            )
            for brand in brands[len(products) : len(products) + firms]
        ]
        union = UnionSpec(
            name=name,
            credit_code=unique(lambda: credit_code(rng, "81", zone.division)),
            federation=zone.federation,
            zone=zone.key,
            zone_set_by_hand=zone.centre is None,
            sector=sector,
            address=_address(rng, zone),
            location=location(),
            chair_name=chair(),
            founded_on=founded,
            is_joint=bool(firms),
            enterprises=enterprises,
        )
        union.members = _members(rng, unique, zone, sector, size, founded)
        if name in NAMED_MEMBERS:
            union.members[0].name = NAMED_MEMBERS[name]
        unions.append(union)
    return unions


def _county_unions(unique: _Unique) -> list[UnionSpec]:
    rng = random.Random(f"{SEED}:county-unions")
    unions = []
    for name, federation, division, sector, address, position in COUNTY_UNIONS:
        founded = date(1995, 5, 1)
        pseudo_zone = ZoneSpec("", "", federation, division, "", "", ())
        union = UnionSpec(
            name=name,
            credit_code=unique(lambda division=division: credit_code(rng, "81", division)),
            federation=federation,
            zone=None,
            zone_set_by_hand=False,
            sector=sector,
            address=address,
            location=position,
            chair_name=person_name(rng, male=False),
            founded_on=founded,
        )
        union.members = _members(rng, unique, pseudo_zone, sector, 10, founded)
        unions.append(union)
    return unions


def _union_of(zone: ZoneSpec) -> str:
    return next(f.name for f in FEDERATIONS if f.key == zone.federation)


def _stations() -> list[StationSpec]:
    stations = []
    for zone in ZONES:
        if zone.centre is None:
            continue
        rng = random.Random(f"{SEED}:{zone.key}:stations")
        lon, lat = zone.centre
        union = _union_of(zone)
        stations.append(
            StationSpec(
                name=f"{zone.name}工会服务站",
                kind=StationKind.ZONE_SERVICE_CENTRE,
                federation=zone.federation,
                zone=None,
                position=(round(lon + 0.0015, 6), round(lat - 0.001, 6)),
                address=zone.service_centre,
                hours=OFFICE_HOURS,
                amenities=(*FULL_AMENITIES, Amenity.BOOKS),
                services=CENTRE_SERVICES,
                partners=((union, PartnerKind.UNION, True),),
            )
        )
        for host in rng.sample(STATION_HOSTS, 2):
            extra = tuple(a for a in EXTRA_AMENITIES if rng.random() < 0.5)
            stations.append(
                StationSpec(
                    name=f"{zone.town}{host}工会驿站",
                    kind=StationKind.OUTDOOR_WORKER,
                    federation=zone.federation,
                    zone=None,
                    position=point_near(zone.centre, zone.radius, rng),
                    address=_address(rng, zone),
                    status=StationStatus.SUSPENDED if host == "公交场站" else StationStatus.OPEN,
                    hours=LATE_HOURS if host == "加油站" else DAY_HOURS,
                    amenities=(*BASIC_AMENITIES, *extra),
                    partners=(
                        (f"{zone.town}{host}", HOST_KINDS.get(host, PartnerKind.ENTERPRISE), True),
                        (union, PartnerKind.UNION, False),
                    ),
                )
            )
    for zone_key, name, kind, (dlon, dlat), open_24h in NAMED_STATIONS:
        zone = next(z for z in ZONES if z.key == zone_key)
        assert zone.centre is not None
        rng = random.Random(f"{SEED}:{name}")
        stations.append(
            StationSpec(
                name=name,
                kind=kind,
                federation=zone.federation,
                zone=None,
                position=(round(zone.centre[0] + dlon, 6), round(zone.centre[1] + dlat, 6)),
                address=zone.service_centre if kind == StationKind.SHARED_FUNCTION else _address(rng, zone),
                open_24h=open_24h,
                hours=() if open_24h else DAY_HOURS,
                amenities=FULL_AMENITIES if open_24h else BASIC_AMENITIES,
                services=((ServiceKind.HAIRCUT, (2,), "志愿者义剪，9:00–11:00"),) if open_24h else (),
                partners=((_union_of(zone), PartnerKind.UNION, True),),
            )
        )
    for zone_key, host, host_kind, (dlon, dlat) in HAIYAN_24H_HOSTS:
        zone = next(z for z in ZONES if z.key == zone_key)
        assert zone.centre is not None
        rng = random.Random(f"{SEED}:{host}")
        stations.append(
            StationSpec(
                name=f"{host}24小时工会驿站",
                kind=StationKind.OUTDOOR_WORKER,
                federation=zone.federation,
                zone=None,
                position=(round(zone.centre[0] + dlon, 6), round(zone.centre[1] + dlat, 6)),
                address=_address(rng, zone),
                open_24h=True,
                amenities=FULL_AMENITIES,
                partners=((host, host_kind, True), (_union_of(zone), PartnerKind.UNION, False)),
            )
        )
    stations += [DRIVERS_HOME, COUNTY_STATION]
    return stations


def _users(unions: list[UnionSpec]) -> list[UserSpec]:
    rng = random.Random(f"{SEED}:users")
    first_union = next(u for u in unions if u.zone == "ningdong")
    users = []
    for username, last, first, federation, role, nodes in USERS:
        if role == Role.UNION_CHAIR:
            nodes = (first_union.credit_code,)
            first_union.chair_name = last + first
        users.append(UserSpec(username, last, first, federation, role, nodes, mobile=phone_number(rng)))
    return users


@functools.cache
def build_plan() -> Plan:
    """The whole demo, the same on every call and every machine."""
    unique = _Unique()
    unions = [union for zone in ZONES for union in _zone_unions(zone, unique)] + _county_unions(unique)
    return Plan(
        federations=list(FEDERATIONS),
        zones=list(ZONES),
        unions=unions,
        stations=_stations(),
        users=_users(unions),
    )


def scope_description(spec: UserSpec, plan: Plan) -> str:
    """What the user can see, in words, for the table of demo log-ins."""
    names = {f.key: f.name for f in plan.federations} | {z.key: z.name for z in plan.zones}
    if spec.is_superuser:
        return _("Everything (system administrator)")
    nodes = "、".join(names.get(node, node) for node in spec.nodes)
    if spec.role == Role.FEDERATION_STAFF:
        return _("All of {node} and below: view and edit").format(node=nodes)
    if spec.role == Role.LEADERSHIP:
        return _("All of {node} and below: view, export, approve; no editing").format(node=nodes)
    if spec.role == Role.STATION_KEEPER:
        return _("Station {station} only").format(station=nodes)
    if spec.role == Role.UNION_CHAIR:
        union = next(u.name for u in plan.unions if u.credit_code == spec.nodes[0])
        return _("Union {union} only: its details and members").format(union=union)
    return _("Zone {zone}: its unions, members and stations").format(zone=nodes)
