"""Every upload endpoint against a corpus of bad files: refused with a clear message, or re-encoded clean.

The endpoints are found, not listed, so a new one is covered the day it is added: every
operation of the OpenAPI schema whose multipart body has a binary field, and every admin
form or inline form with a file field (posted with the rest of its page, as a browser
would).

The corpus is generated here (nothing binary is committed): files that are not images,
truncated images, polyglots, SVG with script, decompression bombs, a file over 10 MB,
metadata with GPS positions, comments and scripts, and awkward but real images (16-bit,
CMYK, palette, extreme shapes). Each is either refused with the message that says why
(checked in English) and nothing is stored, or accepted and stored as a fresh JPEG with no
EXIF, XMP or comment, and none of the file's hidden payload. No answer is a server error.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.forms import FileField
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from PIL import Image, TiffImagePlugin
from PIL.PngImagePlugin import PngInfo
from rest_framework.test import APIClient

from tests.worlds import actor, build_world
from unionhub.core.choices import Role
from unionhub.core.models import User

PAYLOAD = b"<script>alert('uploaded')</script>"
PHP = b"<?php system($_GET['c']); ?>"
SERIAL = "CAMERA-SERIAL-4711"


# The corpus


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def photo(mode: str = "RGB", size: tuple[int, int] = (800, 600)) -> Image.Image:
    colour = {"RGB": (200, 80, 40), "RGBA": (200, 80, 40, 128), "CMYK": (0, 120, 200, 0), "LA": (90, 200)}
    return Image.new(mode, size, colour.get(mode, 90))


def gps_exif(*, broken: bool = False) -> Image.Exif:
    """Where and with what the photo was taken: the position a worker's photo must never carry."""
    exif = Image.Exif()
    exif[0x0132] = "2026:11:20 09:30:00"
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8769)[0xA431] = SERIAL  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    if broken:  # a zero denominator, a reference that is no compass point, too few parts
        gps.update({1: "Q", 2: (TiffImagePlugin.IFDRational(29, 0), 10.0, 48.0), 3: "E", 4: (121.0, 37.0)})
    else:
        gps.update({1: "N", 2: (29.0, 10.0, 48.0), 3: "E", 4: (121.0, 37.0, 48.0)})
    return exif


def orientation(value: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="29,10.8N" '
    b'exif:GPSLongitude="121,37.8E"/></rdf:RDF></x:xmpmeta>'
)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares an enormous size in 45 bytes (the pixels never come)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def png_with_text(key: str, text: bytes) -> bytes:
    info = PngInfo()
    info.add_text(key, text.decode())
    return encode(photo(), "PNG", pnginfo=info)


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", PAYLOAD)
    return out.getvalue()


def over_10_mb() -> bytes:
    start = encode(photo(), "JPEG")
    return start + b"\0" * (10 * 1024 * 1024 + 1 - len(start))


@dataclass(frozen=True)
class Specimen:
    """One file of the corpus and what must happen to it."""

    name: str
    make: Callable[[], bytes]
    filename: str = "photo.jpg"
    content_type: str = "image/jpeg"
    refusal: str | None = None  # the message (in English) when it must be refused; None: accepted
    hidden: tuple[bytes, ...] = ()  # bytes that must not survive into the stored files


NOT_IMAGE = "not an image, or it is damaged"
FORMAT = "JPEG, PNG or WebP"
BOMB = "too many pixels"
TOO_LARGE = "larger than 10 MB"

