"""ASVS 8.1.1 / 8.2.1: pages and API answers carrying people's data are never stored by a browser
or a proxy; only what a view declares public and cacheable (a station's photo) may be kept."""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from tests.factories import RoleAssignmentFactory, StationFactory
from unionhub.core.choices import Role
from unionhub.core.middleware import NoStoreByDefaultMiddleware

pytestmark = pytest.mark.django_db


def stored_nowhere(response) -> bool:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/members/",
        "/api/v1/grievances/",
        "/admin/members/member/",
        "/admin/events/grievance/",
        "/dashboard/",
        "/m/",
    ],
)
def test_staff_pages_and_api_answers_are_not_stored(path):
    staff = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user
    browser = Client()
    browser.force_login(staff)

    response = browser.get(path)

    assert response.status_code == 200
    assert stored_nowhere(response)


@pytest.mark.parametrize("path", ["/me/", "/grievances/track/", "/grievances/new/", "/join/unknown/"])
def test_public_pages_that_take_personal_data_are_not_stored(path):
    response = Client().get(path)

    assert response.status_code in {200, 404}
    assert stored_nowhere(response)


def test_a_stations_public_page_is_not_stored_either_since_what_is_open_changes():
    station = StationFactory()

    response = Client().get(f"/s/{station.public_code}/")

    assert response.status_code == 200
    assert stored_nowhere(response)


def test_a_view_that_declares_its_answer_cacheable_keeps_its_header():
    def public_photo(request):
        response = HttpResponse(b"jpeg")
        response["Cache-Control"] = "public, max-age=86400"
        return response

    response = NoStoreByDefaultMiddleware(public_photo)(RequestFactory().get("/s/abc/photos/1/"))

    assert response["Cache-Control"] == "public, max-age=86400"
