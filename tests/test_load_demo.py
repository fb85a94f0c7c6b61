"""`manage.py load_demo`: the demo loads once, reloads as a no-op, and every role sees its own part."""

from __future__ import annotations

import random
from dataclasses import replace
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from members.models import Member
from stations.models import Station, StationKeeper
from unionhub.core.choices import Action, Role
from unionhub.core.models import Federation, RoleAssignment, User
from unionhub.core.validators import (
    validate_credit_code,
    validate_id_number,
    validate_phone,
    validate_union_credit_code,
)
from unionhub.demo.demo_data import DEMO_PASSWORD, build_plan, credit_code, id_number
from unionhub.demo.loader import Loader
from zones.models import Enterprise, GrassrootsUnion, UnionChair, Zone, ZoneStaff

pytestmark = pytest.mark.django_db

PLAN = build_plan()
MODELS = [Federation, Zone, GrassrootsUnion, Enterprise, Station, Member, User, RoleAssignment, ZoneStaff]


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", force=True, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def user(username: str) -> User:
    return User.objects.get(username=username)


def federations_under(key: str) -> set[str]:
    keys = {key}
    for spec in PLAN.federations:  # parents come before their children
        if spec.parent in keys:
            keys.add(spec.key)
    return keys


def planned_codes(*, zones: set[str] | None = None, federations: set[str] | None = None) -> set[str]:
    return {
        u.credit_code
        for u in PLAN.unions
        if (zones is None or u.zone in zones) and (federations is None or u.federation in federations)
    }


def visible_codes(username: str, action: str = Action.VIEW) -> set[str]:
    return set(GrassrootsUnion.objects.restrict(user(username), action).values_list("credit_code", flat=True))


def test_the_demo_loads_every_planned_row(demo):
    assert Federation.objects.filter(name__in=[f.name for f in PLAN.federations]).count() == len(PLAN.federations)
    assert Zone.objects.count() == len(PLAN.zones)
    assert GrassrootsUnion.objects.count() == len(PLAN.unions) >= 40
    assert Enterprise.objects.count() == sum(len(u.enterprises) for u in PLAN.unions)
    assert Station.objects.count() == len(PLAN.stations)
    assert Member.objects.count() == len(PLAN.members()) >= 300
    assert GrassrootsUnion.objects.filter(is_joint=True, enterprises__isnull=False).distinct().count() >= 5
    assert "ningdong_chief" in demo and DEMO_PASSWORD in demo


def test_a_second_load_changes_nothing(demo, django_assert_max_num_queries):
    before = counts()
    out = StringIO()

    # One look per area at what an earlier load left (zones, stations, members, activities, grievances, aid…).
    with django_assert_max_num_queries(29), translation.override("en"):
        call_command("load_demo", force=True, stdout=out)

    assert counts() == before
    assert "nothing changed" in out.getvalue()
    assert not Loader().load()


def test_it_refuses_to_run_with_debug_off(demo):
    before = counts()

    with pytest.raises(CommandError, match="DEBUG"), translation.override("en"):
        call_command("load_demo", stdout=StringIO())

    assert counts() == before


def test_reset_reloads_the_demo_and_keeps_other_rows(demo):
    before = counts()
    old_union_ids = set(GrassrootsUnion.objects.values_list("id", flat=True))
    town = Federation.objects.get(name="长街镇总工会")
    own_zone = Zone.objects.create(name="自建片区", federation=town)

    call_command("load_demo", reset=True, force=True, stdout=StringIO(), verbosity=0)

    assert Zone.objects.filter(pk=own_zone.pk).exists()
    assert Federation.objects.filter(pk=town.pk).exists()  # still used by someone's own zone
    assert counts() == {**before, "Zone": before["Zone"] + 1}
    assert not old_union_ids & set(GrassrootsUnion.objects.values_list("id", flat=True))


def test_reset_also_removes_what_an_older_demo_wrote(demo):
    rng = random.Random(1)
    first = PLAN.unions[0]
    retired = replace(
        first,
        name="宁海县旧版演示五金厂工会委员会",
        credit_code=credit_code(rng, "81", "330226"),
        enterprises=[],
        members=[replace(first.members[0], id_number=id_number(rng, "330226", male=True), phone="13900000001")],
    )
    with translation.override("en"):
        assert Loader(replace(PLAN, unions=[*PLAN.unions, retired])).load() == {"grassroots unions": 1, "members": 1}

    call_command("load_demo", reset=True, force=True, stdout=StringIO(), verbosity=0)

    assert not GrassrootsUnion.objects.filter(credit_code=retired.credit_code).exists()
    assert Member.objects.count() == len(PLAN.members())


def test_the_plan_is_the_same_on_every_build():
    assert build_plan.__wrapped__() == build_plan.__wrapped__()


def test_every_role_has_a_demo_user_who_can_sign_in(demo):
    held = (
        set(RoleAssignment.objects.values_list("role", flat=True))
        | set(ZoneStaff.objects.values_list("role", flat=True))
        | set(UnionChair.objects.values_list("role", flat=True))
        | set(StationKeeper.objects.values_list("role", flat=True))
    )
    assert held == set(Role.values)
    for spec in PLAN.users:
        account = user(spec.username)
        assert account.is_staff and account.is_active
        assert account.check_password(DEMO_PASSWORD)
    assert user("admin").is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()


