"""Rotating FIELD_ENCRYPTION_KEY: every encrypted value is re-encrypted, then the old key is not needed.

The old key moves to FIELD_ENCRYPTION_OLD_KEYS, ``manage.py rotate_field_key`` rewrites every
encrypted column it finds (change-history tables included) and the registered encrypted files,
and afterwards, with the old key removed, everything still decrypts.
"""

import base64
import os

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from members.corrections import do_ask_correction
from members.models import CorrectionRequest, JoinApplication, Member, RosterImport
from tests.factories import JoinApplicationFactory, MemberFactory, UserFactory, id_number
from unionhub.core import crypto, rotation

pytestmark = pytest.mark.django_db

OLD = base64.b64encode(b"o" * 32).decode()
NEW = base64.b64encode(b"n" * 32).decode()


def legacy_token(key: str, plaintext: str) -> bytes:
    """A value as written before rotation existed: version 1, no key named."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(base64.b64decode(key)).encrypt(nonce, plaintext.encode(), None)


def test_every_encrypted_column_in_the_database_is_rotated_history_tables_included():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = 'bytea'"
        )
        in_database = {(table, column) for table, column in cursor.fetchall()}
    rotated = {(c.model._meta.db_table, c.field) for c in rotation.encrypted_columns()}

    # Every binary column of every table, the simple-history tables (…_historical…) among them.
    assert in_database <= rotated, f"not rotated: {sorted(in_database - rotated)}"
    assert ("members_member", "id_number_encrypted") in rotated


def test_rotation_re_encrypts_everything_and_the_old_key_can_go(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = OLD, []
    number, phone = id_number("19770707"), "13811112222"
    member = MemberFactory()
    member.set_id_number(number)
    member.set_phone(phone)
    member.save()
    legacy = MemberFactory()
    Member.objects.filter(pk=legacy.pk).update(id_number_encrypted=legacy_token(OLD, number))
    application = JoinApplicationFactory()
    correction = do_ask_correction(member, field="phone", value="13933334444")
    staff = UserFactory()
    staff.set_mobile("13755556666")
    staff.save()
    roster = RosterImport.objects.create(file_name="名册.xlsx", created_by=staff)
    roster.checked_rows.save("checked.bin", ContentFile(crypto.encrypt('[["王芳"]]')))
    application_phone = application.reveal_phone()

    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = NEW, [OLD]
    before = rotation.remaining()
    with pytest.raises(CommandError):
        call_command("rotate_field_key", "--check")
    call_command("rotate_field_key", "--batch", "1")
    after = rotation.remaining()
    rerun = rotation.rotate()
    settings.FIELD_ENCRYPTION_OLD_KEYS = []  # the old key removed

    assert before["members.Member.id_number_encrypted"] == 2 and before["members.RosterImport.checked_rows"] == 1
    assert {"core.User.mobile_encrypted", "members.JoinApplication.phone_encrypted"} <= set(before)
    assert "members.CorrectionRequest.phone_encrypted" in before
    assert after == {} and rerun == {}
    for obj in (member, legacy, application, correction, staff, roster):
        obj.refresh_from_db()
    assert member.reveal_id_number() == number and member.reveal_phone() == phone
    assert Member.objects.get(pk=legacy.pk).reveal_id_number() == number
    assert application.reveal_phone() == application_phone
    assert CorrectionRequest.objects.get(pk=correction.pk).reveal_phone() == "13933334444"
    assert staff.mobile == "13755556666"
    with roster.checked_rows.open("rb") as stored:
        assert crypto.decrypt(stored.read()) == '[["王芳"]]'
    assert JoinApplication.objects.exclude(phone_encrypted=None).count() == 1
    # The hashes did not change: look-ups still find the member.
    assert Member.objects.filter(id_number_hash=Member.id_number_lookup(number)).get() == member


def test_a_value_under_an_unknown_key_is_refused_not_misread(settings):
    settings.FIELD_ENCRYPTION_KEY = OLD
    token = crypto.encrypt("13811112222")
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = NEW, []

    with pytest.raises(ValueError, match="not configured"):
        crypto.decrypt(token)
    with pytest.raises(ValueError, match="not configured"):
        crypto.decrypt(legacy_token(OLD, "13811112222"))
