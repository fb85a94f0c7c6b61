"""Zone workers log visits (once per idempotency key), raise findings, attach photos; staff review and plan."""

import io
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from PIL import Image

from tests.factories import (
    GrassrootsUnionFactory,
    RoleAssignmentFactory,
    VisitFactory,
    VisitPlanEntryFactory,
    ZoneFactory,
    ZoneStaffFactory,
    square,
)
from unionhub.core.choices import Role
from zones.actions import plan_zone
from zones.choices import VisitReview
from zones.models import Finding, Visit, VisitPhoto, VisitPlanEntry
from zones.quarters import Quarter

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone():
    return ZoneFactory(name="宁东片区", boundary=square(121.60, 29.15, 0.1))


@pytest.fixture
def union(zone):
    return GrassrootsUnionFactory(zone=zone, federation=zone.federation, location=Point(121.63, 29.18, srid=4326))


@pytest.fixture
def worker(zone):
    return ZoneStaffFactory(zone=zone, role=Role.ZONE_SOCIAL_WORKER).user


def visit_payload(union, lon=121.631, lat=29.181, **extra):
    return {
        "union": union.pk,
        "visited_at": timezone.now().isoformat(),
        "position": {"type": "Point", "coordinates": [lon, lat]},
        "duties": ["contact", "briefing"],
        "notes": "了解企业用工情况",
        **extra,
    }


def test_a_visit_near_the_union_is_logged_and_ticks_the_plan(client_for, union, worker):
    entry = VisitPlanEntryFactory(union=union, assignee=worker)
    findings = [{"kind": "demand", "category": "sports", "description": "希望共享隔壁企业的健身房"}]

    response = client_for(worker).post("/api/v1/visits/", visit_payload(union, findings=findings), format="json")

    assert response.status_code == 201, response.json()
    visit = Visit.objects.get()
    assert (visit.worker, visit.zone, visit.review) == (worker, union.zone, VisitReview.NOT_NEEDED)
    assert 100 < visit.distance_m < 200  # 0.001° of longitude and latitude at 29°N
    assert visit.quarter == str(Quarter.current())
    entry.refresh_from_db()
    assert entry.first_visit == visit
    finding = Finding.objects.get()
    assert (finding.visit, finding.union, finding.raised_by, finding.status) == (visit, union, worker, "open")


def test_a_visit_far_from_the_union_is_kept_but_flagged(client_for, union, worker):
    response = client_for(worker).post("/api/v1/visits/", visit_payload(union, lon=121.70), format="json")

    assert response.status_code == 201
    assert response.json()["review"] == VisitReview.PENDING
    assert response.json()["distance_m"] > 500


def test_the_same_idempotency_key_stores_one_visit(client_for, union, worker):
    api = client_for(worker)
    first = api.post("/api/v1/visits/", visit_payload(union), format="json", HTTP_IDEMPOTENCY_KEY="phone-7f3a")
    again = api.post("/api/v1/visits/", visit_payload(union), format="json", HTTP_IDEMPOTENCY_KEY="phone-7f3a")
    other = api.post("/api/v1/visits/", visit_payload(union), format="json", HTTP_IDEMPOTENCY_KEY="phone-8b41")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Visit.objects.count() == 2


def test_a_worker_cannot_log_a_visit_to_another_zones_union(client_for, worker):
    elsewhere = GrassrootsUnionFactory()

    response = client_for(worker).post("/api/v1/visits/", visit_payload(elsewhere), format="json")

    assert response.status_code == 400
    assert "union" in response.json()
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [({"duties": []}, "duties"), ({"visited_at": (timezone.now() + timedelta(days=2)).isoformat()}, "visited_at")],
)
def test_bad_visits_are_refused_field_by_field(client_for, union, worker, change, field):
    response = client_for(worker).post("/api/v1/visits/", visit_payload(union, **change), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Visit.objects.exists()


def test_staff_review_flagged_visits_and_zone_workers_cannot(client_for, union, worker):
    visit = VisitFactory(union=union, worker=worker, review=VisitReview.PENDING)
    staff = RoleAssignmentFactory(federation=union.federation, role=Role.FEDERATION_STAFF).user

    refused = client_for(worker).post(f"/api/v1/visits/{visit.pk}/review/", {"accepted": True})
    accepted = client_for(staff).post(f"/api/v1/visits/{visit.pk}/review/", {"accepted": True})

    assert refused.status_code == 404
    assert accepted.status_code == 200
    visit.refresh_from_db()
    assert visit.review == VisitReview.ACCEPTED


def jpeg_with_gps() -> io.BytesIO:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (29.0, 10.0, 48.0), 3: "E", 4: (121.0, 37.0, 48.0)})
    out = io.BytesIO()
    Image.new("RGB", (2000, 1500), (90, 160, 60)).save(out, "JPEG", exif=exif)
    out.seek(0)
    out.name = "IMG_0001.jpg"
    return out