CORPUS = [
    # Not images at all, whatever the name and type claim.
    Specimen("plain text", lambda: b"hello, this is not a photo", refusal=NOT_IMAGE),
    Specimen("empty file", lambda: b"", refusal=NOT_IMAGE),
    Specimen("html page", lambda: b"<html><body>" + PAYLOAD + b"</body></html>", "photo.html", "text/html", NOT_IMAGE),
    Specimen(
        "pdf", lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "photo.pdf", "application/pdf", NOT_IMAGE
    ),
    Specimen("windows program", lambda: b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00", "photo.exe", refusal=NOT_IMAGE),
    Specimen("zip archive", zip_bytes, "photo.zip", "application/zip", NOT_IMAGE),
    Specimen("jpeg magic then html", lambda: b"\xff\xd8\xff\xe0" + PAYLOAD * 20, refusal=NOT_IMAGE),
    # SVG is markup that browsers run; never an accepted photo.
    Specimen(
        "svg with script",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "photo.svg",
        "image/svg+xml",
        NOT_IMAGE,
    ),
    Specimen(
        "svg with onload",
        lambda: b'<?xml version="1.0"?><svg onload="alert(1)" xmlns="http://www.w3.org/2000/svg"/>',
        "photo.svg",
        "image/svg+xml",
        NOT_IMAGE,
    ),
    # Damaged images.
    Specimen("truncated jpeg", lambda: encode(photo(), "JPEG", quality=95)[:2000], refusal=NOT_IMAGE),
    Specimen("truncated png", lambda: encode(photo(), "PNG")[:300], "photo.png", "image/png", NOT_IMAGE),
    Specimen("jpeg without its end", lambda: encode(photo(), "JPEG")[:-200], refusal=NOT_IMAGE),
    # Images, but not photos.
    Specimen("gif", lambda: encode(photo(), "GIF"), "photo.gif", "image/gif", FORMAT),
    Specimen("bmp", lambda: encode(photo(), "BMP"), "photo.bmp", "image/bmp", FORMAT),
    Specimen("tiff", lambda: encode(photo(), "TIFF"), "photo.tiff", "image/tiff", FORMAT),
    Specimen("icon", lambda: encode(photo(size=(64, 64)), "ICO"), "photo.ico", "image/x-icon", FORMAT),
    # Decompression bombs: a few kilobytes that would take gigabytes to decode.
    Specimen("png bomb over twice the limit", lambda: png_header_only(100_000, 100_000), "bomb.png", "image/png", BOMB),
    Specimen(
        "png bomb over the limit", lambda: encode(Image.new("1", (8000, 6000)), "PNG"), "bomb.png", "image/png", BOMB
    ),
    Specimen(
        "jpeg declaring a huge size",
        lambda: encode(Image.new("L", (16, 16)), "JPEG").replace(
            b"\xff\xc0\x00\x0b\x08\x00\x10\x00\x10", b"\xff\xc0\x00\x0b\x08\xff\xff\xff\xff"
        ),
        refusal=BOMB,
    ),
    Specimen("over 10 MB", over_10_mb, refusal=TOO_LARGE),
    # Polyglots: a real image that is also something else. Accepted, and the something else is gone.
    Specimen("jpeg + zip (gifar-like)", lambda: encode(photo(), "JPEG") + zip_bytes(), hidden=(PAYLOAD, b"index.html")),
    Specimen("jpeg + html", lambda: encode(photo(), "JPEG") + PAYLOAD, hidden=(PAYLOAD,)),
    Specimen("jpeg with php in its comment", lambda: encode(photo(), "JPEG", comment=PHP), hidden=(PHP,)),
    Specimen(
        "png with script in a text chunk",
        lambda: png_with_text("Comment", PAYLOAD),
        "p.png",
        "image/png",
        hidden=(PAYLOAD,),
    ),
    Specimen("png named .svg", lambda: encode(photo(), "PNG"), "photo.svg", "image/svg+xml"),
    # Metadata: position, camera serial, XMP. Read where wanted, never stored in the file.
    Specimen("jpeg with gps exif", lambda: encode(photo(), "JPEG", exif=gps_exif()), hidden=(SERIAL.encode(), b"Exif")),
    Specimen(
        "png with gps exif",
        lambda: encode(photo(), "PNG", exif=gps_exif()),
        "p.png",
        "image/png",
        hidden=(SERIAL.encode(), b"Exif"),
    ),
    Specimen(
        "webp with gps exif and xmp",
        lambda: encode(photo(), "WEBP", exif=gps_exif(), xmp=XMP),
        "p.webp",
        "image/webp",
        hidden=(SERIAL.encode(), b"GPSLatitude", b"Exif"),
    ),
    Specimen("jpeg with gps in xmp", lambda: encode(photo(), "JPEG", xmp=XMP), hidden=(b"GPSLatitude", b"xmpmeta")),
    Specimen(
        "jpeg with broken gps exif",
        lambda: encode(photo(), "JPEG", exif=gps_exif(broken=True)),
        hidden=(SERIAL.encode(),),
    ),
    Specimen("jpeg turned by exif orientation", lambda: encode(photo(), "JPEG", exif=orientation(6))),
    # Real images in awkward shapes and modes.
    Specimen("cmyk jpeg", lambda: encode(photo("CMYK"), "JPEG")),
    Specimen("16-bit grey png", lambda: encode(photo("I;16"), "PNG"), "p.png", "image/png"),
    Specimen("grey with alpha png", lambda: encode(photo("LA"), "PNG"), "p.png", "image/png"),
    Specimen(
        "palette png with transparency",
        lambda: encode(photo("RGB").convert("P"), "PNG", transparency=0),
        "p.png",
        "image/png",
    ),
    Specimen("one pixel", lambda: encode(photo(size=(1, 1)), "PNG"), "p.png", "image/png"),
    Specimen("a 20000 × 1 strip", lambda: encode(photo(size=(20000, 1)), "PNG"), "p.png", "image/png"),
    Specimen(
        "animated webp",
        lambda: encode(photo(), "WEBP", save_all=True, append_images=[photo("RGB", (800, 600)).rotate(90)]),
        "p.webp",
        "image/webp",
    ),
]


# The endpoints


@dataclass(frozen=True)
class UploadEndpoint:
    path: str  # the OpenAPI template, e.g. /api/v1/visits/{id}/photos/
    method: str
    field: str
    model: type[models.Model]  # what the path's {id} names

    def url(self, pk: int) -> str:
        return self.path.replace("{id}", str(pk))

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} ({self.field})"


