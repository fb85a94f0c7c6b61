"""Uploaded images are re-encoded without metadata; bad files are refused with a clear message."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from unionhub.core.images import LONGEST_SIDE, THUMBNAIL_SIDE, process_image


def photo(size=(2400, 1800), fmt="JPEG", gps=True) -> io.BytesIO:
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x0132] = "2026:11:20 09:30:00"
    if gps:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd.update({1: "N", 2: (29.0, 10.0, 48.0), 3: "E", 4: (121.0, 37.0, 48.0)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    out.seek(0)
    return out


def test_a_photo_is_shrunk_and_its_exif_read_then_stripped():
    result = process_image(photo())

    assert max(result.width, result.height) == LONGEST_SIDE
    assert result.latitude == pytest.approx(29.18) and result.longitude == pytest.approx(121.63)
    assert result.taken_at.isoformat() == "2026-11-20T09:30:00"
    stored = Image.open(io.BytesIO(result.image))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert max(Image.open(io.BytesIO(result.thumbnail)).size) == THUMBNAIL_SIDE


def test_a_text_file_is_refused():
    with pytest.raises(ValidationError) as error:
        process_image(io.BytesIO(b"<svg onload=alert(1)>"))
    assert error.value.code == "not_image"


def test_a_truncated_image_is_refused():
    data = photo().getvalue()
    with pytest.raises(ValidationError) as error:
        process_image(io.BytesIO(data[: len(data) // 2]))
    assert error.value.code == "not_image"


def test_a_decompression_bomb_is_refused():
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")  # tiny file, 144 megapixels
    bomb.seek(0)
    with pytest.raises(ValidationError) as error:
        process_image(bomb)
    assert error.value.code == "bomb"


def test_a_file_over_10_mb_is_refused():
    with pytest.raises(ValidationError) as error:
        process_image(io.BytesIO(b"\xff" * (10 * 1024 * 1024 + 1)))
    assert error.value.code == "too_large"


def test_a_gif_is_not_a_photo():
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    gif.seek(0)
    with pytest.raises(ValidationError) as error:
        process_image(gif)
    assert error.value.code == "format"