def test_a_photo_is_stored_without_metadata_and_served_only_in_scope(client_for, union, worker):
    visit = VisitFactory(union=union, worker=worker)
    api = client_for(worker)

    response = api.post(f"/api/v1/visits/{visit.pk}/photos/", {"image": jpeg_with_gps()}, format="multipart")

    assert response.status_code == 201, response.json()
    photo = VisitPhoto.objects.get()
    assert photo.taken_position.coords == pytest.approx((121.63, 29.18))
    served = api.get(response.json()["image_url"])
    stored = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert max(stored.size) == 1600 and not stored.getexif()
    outsider = ZoneStaffFactory(role=Role.ZONE_SOCIAL_WORKER).user
    assert client_for(outsider).get(response.json()["image_url"]).status_code == 404


def test_a_file_that_is_not_a_photo_is_refused(client_for, union, worker):
    visit = VisitFactory(union=union, worker=worker)
    fake = io.BytesIO(b"%PDF-1.4 not a photo")
    fake.name = "scan.jpg"

    response = client_for(worker).post(f"/api/v1/visits/{visit.pk}/photos/", {"image": fake}, format="multipart")

    assert response.status_code == 400
    assert "image" in response.json() or "non_field_errors" in response.json()
    assert not VisitPhoto.objects.exists()


def test_plans_are_balanced_keep_last_quarters_worker_and_run_again_safely(zone):
    chief = ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user
    social = ZoneStaffFactory(zone=zone, role=Role.ZONE_SOCIAL_WORKER).user
    ZoneStaffFactory(zone=zone, role=Role.ZONE_AUXILIARY)  # helps, but is not given unions
    unions = [GrassrootsUnionFactory(zone=zone, federation=zone.federation) for _ in range(5)]
    quarter = Quarter.current()
    VisitPlanEntryFactory(union=unions[0], quarter=str(quarter.previous()), assignee=social)

    assert plan_zone(zone.pk, quarter) == 5
    assert plan_zone(zone.pk, quarter) == 0

    entries = dict(VisitPlanEntry.objects.filter(quarter=str(quarter)).values_list("union", "assignee"))
    assert entries[unions[0].pk] == social.pk
    counts = sorted(list(entries.values()).count(user.pk) for user in (chief, social))
    assert counts == [2, 3]


def test_coverage_counts_visited_unions_per_zone_and_worker(client_for, zone, union, worker):
    other = GrassrootsUnionFactory(zone=zone, federation=zone.federation)
    quarter = str(Quarter.current())
    VisitPlanEntryFactory(union=union, assignee=worker, quarter=quarter)
    VisitPlanEntryFactory(union=other, assignee=worker, quarter=quarter)
    client_for(worker).post("/api/v1/visits/", visit_payload(union), format="json")
    chief = ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user

    [row] = client_for(chief).get("/api/v1/visit-plan/coverage/").json()

    assert (row["zone"], row["planned"], row["visited"], row["percent"]) == (zone.pk, 2, 1, 50)
    assert row["workers"] == [{"assignee": worker.pk, "planned": 2, "visited": 1}]
    assert client_for(chief).get("/api/v1/visit-plan/coverage/", {"quarter": "2026Q5"}).status_code == 400


def test_a_planned_visit_goes_only_to_a_worker_of_its_zone(client_for, union, worker, zone):
    entry = VisitPlanEntryFactory(union=union, assignee=worker)
    chief = ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user
    stranger = ZoneStaffFactory(role=Role.ZONE_SOCIAL_WORKER).user
    api = client_for(chief)

    assert api.patch(f"/api/v1/visit-plan/{entry.pk}/", {"assignee": chief.pk}).status_code == 200
    refused = api.patch(f"/api/v1/visit-plan/{entry.pk}/", {"assignee": stranger.pk})

    assert refused.status_code == 400
    entry.refresh_from_db()
    assert entry.assignee == chief