# Rosters are spreadsheets, not images: tests/members/test_import.py sends them bad files.
SPREADSHEET_UPLOADS = {"/api/v1/member-imports/"}


def upload_endpoints() -> list[UploadEndpoint]:
    """Every schema operation that takes a file in a multipart body."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {}).get("schema", {})
            if "$ref" in body:
                body = components[body["$ref"].rsplit("/", 1)[1]]
            for field, prop in body.get("properties", {}).items():
                if prop.get("format") == "binary" and path not in SPREADSHEET_UPLOADS:
                    view = resolve(path.replace("{id}", "1")).func
                    found.append(UploadEndpoint(path, method, field, view.cls.queryset.model))
    return found


ENDPOINTS = upload_endpoints()


def media_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def message_of(body: object) -> str:
    """The messages of a 400 answer, flattened (field-level or not)."""
    if isinstance(body, dict):
        return " ".join(message_of(value) for value in body.values())
    if isinstance(body, list):
        return " ".join(message_of(value) for value in body)
    return str(body)


@pytest.fixture
def uploader(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world("U", 121.4)
    user: User = actor(world, Role.FEDERATION_STAFF)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return world, user, client, tmp_path


def test_the_upload_endpoints_are_found():
    assert any(e.path.endswith("/visits/{id}/photos/") for e in ENDPOINTS), [str(e) for e in ENDPOINTS]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_bad_file_is_refused_or_stored_clean(uploader, endpoint, capsys):
    world, _, client, media = uploader
    target = world.rows[endpoint.model]
    problems = []
    for specimen in CORPUS:
        before = media_files(media)
        upload = SimpleUploadedFile(specimen.filename, specimen.make(), content_type=specimen.content_type)
        response = getattr(client, endpoint.method)(
            endpoint.url(target.pk), {endpoint.field: upload}, format="multipart"
        )
        new_files = media_files(media) - before
        problems += check(specimen, response, new_files)
    assert not problems, "\n".join(problems)
    with capsys.disabled():
        print(f"\nuploads: {len(CORPUS)} files through {endpoint}: 0 server errors")


def check(specimen: Specimen, response, new_files: set[Path]) -> Iterator[str]:
    name, status = specimen.name, response.status_code
    if specimen.refusal is not None:
        if status != 400:
            yield f"{name}: answered {status}, expected a refusal"
        elif specimen.refusal not in message_of(response.json()):
            yield f"{name}: refused with {response.json()!r}, expected “{specimen.refusal}”"
        if new_files:
            yield f"{name}: refused, but files were stored: {sorted(p.name for p in new_files)}"
        return
    if status != 201:
        yield f"{name}: answered {status} {response.content[:200]!r}, expected it accepted"
        return
    yield from check_stored(specimen, new_files)


def check_stored(specimen: Specimen, new_files: set[Path]) -> Iterator[str]:
    """Accepted: stored as fresh JPEGs (photo and thumbnail) with no metadata and nothing hidden."""
    name = specimen.name
    if not new_files:
        yield f"{name}: accepted, but nothing was stored"
    for path in new_files:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as stored:
            if stored.format != "JPEG":
                yield f"{name}: stored as {stored.format}"
            if stored.getexif():
                yield f"{name}: stored with EXIF {dict(stored.getexif())}"
            leftovers = {key for key in ("exif", "xmp", "comment", "icc_profile") if stored.info.get(key)}
            if leftovers:
                yield f"{name}: stored with {sorted(leftovers)}"
        for secret in specimen.hidden:
            if secret in data:
                yield f"{name}: {secret[:20]!r} survived into {path.name}"


# The admin: every form (or inline form) with a file field, posted as a person would


@dataclass(frozen=True)
class AdminUpload:
    model: type[models.Model]  # whose change page holds the form
    prefix: str | None  # the inline formset's prefix, or None for the page's own form
    field: str

    def __str__(self) -> str:
        return f"admin {self.model._meta.label} {self.prefix or ''} ({self.field})"


# Hotline ticket files are spreadsheets, not images: tests/events/test_hotline_import.py sends them bad files.
SPREADSHEET_ADMIN_UPLOADS = {"events.HotlineImport"}


def admin_uploads() -> list[AdminUpload]:
    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True)
    found = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.label in SPREADSHEET_ADMIN_UPLOADS:
            continue
        for name, field in model_admin.get_form(request).base_fields.items():
            if isinstance(field, FileField):
                found.append(AdminUpload(model, None, name))
        for inline_class in model_admin.get_inlines(request, model()):
            formset = inline_class(model, admin.site).get_formset(request, None)
            for name, field in formset.form.base_fields.items():
                if isinstance(field, FileField):
                    found.append(AdminUpload(model, formset.get_default_prefix(), name))
    return found


ADMIN_UPLOADS = admin_uploads()


class FormValues(HTMLParser):
    """What a browser would post back from a page's form (inputs, ticked boxes, selections, text areas)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def add(self, name: str | None, value: str | None) -> None:
        if name:
            self.values.setdefault(name, []).append(value or "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("type", "text") not in ("submit", "button", "file", "image", "reset"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.add(a.get("name"), a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.add(self._select, a.get("value"))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.add(self._textarea, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data


def admin_form_data(page: str, upload: AdminUpload, file: SimpleUploadedFile | None) -> dict[str, object]:
    parser = FormValues()
    parser.feed(page)
    data: dict[str, object] = {k: v if len(v) > 1 else v[0] for k, v in parser.values.items()}
    data["_continue"] = "1"
    if file is None:
        return data
    if upload.prefix is None:
        data[upload.field] = file
        return data
    row = int(str(data[f"{upload.prefix}-TOTAL_FORMS"]))
    template = f"{upload.prefix}-__prefix__-"
    data.update({k.replace("__prefix__", str(row)): v for k, v in list(data.items()) if k.startswith(template)})
    data[f"{upload.prefix}-TOTAL_FORMS"] = str(row + 1)
    data[f"{upload.prefix}-{row}-{upload.field}"] = file
    return data


@pytest.mark.parametrize("upload", ADMIN_UPLOADS, ids=str)
def test_every_bad_file_is_refused_or_stored_clean_in_the_admin(uploader, upload, capsys):
    world, user, _, media = uploader
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    target = world.rows[upload.model]
    names = f"admin:{upload.model._meta.app_label}_{upload.model._meta.model_name}"
    url = reverse(f"{names}_change", args=[target.pk])
    known = {}
    if upload.prefix is None and f'name="{upload.field}"' not in client.get(url).content.decode():
        # A file taken only when the row is added (a photo cannot be replaced): post to the add page,
        # with the target row's own choices for the page's other fields.
        url = reverse(f"{names}_add")
        relations = [f for f in upload.model._meta.concrete_fields if f.is_relation]
        known = {f.name: f.value_from_object(target) for f in relations if f.value_from_object(target) is not None}
    else:
        unchanged = client.post(url, admin_form_data(client.get(url).content.decode(), upload, None))
        assert unchanged.status_code == 302, "the page's form must save as it is before files are tried"
    problems = []
    for specimen in CORPUS:
        before = media_files(media)
        file = SimpleUploadedFile(specimen.filename, specimen.make(), content_type=specimen.content_type)
        data = {**admin_form_data(client.get(url).content.decode(), upload, file)}
        data.update({name: value for name, value in known.items() if not data.get(name)})
        response = client.post(url, data)
        problems += check_admin(specimen, response, media_files(media) - before)
    assert not problems, "\n".join(problems)
    with capsys.disabled():
        print(f"\nuploads: {len(CORPUS)} files through {upload}: 0 server errors")


# Django's own image field checks a file before process_image does (empty, not opened by
# Pillow, an extension no image has), with its own clear, translated messages.
DJANGO_IMAGE_FIELD = ("The submitted file is empty", "Upload a valid image", "File extension")


def check_admin(specimen: Specimen, response, new_files: set[Path]) -> Iterator[str]:
    """The admin answers a refusal with the form again (200) and the message on the field."""
    if response.status_code == 200:
        page = response.content.decode()
        messages = [m for m in (specimen.refusal, *DJANGO_IMAGE_FIELD) if m]
        if "errorlist" not in page or not any(message in page for message in messages):
            yield f"{specimen.name}: the form came back without any of {messages}"
        if specimen.refusal is None and "File extension" not in page:
            yield f"{specimen.name}: a good photo refused for another reason than its name"
        if new_files:
            yield f"{specimen.name}: refused, but files were stored"
        return
    if specimen.refusal is not None:
        yield f"{specimen.name}: answered {response.status_code}, expected the form again with a refusal"
        return
    if response.status_code != 302:
        yield f"{specimen.name}: answered {response.status_code}, expected it accepted"
        return
    yield from check_stored(specimen, new_files)


# The workers' public grievance form (no log-in): photos go through the same checks


def test_every_bad_file_is_refused_or_stored_clean_on_the_public_grievance_form(db, settings, tmp_path, capsys):
    from events.models import Grievance
    from tests.factories import GrassrootsUnionFactory

    settings.MEDIA_ROOT = tmp_path
    union = GrassrootsUnionFactory()
    form = {
        "category": "work_injury",
        "description": "车间机器没有防护罩，工友手指受伤。",
        "federation": union.federation.pk,
        "identity": "anonymous",
        "pin": "246810",
        "consent": "on",
    }
    problems: list[str] = []
    for n, specimen in enumerate(CORPUS):
        before, filed = media_files(tmp_path), Grievance.objects.count()
        upload = SimpleUploadedFile(specimen.filename, specimen.make(), content_type=specimen.content_type)
        client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"10.7.{n // 200}.{n % 200}")  # below the post rate
        response = client.post("/grievances/new/", {**form, "photos": [upload]})
        new_files = media_files(tmp_path) - before
        if specimen.refusal is not None:
            said = " ".join(response.context["form"].errors.get("photos", [])) if response.context else ""
            if response.status_code != 400 or specimen.refusal not in said:
                problems.append(f"{specimen.name}: answered {response.status_code} “{said}”, expected a refusal")
            if new_files or Grievance.objects.count() != filed:
                problems.append(f"{specimen.name}: refused, but something was stored")
        elif response.status_code != 302:
            problems.append(f"{specimen.name}: answered {response.status_code}, expected it accepted")
        else:
            problems += check_stored(specimen, new_files)
    assert not problems, "\n".join(problems)
    with capsys.disabled():
        print(f"\nuploads: {len(CORPUS)} files through the public grievance form: 0 server errors")
