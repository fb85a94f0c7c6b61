"""No resident ID number in plain text anywhere it could leak: database, logs, Celery messages, the cache.

The demo is loaded (532 members), then the paths that carry ID numbers in are exercised
(scan-to-join, the member API, reveals), and every text, JSON and binary column of every
table, the captured log, and the test Redis database are scanned with the GB 11643
checksum (unionhub.core.pii_scan, also `manage.py scan_personal_data`). Each reveal writes
exactly one access-log row.
"""

import logging
import re

import pytest
import redis
from django.test import Client

from members.choices import JoinChannel
from members.joining import join_token
from members.models import Member
from tests.factories import id_number
from tests.sms import RecordingSms
from unionhub.core.models import AccessLog, User
from unionhub.core.pii_scan import id_numbers_in, scan_database, scan_redis
from unionhub.demo.demo_data import DEMO_PASSWORD
from unionhub.demo.loader import Loader
from zones.models import GrassrootsUnion

pytestmark = pytest.mark.django_db


def test_the_scanner_recognises_id_numbers_by_their_checksum():
    valid = id_number("19880512")
    wrong_check = valid[:-1] + ("1" if valid[-1] != "1" else "2")

    assert id_numbers_in(f"身份证{valid}，手机13912345678") == [valid]
    assert id_numbers_in(f"{wrong_check} 20261201123456789 {valid}0") == []


def test_no_id_number_is_stored_logged_or_queued_in_plain_text(settings, caplog, client_for):
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    caplog.set_level(logging.DEBUG)
    Loader().load()
    union = GrassrootsUnion.objects.filter(zone__isnull=False).order_by("id").first()
    staff = User.objects.get(username="ninghai_staff")
    joining, created = id_number("19960101"), id_number("19700809")

    # In through scan-to-join, with a phone code.
    client = Client()
    form = {"name": "杜文", "id_number": joining, "phone": "13957462222", "consent": "on"}
    form |= {"occupation": "courier", "work_form": "standard"}
    client.post(f"/join/{join_token(JoinChannel.UNION, union.pk)}/", {**form, "send_code": "1"})
    code = re.search(r"\d{6}", RecordingSms.sent[-1][1]).group()
    client.post(f"/join/{join_token(JoinChannel.UNION, union.pk)}/", {**form, "code": code, "apply": "1"})
    # In through the API, then revealed three times for stated reasons.
    api = client_for(staff)
    member = api.post("/api/v1/members/", {"name": "钱程", "union": union.pk, "id_number": created}).json()
    for reason in ("核实身份", "办理转接", "困难帮扶"):
        ask = {"field": "id_number", "reason": reason, "password": DEMO_PASSWORD}
        api.post(f"/api/v1/members/{member['id']}/reveal/", ask)

    assert Member.objects.filter(id_number_hash=Member.id_number_lookup(created)).exists()
    assert AccessLog.objects.filter(object_id=str(member["id"]), field="id_number").count() == 3
    assert list(scan_database()) == []
    assert id_numbers_in(caplog.text) == []
    assert list(scan_redis(redis.Redis.from_url(settings.CELERY_BROKER_URL))) == []


def test_an_id_number_typed_into_a_note_is_masked(client_for):
    from tests.factories import GrassrootsUnionFactory, ZoneStaffFactory
    from unionhub.core.choices import Role
    from zones.models import Finding, Visit

    union = GrassrootsUnionFactory()
    worker = ZoneStaffFactory(zone=union.zone, role=Role.ZONE_SOCIAL_WORKER).user
    number = id_number("19850303")

    client_for(worker).post(
        "/api/v1/visits/",
        {
            "union": union.pk,
            "visited_at": "2026-11-30T10:00:00+08:00",
            "duties": ["verify"],
            "notes": f"核实职工身份证{number}的工伤情况",
            "findings": [{"kind": "hardship", "description": f"职工{number}家庭困难"}],
        },
        format="json",
    )

    assert Visit.objects.get().notes == f"核实职工身份证{number[:3]}{'*' * 11}{number[-4:]}的工伤情况"
    assert number not in Finding.objects.get().description


def test_an_id_number_typed_into_the_public_grievance_form_is_masked(settings):
    from events.models import Grievance
    from tests.events.factories import GrievanceFactory
    from tests.factories import GrassrootsUnionFactory

    union = GrassrootsUnionFactory()
    number = id_number("19900909")
    form = {
        "category": "work_injury",
        "description": f"我的身份证号{number}，工伤认定被拒",
        "federation": union.federation.pk,
        "address": f"宿舍登记{number}",
        "employer_name": f"{number}某某公司",
        "identity": "anonymous",
        "pin": "135790",
        "consent": "on",
    }
    client = Client()
    assert client.post("/grievances/new/", form).status_code == 302
    grievance = Grievance.objects.get()
    assert number[-4:] in grievance.description
    # The worker's rating comment on the tracking page too.
    resolved = GrievanceFactory(union=union, status="resolved")
    client.post("/grievances/track/", {"code": resolved.tracking_code, "secret": "8000"})
    assert client.post("/grievances/track/rate/", {"rating": "4", "comment": f"身份证{number}"}).status_code == 302
    assert list(scan_database()) == []
