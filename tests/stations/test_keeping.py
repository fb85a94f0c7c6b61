"""Staff keep stations: hours as one week, photos re-encoded, partners and services, the QR poster.

A station keeper changes their own station and nothing else; the same 404 answers for a
station that is missing and for one that is someone else's.
"""

import datetime
import io

import pytest
from django.test import Client
from PIL import Image

from stations.models import OpeningPeriod, Station, StationPhoto
from tests.factories import RoleAssignmentFactory, StationFactory, StationKeeperFactory, ZoneFactory, jpeg_bytes
from tests.stations.factories import OpeningPeriodFactory, StationServiceFactory
from unionhub.core.choices import Role

pytestmark = pytest.mark.django_db

WEEK = {
    "open_24h": False,
    "periods": [
        {"weekday": 4, "opens": "20:00", "closes": "02:00", "overnight": True},
        {"weekday": 5, "opens": "08:00", "closes": "18:00"},
    ],
    "exceptions": [{"date": "2027-02-17", "note": "春节"}],
}


@pytest.fixture
def keeper_and_stations():
    zone = ZoneFactory()
    mine = StationFactory(zone=zone, federation=zone.federation, name="我的驿站")
    theirs = StationFactory(zone=zone, federation=zone.federation, name="别人的驿站")
    return StationKeeperFactory(station=mine).user, mine, theirs


def test_a_keeper_replaces_the_hours_of_their_station(client_for, keeper_and_stations):
    keeper, mine, _theirs = keeper_and_stations

    response = client_for(keeper).put(f"/api/v1/stations/{mine.pk}/hours/", WEEK, format="json")

    assert response.status_code == 200, response.json()
    assert [(p.weekday, p.opens, p.overnight) for p in mine.periods.all()] == [
        (4, datetime.time(20), True),
        (5, datetime.time(8), False),
    ]
    assert mine.exceptions.get().closed
    assert response.json()["periods"][0]["closes"] == "02:00:00"


def test_a_keeper_cannot_touch_another_station(client_for, keeper_and_stations):
    keeper, _mine, theirs = keeper_and_stations
    api = client_for(keeper)

    assert api.put(f"/api/v1/stations/{theirs.pk}/hours/", WEEK, format="json").status_code == 404
    assert api.get(f"/api/v1/stations/{theirs.pk}/usage/").status_code == 404
    upload = io.BytesIO(jpeg_bytes())
    upload.name = "a.jpg"
    assert api.post(f"/api/v1/stations/{theirs.pk}/photos/", {"image": upload}, format="multipart").status_code == 404
    assert not theirs.periods.exists() and not theirs.photos.exists()


def test_a_keeper_adds_a_photo_kept_without_metadata(client_for, keeper_and_stations):
    keeper, mine, _theirs = keeper_and_stations
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (2400, 1800), (200, 60, 40)).save(out, "JPEG", exif=exif)
    out.seek(0)
    out.name = "station.jpg"

    response = client_for(keeper).post(
        f"/api/v1/stations/{mine.pk}/photos/", {"image": out, "caption": "门口"}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    photo = StationPhoto.objects.get()
    with Image.open(photo.image.path) as stored:
        assert max(stored.size) == 1600
        assert not stored.getexif()
    public = Client().get(response.json()["url"] + "?size=thumbnail")
    assert public.status_code == 200 and public["Content-Type"] == "image/jpeg"


def test_the_admin_page_edits_hours_inline_and_refuses_an_overlap(keeper_and_stations):
    keeper, mine, _theirs = keeper_and_stations
    browser = Client()
    browser.force_login(keeper)
    url = f"/admin/stations/station/{mine.pk}/change/"
    page = browser.get(url)
    assert page.status_code == 200
    data = {**change_form_data(page, mine), "amenities": ["water", "charging"]}
    prefix = "periods"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-0-weekday": "0",
            f"{prefix}-0-opens": "08:00",
            f"{prefix}-0-closes": "12:00",
            f"{prefix}-1-weekday": "0",
            f"{prefix}-1-opens": "11:00",
            f"{prefix}-1-closes": "18:00",
        }
    )

    refused = browser.post(url, data)

    assert refused.status_code == 200  # the form again, with the error
    assert "11:00" in refused.content.decode()
    assert not OpeningPeriod.objects.exists()

    data[f"{prefix}-1-opens"] = "12:00"
    data.update(
        {
            "services-TOTAL_FORMS": "1",
            "services-0-kind": "legal_aid",
            "services-0-weekdays": ["2", "4"],
            "partners-TOTAL_FORMS": "1",
            "partners-0-name": "海盐农商银行",
            "partners-0-kind": "bank",
            "partners-0-is_host": "on",
        }
    )
    saved = browser.post(url, data)

    assert saved.status_code == 302, form_errors(saved)
    assert OpeningPeriod.objects.filter(station=mine).count() == 2
    mine.refresh_from_db()
    assert mine.amenities == ["water", "charging"]
    assert mine.week_minutes == [(8 * 60, 18 * 60)]
    assert mine.services.get().weekdays == [2, 4]
    assert mine.partners.get().is_host


