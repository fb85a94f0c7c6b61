"""Every role on the dashboard's pages, exports and API: its own branch's figures or a refusal, never branch B's."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from tests.worlds import ROLE_BINDERS, actor, build_world
from unionhub.core.choices import Action
from unionhub.reports.models import MonthlyFigures

pytestmark = pytest.mark.django_db

ROLES = list(ROLE_BINDERS)
URLS = [
    "/dashboard/",
    "/dashboard/?display=wall",
    "/dashboard/zones.xlsx",
    "/dashboard/hot-words.xlsx",
    "/api/v1/dashboard/summary/",
    "/api/v1/dashboard/trends/",
    "/api/v1/dashboard/zones/",
    "/api/v1/dashboard/hot-words/",
    "/api/v1/dashboard/map/zones/",
    "/api/v1/dashboard/map/stations/",
]


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        a, b = build_world("戊", 121.40), build_world("己", 121.60)
        actors = {role: actor(a, role) for role in ROLES}
        yield a, b, actors
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_branch_or_is_refused(matrix, role):
    a, b, actors = matrix
    user = actors[role]
    sees = MonthlyFigures.scope_spec.allows_somewhere(user, Action.VIEW)
    client = Client()
    client.force_login(user)
    for url in URLS:
        response = client.get(url)
        assert response.status_code == (200 if sees else 403), (role, url, response.status_code)
        if response["Content-Type"].startswith(("text/html", "application/json", "application/geo+json")):
            body = response.content.decode()
            assert b.zone.name not in body and f'"id":{b.zone.pk},' not in body, (role, url, "leaks branch B")
            assert f"{b.name}热词" not in body, (role, url, "leaks branch B's hot words")
    for url in [
        f"/dashboard/zones/{b.zone.pk}/",
        f"/dashboard/zones/{b.zone.pk}/hot-words.xlsx",
        f"/api/v1/dashboard/zones/{b.zone.pk}/",
        f"/api/v1/dashboard/hot-words/?zone={b.zone.pk}",
    ]:
        assert client.get(url).status_code == (404 if sees else 403), (role, url)
    if sees:
        rows = client.get("/api/v1/dashboard/zones/").json()["results"]
        assert [row["id"] for row in rows] == [a.zone.pk], role
        assert client.get(f"/dashboard/zones/{a.zone.pk}/").status_code == 200, role
