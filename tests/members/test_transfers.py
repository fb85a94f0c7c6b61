"""Transfers between unions (会员关系转接): either side asks, both approve in either order, the member moves.

Two county federations, 甲 and 乙, know nothing of each other's members or unions. The sending
side finds a destination outside its scope only through the logged look-up; the receiving side
names a worker by ID number or phone (POST, keyed hash) and sees them masked until the end.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from members.card import card_token, verify
from members.choices import MemberStatus, TransferStatus
from members.models import Member, MemberTransfer
from members.transfers import (
    MEMBER_LOOKUP,
    UNION_LOOKUP,
    do_approve_transfer,
    do_ask_transfer_in,
    do_cancel_transfer,
    do_refuse_transfer,
    do_request_transfer,
    find_destination_union,
)
from tests.factories import (
    FederationFactory,
    GrassrootsUnionFactory,
    MemberFactory,
    RoleAssignmentFactory,
    UnionChairFactory,
    UserFactory,
    ZoneFactory,
    ZoneStaffFactory,
    id_number,
)
from unionhub.core.choices import Role
from unionhub.core.exceptions import OutOfScope
from unionhub.core.models import AccessLog, Notification
from zones.choices import WorkKind, WorkState
from zones.models import WorkItem

pytestmark = pytest.mark.django_db

ID_NUMBER = id_number("19880512")
PHONE = "13957461234"


class Side:
    """One county: its federation staff, a zone with a worker, a union with its chair."""

    def __init__(self, name: str, lon: float) -> None:
        from tests.factories import square

        self.federation = FederationFactory(name=f"{name}县总工会")
        self.zone = ZoneFactory(federation=self.federation, boundary=square(lon, 29.3))
        self.union = GrassrootsUnionFactory(zone=self.zone, name=f"{name}物流有限公司工会")
        self.chair = UnionChairFactory(union=self.union, user=UserFactory(federation=self.federation)).user
        self.worker = ZoneStaffFactory(zone=self.zone, user=UserFactory(federation=self.federation)).user
        self.staff = RoleAssignmentFactory(
            federation=self.federation, role=Role.FEDERATION_STAFF, user=UserFactory(federation=self.federation)
        ).user


@pytest.fixture
def here():
    return Side("甲", 121.40)


@pytest.fixture
def there():
    return Side("乙", 121.60)


@pytest.fixture
def member(here):
    worker = MemberFactory(union=here.union, name="秦伟强", joined_on="2019-03-01")
    worker.set_id_number(ID_NUMBER)
    worker.set_phone(PHONE)
    worker.member_number = f"{worker.pk:010d}"
    worker.save()
    return worker


def api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def sent_out(member, here, there) -> MemberTransfer:
    """The sending side finds the destination by its credit code, then asks."""
    assert find_destination_union(actor=here.chair, credit_code=there.union.credit_code).id == there.union.pk
    return do_request_transfer(member, there.union, actor=here.chair, reason="换了工作，去乙县")


# --- asking -----------------------------------------------------------------------------------------


def test_the_sending_side_finds_an_outside_union_only_by_the_logged_look_up(here, there):
    client = api(here.chair)

    by_code = client.post("/api/v1/member-transfers/find-union/", {"credit_code": there.union.credit_code})
    by_name = client.post(
        "/api/v1/member-transfers/find-union/", {"name": there.union.name, "federation_name": there.federation.name}
    )
    near_miss = client.post("/api/v1/member-transfers/find-union/", {"name": "乙物流", "federation_name": "乙县总工会"})

    assert by_code.json() == {"found": True, "id": there.union.pk, "name": there.union.name}
    assert by_name.json() == {"found": True, "id": there.union.pk, "name": there.union.name}
    assert near_miss.json() == {"found": False, "id": None, "name": ""}  # exact names only: no searching
    logged = AccessLog.objects.filter(user=here.chair, action=UNION_LOOKUP)
    assert logged.count() == 3 and set(logged.values_list("federation_path", flat=True)) == {here.federation.path}
    # The unions of another federation are never listed.
    assert client.get("/api/v1/unions/").status_code == 200
    assert there.union.pk not in {row["id"] for row in client.get("/api/v1/unions/").json()["results"]}


def test_an_outside_destination_not_looked_up_is_refused_like_a_missing_one(member, here, there):
    client = api(here.chair)

    unseen = client.post("/api/v1/member-transfers/", {"member": member.pk, "to_union": there.union.pk})
    missing = client.post("/api/v1/member-transfers/", {"member": member.pk, "to_union": 987654321})

    assert unseen.status_code == missing.status_code == 400
    assert unseen.json() == missing.json()
    assert not MemberTransfer.objects.exists()


def test_the_sending_side_asks_after_the_look_up(member, here, there):
    client = api(here.chair)
    client.post("/api/v1/member-transfers/find-union/", {"credit_code": there.union.credit_code})

    response = client.post(
        "/api/v1/member-transfers/", {"member": member.pk, "to_union": there.union.pk, "reason": "工作调动"}
    )

    assert response.status_code == 201, response.json()
    transfer = MemberTransfer.objects.get()
    assert (transfer.from_union, transfer.to_union, transfer.status) == (here.union, there.union, "requested")
    assert transfer.requested_by_side == "sending" and transfer.requested_by == here.chair
    # The receiving zone has work in its inbox, and the receiving side is told (names masked).
    work = WorkItem.objects.get(source_key=f"member-transfer:{transfer.pk}")
    assert (work.kind, work.zone, work.state) == (WorkKind.MEMBER_TRANSFER, there.zone, WorkState.TODO)
    told = Notification.objects.filter(key__startswith=f"member-transfer:{transfer.pk}:asked")
    assert {n.recipient for n in told} >= {there.chair, there.staff}
    assert all("秦伟强" not in n.title for n in Notification.objects.all())


def test_one_may_send_only_ones_own_members(member, here, there):
    with pytest.raises(OutOfScope):
        do_request_transfer(member, there.union, actor=there.chair)


def test_the_receiving_side_asks_by_id_number_through_the_keyed_hash(member, here, there):
    client = api(there.chair)

    found = client.post("/api/v1/member-transfers/find-member/", {"id_number": ID_NUMBER})
    by_phone = client.post("/api/v1/member-transfers/find-member/", {"phone": "139 5746 1234"})
    nobody = client.post("/api/v1/member-transfers/find-member/", {"id_number": id_number("19700101")})
    asked = client.post("/api/v1/member-transfers/", {"to_union": there.union.pk, "id_number": ID_NUMBER})

    assert found.json() == {"found": True, "masked_name": "秦**"}
    assert by_phone.json() == {"found": True, "masked_name": "秦**"}
    assert nobody.json() == {"found": False, "masked_name": ""}
    assert asked.status_code == 201, asked.json()
    assert asked.json()["requested_by_side"] == "receiving" and asked.json()["from_union"] == here.union.pk
    assert AccessLog.objects.filter(user=there.chair, action=MEMBER_LOOKUP).count() == 4
    # Never in a URL, never in the log.
    assert not any(ID_NUMBER in (log.reason + log.object_id) for log in AccessLog.objects.all())


def test_the_member_look_up_is_a_post(there):
    assert api(there.chair).get("/api/v1/member-transfers/find-member/", {"id_number": ID_NUMBER}).status_code == 405


def test_the_receiving_side_sees_the_member_masked_until_completion(member, here, there):
    transfer = do_ask_transfer_in(there.union, actor=there.chair, id_number=ID_NUMBER)
    client = api(there.chair)

    seen = client.get(f"/api/v1/member-transfers/{transfer.pk}/").json()
    body = str(seen) + client.get("/api/v1/member-transfers/").content.decode()

    assert seen["masked_name"] == "秦**" and seen["masked_phone"] == "1**-****-1234"
    assert "秦伟强" not in body and ID_NUMBER not in body and PHONE not in body
    assert client.get(f"/api/v1/members/{member.pk}/").status_code == 404
    assert client.get(f"/api/v1/members/{member.pk}/card/").status_code == 404
    admin = Client()
    admin.force_login(there.chair)
    page = admin.get(f"/admin/members/membertransfer/{transfer.pk}/change/")
    assert page.status_code == 200 and "秦伟强" not in page.content.decode()

    do_approve_transfer(transfer, actor=here.chair)
    do_approve_transfer(transfer, actor=there.chair)

    assert client.get(f"/api/v1/members/{member.pk}/").json()["name"] == "秦伟强"


def test_each_side_sees_the_transfer_and_outsiders_do_not(member, here, there):
    transfer = sent_out(member, here, there)
    stranger = Side("丙", 121.80)

    for user in (here.chair, here.worker, here.staff, there.chair, there.worker, there.staff):
        assert api(user).get(f"/api/v1/member-transfers/{transfer.pk}/").status_code == 200, user
    for user in (stranger.chair, stranger.staff):
        assert api(user).get(f"/api/v1/member-transfers/{transfer.pk}/").status_code == 404


# --- deciding -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["sending", "receiving"])
def test_both_sides_approve_in_either_order_then_the_member_moves(member, here, there, first):
    transfer = sent_out(member, here, there)
    token = card_token(member)
    history_before = member.history.count()
    order = [here.chair, there.chair] if first == "sending" else [there.chair, here.chair]

    do_approve_transfer(transfer, actor=order[0])
    member.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REQUESTED and member.union == here.union  # one side is not enough

    do_approve_transfer(transfer, actor=order[1])

    transfer.refresh_from_db()
    member.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED and transfer.completed_at is not None
    assert transfer.sending_approved_by == here.chair and transfer.receiving_approved_by == there.chair
    # The same record moved: same number, still active, joined date kept, scope columns follow the union.
    assert (member.union, member.zone, member.federation_path) == (there.union, there.zone, there.federation.path)
    assert member.status == MemberStatus.ACTIVE and str(member.joined_on) == "2019-03-01"
    assert Member.objects.filter(id_number_hash=member.id_number_hash).count() == 1
    latest = member.history.first()
    assert member.history.count() == history_before + 1
    assert latest.history_change_reason == f"transfer {transfer.pk}" and latest.history_user == order[1]
    # The card's signed link still verifies, and the card now shows the new union.
    verdict, verified = verify(token)
    assert verdict == "valid" and verified.union.name == there.union.name
    # The sending side no longer sees the member; the receiving side does. The work item is done.
    assert not Member.objects.restrict(here.chair).filter(pk=member.pk).exists()
    assert Member.objects.restrict(there.chair).filter(pk=member.pk).exists()
    assert WorkItem.objects.get(source_key=f"member-transfer:{transfer.pk}").state == WorkState.DONE


def test_one_side_cannot_approve_for_the_other(member, here, there):
    transfer = sent_out(member, here, there)
    do_approve_transfer(transfer, actor=here.chair)

    with pytest.raises(ValidationError):
        do_approve_transfer(transfer, actor=here.worker)  # the sending side has approved already

    transfer.refresh_from_db()
    assert transfer.receiving_approved_at is None and transfer.status == TransferStatus.REQUESTED


def test_leadership_reads_transfers_but_does_not_decide(member, here, there):
    transfer = sent_out(member, here, there)
    leader = RoleAssignmentFactory(federation=here.federation, role=Role.LEADERSHIP).user
    client = api(leader)

    assert client.get(f"/api/v1/member-transfers/{transfer.pk}/").status_code == 200
    assert client.post(f"/api/v1/member-transfers/{transfer.pk}/approve/").status_code == 403
    transfer.refresh_from_db()
    assert transfer.sending_approved_at is None


def test_staff_who_look_after_both_unions_approve_both_ends_at_once(member, here):
    other = GrassrootsUnionFactory(zone=here.zone)
    transfer = do_request_transfer(member, other, actor=here.worker)  # a union of the worker's own zone

    do_approve_transfer(transfer, actor=here.staff)

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED


def test_a_refusal_needs_a_reason_and_ends_the_transfer(member, here, there):
    transfer = sent_out(member, here, there)
    client = api(there.chair)

    without = client.post(f"/api/v1/member-transfers/{transfer.pk}/refuse/", {})
    refused = client.post(f"/api/v1/member-transfers/{transfer.pk}/refuse/", {"reason": "本单位无此岗位"})

    assert without.status_code == 400
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert refused.json()["refused_side"] == "receiving" and refused.json()["refusal_reason"] == "本单位无此岗位"
    member.refresh_from_db()
    assert member.union == here.union
    assert Notification.objects.filter(recipient=here.chair, key__contains=":refused:").exists()
    with pytest.raises(ValidationError):
        do_approve_transfer(transfer, actor=here.chair)  # decided


def test_the_asking_side_may_cancel_and_the_other_may_not(member, here, there):
    transfer = sent_out(member, here, there)

    assert api(there.chair).post(f"/api/v1/member-transfers/{transfer.pk}/cancel/").status_code == 403
    assert api(here.worker).post(f"/api/v1/member-transfers/{transfer.pk}/cancel/").json()["status"] == "cancelled"
    assert WorkItem.objects.get(source_key=f"member-transfer:{transfer.pk}").state == WorkState.DONE


def test_one_open_transfer_per_member(member, here, there):
    sent_out(member, here, there)

    with pytest.raises(ValidationError):
        do_request_transfer(member, GrassrootsUnionFactory(zone=here.zone), actor=here.chair)


def test_a_member_already_live_in_the_receiving_federation_is_not_moved_twice(member, here, there):
    twin = MemberFactory(union=GrassrootsUnionFactory(zone=there.zone))
    twin.set_id_number(ID_NUMBER)
    twin.save()
    transfer = sent_out(member, here, there)
    do_approve_transfer(transfer, actor=here.chair)

    with pytest.raises(ValidationError), translation.override("en"):
        do_approve_transfer(transfer, actor=there.chair)

    member.refresh_from_db()
    assert member.union == here.union


def test_only_active_members_are_transferred(member, here, there):
    member.status = MemberStatus.WITHDRAWN
    member.save()
    find_destination_union(actor=here.chair, credit_code=there.union.credit_code)

    with pytest.raises(ValidationError):
        do_request_transfer(member, there.union, actor=here.chair)


def test_the_admin_approves_and_refuses_at_the_users_end(member, here, there):
    transfer = sent_out(member, here, there)
    client = Client()
    client.force_login(there.chair)
    url = "/admin/members/membertransfer/"

    listed = client.get(url)
    ask_reason = client.post(url, {"action": "refuse_transfers", "_selected_action": [transfer.pk]})
    client.force_login(here.chair)
    approved = client.post(url, {"action": "approve_transfers", "_selected_action": [transfer.pk]})

    assert listed.status_code == 200 and "秦**" in listed.content.decode()
    assert ask_reason.status_code == 200 and b"refusal_reason" in ask_reason.content
    assert approved.status_code == 302
    transfer.refresh_from_db()
    assert transfer.sending_approved_by == here.chair and transfer.status == TransferStatus.REQUESTED
    client.force_login(there.chair)
    client.post(
        url,
        {"action": "refuse_transfers", "_selected_action": [transfer.pk], "confirm": "1", "refusal_reason": "不接收"},
    )
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REFUSED and transfer.refused_by == there.chair


def test_cancelling_someone_elses_request_is_refused(member, here, there):
    transfer = do_ask_transfer_in(there.union, actor=there.worker, phone=PHONE)

    with pytest.raises(OutOfScope):
        do_cancel_transfer(transfer, actor=here.chair)
    with pytest.raises(OutOfScope):
        do_refuse_transfer(transfer, actor=Side("丙", 121.8).chair, reason="x")
