"""The admin and the staff API are never reachable through the public host name."""

import pytest
from django.test import Client, override_settings

from unionhub.core.middleware import PublicHostMiddleware


@pytest.mark.django_db
@override_settings(PUBLIC_HOSTS=["fuwu.example.org"], ALLOWED_HOSTS=["fuwu.example.org", "staff.example.org"])
@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/zones/", "/api/docs/"])
def test_staff_pages_answer_404_on_the_public_host(path):
    assert Client(HTTP_HOST="fuwu.example.org").get(path).status_code == 404
    assert Client(HTTP_HOST="staff.example.org").get(path).status_code != 404


@pytest.mark.django_db
@override_settings(PUBLIC_HOSTS=["fuwu.example.org"], ALLOWED_HOSTS=["fuwu.example.org"])
def test_public_pages_are_served_there():
    assert Client(HTTP_HOST="fuwu.example.org").get("/").status_code == 200


def test_the_middleware_reads_its_hosts_at_start():
    assert PublicHostMiddleware(lambda request: None).public_hosts == set()