def change_form_data(page, station) -> dict:
    """What the station's change form posts back unchanged, with every inline empty."""
    data = {
        "name": station.name,
        "kind": station.kind,
        "status": station.status,
        "address": station.address,
        "position": station.position.ewkt,
    }
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_a_photo_added_in_the_admin_is_checked_on_its_field(keeper_and_stations):
    from django.core.files.uploadedfile import SimpleUploadedFile

    keeper, mine, _theirs = keeper_and_stations
    browser = Client()
    browser.force_login(keeper)
    url = f"/admin/stations/station/{mine.pk}/change/"
    data = change_form_data(browser.get(url), mine)
    data.update({"photos-TOTAL_FORMS": "1", "photos-0-caption": "门口"})

    refused = browser.post(url, {**data, "photos-0-image": SimpleUploadedFile("a.jpg", b"not an image")})

    assert refused.status_code == 200
    assert "image" in refused.context["inline_admin_formsets"][-1].formset.errors[0]
    assert not StationPhoto.objects.exists()

    photo = SimpleUploadedFile("b.jpg", jpeg_bytes((800, 600)), content_type="image/jpeg")
    saved = browser.post(url, {**data, "photos-0-image": photo})

    assert saved.status_code == 302, form_errors(saved)
    stored = StationPhoto.objects.get()
    assert (stored.station, stored.caption) == (mine, "门口")
    with Image.open(stored.thumbnail.path) as thumbnail:
        assert max(thumbnail.size) == 320


def test_the_qr_poster_points_to_the_public_page_by_code(keeper_and_stations, settings):
    keeper, mine, theirs = keeper_and_stations
    OpeningPeriodFactory(station=mine, weekday=2)
    StationServiceFactory(station=mine)
    settings.PUBLIC_HOSTS = ["fuwu.example.org"]
    browser = Client()
    browser.force_login(keeper)

    poster = browser.get(f"/admin/stations/station/{mine.pk}/poster/")

    assert poster.status_code == 200
    page = poster.content.decode()
    assert f"https://fuwu.example.org/s/{mine.public_code}/" in page
    assert "<svg" in page and mine.name in page
    assert browser.get(f"/admin/stations/station/{theirs.pk}/poster/").status_code == 404


def test_every_station_gets_an_unguessable_public_code():
    first, second = StationFactory(), StationFactory()

    assert len(first.public_code) == 12 and first.public_code != second.public_code
    assert not first.public_code.isdigit()


def test_federation_staff_see_the_map_and_the_usage_on_the_station_page():
    station = StationFactory()
    staff = RoleAssignmentFactory(role=Role.FEDERATION_STAFF, federation=station.federation).user
    browser = Client()
    browser.force_login(staff)

    page = browser.get(f"/admin/stations/station/{station.pk}/change/")

    assert page.status_code == 200
    assert page.context["usage"]["total"] == 0
    assert "leaflet" in page.content.decode()  # the position is placed on a map
    assert Station.objects.get(pk=station.pk).public_code


def form_errors(response):
    ctx = response.context
    out = [ctx["adminform"].form.errors]
    for fs in ctx["inline_admin_formsets"]:
        out.append((fs.formset.prefix, fs.formset.errors, fs.formset.non_form_errors()))
    return out


def test_stations_loaded_without_save_get_their_codes_in_one_update():
    from stations.actions import ensure_public_codes

    StationFactory.create_batch(2)
    Station.objects.update(public_code=None)

    assert ensure_public_codes() == 2

    codes = set(Station.objects.values_list("public_code", flat=True))
    assert len(codes) == 2 and all(len(code) == 12 for code in codes)
