"""Every uploaded image goes through here: checked, EXIF read then stripped, re-encoded, thumbnailed.

Only JPEG, PNG and WebP are accepted; files over 10 MB, files Pillow cannot read, and
decompression bombs (more pixels than Image.MAX_IMAGE_PIXELS) are refused with a clear,
translated message. What is kept is a fresh JPEG with no metadata at all (no EXIF, XMP,
ICC profile or comment), so a photo of a worker never carries the phone's position or
serial number, or anything else a file hid, to whoever opens it.
"""

from __future__ import annotations

import datetime
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
LONGEST_SIDE = 1600
THUMBNAIL_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: what many phone cameras call their JPEGs
Image.MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo passes; Pillow refuses twice this outright

_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003


@dataclass
class ProcessedImage:
    image: bytes  # JPEG, longest side ≤ LONGEST_SIDE, no metadata
    thumbnail: bytes  # JPEG, longest side ≤ THUMBNAIL_SIDE
    width: int
    height: int
    taken_at: datetime.datetime | None  # from EXIF, naive local time of the camera
    latitude: float | None  # from EXIF GPS, WGS-84
    longitude: float | None


def process_image(upload: object) -> ProcessedImage:
    """Check and re-encode an uploaded file (a Django UploadedFile or any binary file object)."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."), code="too_large")
    data = upload.read()  # type: ignore[attr-defined]
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."), code="too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise ValidationError(_("Upload a photo in JPEG, PNG or WebP format."), code="format")
                probe.verify()
            image: Image.Image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("The image has too many pixels to be a photo."), code="bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The file is not an image, or it is damaged."), code="not_image") from None

    taken_at, latitude, longitude = _read_exif(image)
    image = ImageOps.exif_transpose(image)  # keep the photo upright once the orientation tag is gone
    image = image.convert("RGB")
    # Only pixels go on: Pillow keeps a JPEG's comment (COM segment) in .info and save() would write it
    # back, carrying whatever a file hid there (a script, a name) into the stored photo.
    image.info.clear()
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return ProcessedImage(
        image=_jpeg(image, 85),
        thumbnail=_jpeg(thumbnail, 80),
        width=image.width,
        height=image.height,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
    )


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)  # no exif= argument: nothing is carried over
    return out.getvalue()


def _read_exif(image: Image.Image) -> tuple[datetime.datetime | None, float | None, float | None]:
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001 - a damaged EXIF block only loses the metadata, not the photo
        return None, None, None
    taken_at = None
    raw_time = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(0x0132)
    if isinstance(raw_time, str):
        try:
            taken_at = datetime.datetime.strptime(raw_time.strip(), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken_at = None
    gps = exif.get_ifd(_GPS_IFD)
    latitude = _degrees(gps.get(2), gps.get(1))
    longitude = _degrees(gps.get(4), gps.get(3))
    if latitude is None or longitude is None:
        return taken_at, None, None
    return taken_at, latitude, longitude


def _degrees(value: object, ref: object) -> float | None:
    try:
        d, m, s = (float(part) for part in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    return -degrees if ref in ("S", "W") else degrees