def test_the_list_of_log_ins_names_every_account(demo):
    out = StringIO()

    with translation.override("en"):
        call_command("load_demo", list_users=True, stdout=out)

    text = out.getvalue()
    assert all(spec.username in text for spec in PLAN.users)
    assert text.count(DEMO_PASSWORD) == len(PLAN.users)
    assert "Zone 宁东片区、望海片区、新梅片区" in text  # what the instructor sees
    assert "Not loaded yet" not in text


def test_a_zone_chief_sees_only_their_zone(demo):
    chief = user("ningdong_chief")
    ningdong = Zone.objects.get(name="宁东片区")

    assert visible_codes("ningdong_chief") == planned_codes(zones={"ningdong"})
    assert visible_codes("ningdong_chief") != set()
    assert set(Member.objects.restrict(chief, Action.VIEW).values_list("zone_id", flat=True)) == {ningdong.pk}
    assert Member.objects.restrict(chief, Action.VIEW).count() == sum(
        len(u.members) for u in PLAN.unions if u.zone == "ningdong"
    )
    stations = Station.objects.restrict(chief, Action.VIEW)
    assert stations.count() >= 4
    assert set(stations.values_list("zone_id", flat=True)) == {ningdong.pk}
    assert not Zone.objects.restrict(chief, Action.VIEW).exclude(pk=ningdong.pk).exists()


def test_zone_workers_and_the_instructor_see_their_zones(demo):
    assert visible_codes("ningdong_social") == visible_codes("ningdong_aux") == planned_codes(zones={"ningdong"})
    assert visible_codes("qiyun_social") == planned_codes(zones={"qiyun"})
    assert visible_codes("jika_chief") == planned_codes(zones={"jika"})
    assert visible_codes("ninghai_instructor") == planned_codes(zones={"ningdong", "wanghai", "xinmei"})


def test_county_staff_see_their_county_and_nothing_else(demo):
    ninghai = planned_codes(federations=federations_under("ninghai"))

    assert visible_codes("ninghai_staff") == visible_codes("ninghai_staff", Action.CHANGE) == ninghai
    assert "宁海县第一医院工会委员会" in GrassrootsUnion.objects.filter(credit_code__in=ninghai).values_list(
        "name", flat=True
    )
    assert visible_codes("haiyan_staff") == planned_codes(federations=federations_under("haiyan"))
    assert not visible_codes("haishu_staff") & ninghai


def test_leadership_views_the_county_but_changes_nothing(demo):
    assert visible_codes("ninghai_leader") == planned_codes(federations=federations_under("ninghai"))
    assert visible_codes("ninghai_leader", Action.CHANGE) == set()
    assert visible_codes("haiyan_leader") == planned_codes(federations=federations_under("haiyan"))


def test_city_staff_see_all_of_ningbo_but_not_jiaxing(demo):
    visible = visible_codes("ningbo_staff")

    assert visible == planned_codes(federations=federations_under("ningbo"))
    assert not visible & planned_codes(federations=federations_under("jiaxing"))


def test_a_station_keeper_and_a_union_chair_see_only_their_own(demo):
    keeper = user("wuyuan_keeper")
    assert list(Station.objects.restrict(keeper, Action.VIEW).values_list("name", flat=True)) == [
        "武原街道24小时户外劳动者服务站点"
    ]
    assert Station.objects.restrict(user("beilun_keeper"), Action.VIEW).get().kind == "drivers_home"

    chair = user("ningdong_union_chair")
    union = GrassrootsUnion.objects.restrict(chair, Action.VIEW).get()
    assert union.chair_name == chair.last_name + chair.first_name
    assert set(Member.objects.restrict(chair, Action.VIEW).values_list("union_id", flat=True)) == {union.pk}


def test_every_stored_identifier_validates(demo):
    for code in GrassrootsUnion.objects.values_list("credit_code", flat=True):
        validate_union_credit_code(code)
    for code in Enterprise.objects.values_list("credit_code", flat=True):
        validate_credit_code(code)
        assert code.startswith("91")
    members = list(Member.objects.all())
    for member in members:
        validate_id_number(member.reveal_id_number())
        validate_phone(member.reveal_phone())
    assert len({m.id_number_hash for m in members}) == len(members)
    assert len({m.phone_hash for m in members}) == len(members)
    assert all(member.member_number for member in members)
    for account in User.objects.exclude(username="admin"):
        validate_phone(account.mobile)


def test_every_place_lies_where_the_plan_puts_it(demo):
    for federation in Federation.objects.filter(area__isnull=False).select_related("parent"):
        parent_area = federation.parent.effective_area() if federation.parent else None
        assert parent_area is None or parent_area.covers(federation.area), federation.name
    for zone in Zone.objects.filter(boundary__isnull=False).select_related("federation"):
        assert zone.federation.effective_area().covers(zone.boundary), zone.name
    zone_names = {z.key: z.name for z in PLAN.zones}
    stored = dict(GrassrootsUnion.objects.values_list("credit_code", "zone__name"))
    assert stored == {u.credit_code: zone_names.get(u.zone) for u in PLAN.unions}
    assert Station.objects.filter(zone__isnull=True).count() == 1  # the county-seat station
    assert Station.objects.filter(kind="zone_service_centre").count() == Zone.objects.filter(kind="geographic").count()
    assert Station.objects.filter(open_24h=True).count() >= 3
