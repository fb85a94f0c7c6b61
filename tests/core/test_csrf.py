"""ASVS 4.2.2: a form post or a session-authenticated API write without the CSRF token is refused
and changes nothing; API clients with a token (no cookie to ride on) need none."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from stations.models import CheckIn
from tests.factories import RoleAssignmentFactory, StationFactory
from unionhub.core.choices import Role
from zones.models import Zone

pytestmark = pytest.mark.django_db


def test_a_public_form_post_without_the_token_is_refused_and_counts_nothing():
    station = StationFactory()
    browser = Client(enforce_csrf_checks=True)

    answer = browser.post(f"/s/{station.public_code}/check-in/", {"occupation": "rider", "is_member": "1"})

    assert answer.status_code == 403
    assert not CheckIn.objects.exists()


def test_a_grievance_form_post_without_the_token_is_refused():
    answer = Client(enforce_csrf_checks=True).post("/grievances/new/", {"category": "wage_arrears"})

    assert answer.status_code == 403


def test_a_session_authenticated_api_write_needs_the_token_and_a_token_client_does_not():
    staff = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user
    federation = staff.role_assignments.get().federation
    body = {"name": "测试片区", "federation": federation.pk}

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    refused = browser.post("/api/v1/zones/", body, content_type="application/json")
    assert refused.status_code == 403
    assert not Zone.objects.filter(name="测试片区").exists()

    token = Token.objects.create(user=staff).key
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token}")
    accepted = client.post("/api/v1/zones/", body, content_type="application/json")
    assert accepted.status_code == 201, accepted.content
