"""The digital membership card (数字会员卡): a signed verification link, and the card as a PNG.

The card's QR code holds ``/card/v/<token>/`` where the token is the member number signed
with the secret key (django.core.signing, its own salt): a forged or altered link fails the
signature and is answered "unknown", never looked up. Verification reads the member's
status at that moment, so a lapsed card stops verifying without being reissued.

The PNG is drawn with Pillow in the proportions of a bank card (85.6 × 54 mm at 300 dpi)
with Noto Sans CJK (Debian's fonts-noto-cjk; CARD_FONT_PATH overrides it).
"""

from __future__ import annotations

import io
from functools import cache
from typing import Literal

import segno
from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import pgettext
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from unionhub.core.public import public_url

from .choices import MemberStatus
from .models import Member

SALT = "members.card"
SIZE = (1012, 638)
RED = (192, 57, 43)
QR_BOX = 300
PHOTO_BOX = (180, 240)  # a 3:4 portrait, left of the details
NOTO_SC_INDEX = 2  # Simplified Chinese in Noto Sans CJK's collection

Verdict = Literal["valid", "lapsed", "unknown"]


def card_token(member: Member) -> str:
    return signing.Signer(salt=SALT).sign(member.member_number or "")


def verification_url(request: HttpRequest | None, member: Member) -> str:
    return public_url(request, reverse("members:verify-card", args=[card_token(member)]))


def verify(token: str) -> tuple[Verdict, Member | None]:
    """What a scanned card link says: valid (an active member), lapsed (no longer active), or unknown."""
    try:
        number = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return "unknown", None
    member = Member.objects.filter(member_number=number).select_related("union__federation").first()
    if member is None:
        return "unknown", None
    return ("valid" if member.status == MemberStatus.ACTIVE else "lapsed"), member


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = settings.CARD_FONT_BOLD_PATH if bold else settings.CARD_FONT_PATH
    return ImageFont.truetype(path, size, index=NOTO_SC_INDEX if path.endswith(".ttc") else 0)


def render_card(member: Member, url: str) -> bytes:
    """The card as PNG bytes: federation, photo (if any), name, member number, union, joining date, the QR code."""
    card = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle([0, 0, SIZE[0], 150], fill=RED)
    federation = member.union.federation.name
    draw.text(
        (48, 34), pgettext("membership card", "Trade union membership card"), font=_font(44, bold=True), fill="white"
    )
    draw.text((48, 96), federation, font=_font(28), fill="white")

    code = _qr_image(url)
    card.paste(code, (SIZE[0] - 40 - QR_BOX + (QR_BOX - code.width) // 2, 190 + (QR_BOX - code.height) // 2))

    left, width = 48, 560
    portrait = _photo(member)
    if portrait is not None:
        card.paste(portrait, (48, 190))
        draw.rectangle([47, 189, 48 + PHOTO_BOX[0], 190 + PHOTO_BOX[1]], outline=(200, 200, 200))
        left, width = 48 + PHOTO_BOX[0] + 28, 560 - PHOTO_BOX[0] - 28
    lines = [
        (pgettext("membership card", "Name"), member.name),
        (pgettext("membership card", "Member number"), member.member_number or ""),
        (pgettext("membership card", "Union"), member.union.name),
        (pgettext("membership card", "Joined"), member.joined_on.isoformat() if member.joined_on else ""),
    ]
    y = 190
    for label, value in lines:
        draw.text((left, y), label, font=_font(24), fill=(110, 110, 110))
        draw.text((left, y + 30), _fit(draw, value, width, 34), font=_font(34, bold=label == lines[0][0]), fill="black")
        y += 92
    draw.text((SIZE[0] - 340, 500), pgettext("membership card", "Scan to verify"), font=_font(24), fill=(110, 110, 110))
    out = io.BytesIO()
    card.save(out, "PNG", compress_level=1)  # fast: zlib's default level costs more than drawing the card
    return out.getvalue()


def _qr_image(url: str) -> Image.Image:
    """The QR code of ``url`` with whole pixels per module (crisp), drawn straight from segno's matrix."""
    qr = segno.make(url, error="m", micro=False)
    rows = [bytes(0 if dark else 255 for dark in row) for row in qr.matrix_iter(scale=1, border=2)]
    size = len(rows)
    scale = max(1, QR_BOX // size)
    code = Image.frombytes("L", (size, size), b"".join(rows))
    return code.resize((size * scale, size * scale), Image.Resampling.NEAREST).convert("RGB")


def card_portrait(photo: bytes) -> bytes:
    """What is kept of an uploaded photo (already re-encoded by process_image): a 3:4 crop at twice the card's box.

    Drawing the card then decodes a small JPEG at half size instead of resizing a camera photo.
    """
    with Image.open(io.BytesIO(photo)) as image:
        portrait = ImageOps.fit(image.convert("RGB"), (PHOTO_BOX[0] * 2, PHOTO_BOX[1] * 2), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    portrait.save(out, "JPEG", quality=88)  # no exif= argument: nothing is carried over
    return out.getvalue()


def _photo(member: Member) -> Image.Image | None:
    """The member's photo in the card's portrait box, or None (no photo, or its file is gone)."""
    if not member.photo:
        return None
    try:
        with member.photo.open("rb") as handle, Image.open(handle) as stored:
            stored.draft("RGB", PHOTO_BOX)  # a JPEG decoded straight at the box's size (DCT scaling)
            image = stored.convert("RGB")
    except (OSError, UnidentifiedImageError):
        return None
    return image if image.size == PHOTO_BOX else ImageOps.fit(image, PHOTO_BOX)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, size: int) -> str:
    """Shorten a long union name with an ellipsis so it never runs under the QR code."""
    if draw.textlength(text, font=_font(size)) <= width:
        return text
    while text and draw.textlength(text + "…", font=_font(size)) > width:
        text = text[:-1]
    return text + "…"
