"""A photo on the membership card: optional, put there by staff (admin) or by the member (card page).

Every photo goes through unionhub.core.images.process_image: the uploads corpus of
tests/test_uploads.py (bad files, bombs, polyglots, EXIF with GPS) is posted to the member's
card page, and each file is refused with its message and nothing stored, or stored as a fresh
JPEG with nothing hidden. The staff side (the member's admin form) is covered by
tests/test_uploads.py, which finds every admin form with a file field.
"""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from members.actions import do_set_photo
from members.card import PHOTO_BOX, render_card
from members.choices import MemberStatus
from tests.factories import MemberFactory, RoleAssignmentFactory
from tests.limits import forget_public_limits
from tests.sms import RecordingSms
from tests.test_uploads import CORPUS, DJANGO_IMAGE_FIELD, check_stored, encode, gps_exif, media_files, photo
from unionhub.core.choices import Role

pytestmark = pytest.mark.django_db

PHONE = "13857461234"
BLUE = (20, 60, 200)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    settings.MEDIA_ROOT = tmp_path
    RecordingSms.sent = []
    return tmp_path


@pytest.fixture
def member():
    member = MemberFactory(name="王海燕", status=MemberStatus.ACTIVE)
    member.set_phone(PHONE)
    member.member_number = f"{member.pk:010d}"
    member.save()
    return member


def signed_in() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/me/", {"phone": PHONE})
    client.post("/me/", {"code": re.search(r"\d{6}", RecordingSms.sent[-1][1]).group()})
    return client


def blue_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), BLUE).save(out, "JPEG", exif=gps_exif())
    return out.getvalue()


def pixel(png: bytes, xy: tuple[int, int]) -> tuple[int, int, int]:
    return Image.open(io.BytesIO(png)).convert("RGB").getpixel(xy)


def test_the_card_draws_the_photo_when_there_is_one(member):
    without = render_card(member, "https://example.org/card/v/x/")
    do_set_photo(member, blue_jpeg(), actor=None)
    member.refresh_from_db()
    with_photo = render_card(member, "https://example.org/card/v/x/")

    middle = (48 + PHOTO_BOX[0] // 2, 190 + PHOTO_BOX[1] // 2)
    assert pixel(without, middle) != pixel(with_photo, middle)
    assert all(abs(a - b) < 12 for a, b in zip(pixel(with_photo, middle), BLUE, strict=True))
    assert Image.open(io.BytesIO(with_photo)).size == (1012, 638)


def test_a_card_whose_photo_file_is_gone_is_drawn_without_it(member):
    do_set_photo(member, blue_jpeg(), actor=None)
    member.refresh_from_db()
    member.photo.storage.delete(member.photo.name)

    assert Image.open(io.BytesIO(render_card(member, "https://example.org/"))).size == (1012, 638)


def test_the_member_puts_a_photo_on_their_card_stripped_of_its_metadata(member, media):
    client = signed_in()
    upload = SimpleUploadedFile("me.jpg", blue_jpeg(), content_type="image/jpeg")

    answer = client.post(f"/me/card/{member.member_number}/photo/", {f"photo-{member.member_number}-photo": upload})
    png = client.get(f"/me/card/{member.member_number}.png").content

    assert answer.status_code == 302
    member.refresh_from_db()
    stored = member.photo.read()
    assert Image.open(io.BytesIO(stored)).format == "JPEG" and not Image.open(io.BytesIO(stored)).getexif()
    assert b"CAMERA-SERIAL" not in stored
    assert all(abs(a - b) < 12 for a, b in zip(pixel(png, (138, 310)), BLUE, strict=True))
    assert "/media/" not in client.get("/me/card/").content.decode()  # the file itself is never linked


def test_every_bad_file_is_refused_or_stored_clean_on_the_card_page(member, media):
    client = signed_in()
    problems = []
    for specimen in CORPUS:
        forget_public_limits()  # the page is rate-limited like every public post
        before = media_files(media)
        file = SimpleUploadedFile(specimen.filename, specimen.make(), content_type=specimen.content_type)
        response = client.post(f"/me/card/{member.member_number}/photo/", {f"photo-{member.member_number}-photo": file})
        new_files = media_files(media) - before
        if specimen.refusal is not None:
            page = response.content.decode()
            # Django's own file field answers an empty file first, with its own message (as in the admin).
            if response.status_code != 400 or not any(m in page for m in (specimen.refusal, *DJANGO_IMAGE_FIELD)):
                problems.append(f"{specimen.name}: answered {response.status_code} without “{specimen.refusal}”")
            if new_files:
                problems.append(f"{specimen.name}: refused, but files were stored")
        elif response.status_code != 302:
            problems.append(f"{specimen.name}: answered {response.status_code}, expected it accepted")
        else:
            problems += list(check_stored(specimen, new_files))
    assert not problems, "\n".join(problems)


def test_staff_put_a_photo_on_a_card_in_their_scope_through_the_admin(member, media):
    staff = RoleAssignmentFactory(federation=member.union.federation, role=Role.FEDERATION_STAFF).user
    outsider = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = f"/admin/members/member/{member.pk}/change/"
    client.force_login(outsider)
    refused = client.get(url)
    client.force_login(staff)
    form = {
        "name": member.name,
        "union": member.union_id,
        "status": member.status,
        "occupation": member.occupation,
        "work_form": member.work_form,
        "new_photo": SimpleUploadedFile("p.png", encode(photo(), "PNG", exif=gps_exif()), content_type="image/png"),
    }
    saved = client.post(url, form)

    assert refused.status_code in (302, 404)
    assert saved.status_code == 302
    member.refresh_from_db()
    assert member.photo and Image.open(member.photo.path).format == "JPEG"
    assert member.history.order_by("-history_id").first().history_user == staff


def test_the_cards_qr_code_is_segnos_symbol_pixel_for_pixel():
    import segno
    from PIL import ImageChops

    from members.card import QR_BOX, _qr_image

    url = "https://example.org/card/v/0000000042:signature-of-the-member-number/"
    qr = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=QR_BOX // qr.symbol_size(scale=1, border=2)[0], border=2)

    assert ImageChops.difference(Image.open(buffer).convert("RGB"), _qr_image(url)).getbbox() is None
