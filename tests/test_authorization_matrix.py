"""The authorization matrix: every role × in-scope / out-of-scope row × action, on every endpoint.

Endpoints and changelists are discovered, not listed: a new viewset or ModelAdmin is covered
the moment it is routed or registered. What a role may do to a row is read from the model's
ScopeSpec and checked here in Python, independently of the SQL that restrict() builds; the
out-of-scope row of branch B must never be reachable, whatever the role.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from events.models import Activity, Grievance
from tests.discovery import admin_models, is_scoped_admin, model_routes
from tests.worlds import BUILDERS, ROLE_BINDERS, actor, build_world
from unionhub.core.choices import Action, NodeKind, Role
from unionhub.core.scoping import grants_for, scoped_models
from zones.models import Finding, GrassrootsUnion

pytestmark = pytest.mark.django_db

ROLES = list(ROLE_BINDERS)


def _value(obj, column: str):
    for part in column.split("__"):
        obj = getattr(obj, part)
    return obj


def expected(user, obj, action: str) -> bool:
    """Whether ``user`` may ``action`` ``obj``, worked out from the ScopeSpec in Python.

    A row with two ends (EndsScopeSpec: a transfer) is allowed from either end.
    """
    spec = type(obj).scope_spec
    ends = getattr(spec, "ends", None)
    if ends:
        return any(_expected_by(user, obj, action, end) for end in ends.values())
    return _expected_by(user, obj, action, spec)


def _expected_by(user, obj, action: str, spec) -> bool:
    if spec.owner and action == Action.VIEW and _value(obj, spec.owner) == user.pk:
        return True
    for grant in grants_for(user):
        column = spec.field_for(grant.kind)
        if column is None or action not in spec.actions_for(grant.role):
            continue
        value = _value(obj, column)
        if grant.kind == NodeKind.FEDERATION and value.startswith(grant.value):
            return True
        if grant.kind != NodeKind.FEDERATION and value == grant.value:
            return True
    return False


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """Both branches and one actor per role, built once for the module and rolled back after."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        a, b = build_world("甲", 121.40), build_world("乙", 121.60)
        actors = {role: actor(a, role) for role in ROLES}
        yield a, b, actors
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def test_every_scoped_model_has_a_world_builder():
    missing = [m._meta.label for m in scoped_models() if m not in BUILDERS and not m._meta.label.endswith("Historical")]
    missing = [label for label in missing if ".Historical" not in label]
    assert not missing, f"add these models to tests/worlds.py BUILDERS: {missing}"


def test_every_routed_model_is_scoped():
    for endpoint in model_routes():
        assert hasattr(endpoint.model, "scope_spec"), endpoint.url_name


def _write(client: APIClient, method: str, url: str) -> int:
    """A write whose effect is rolled back, so one matrix row never changes the next."""
    with transaction.atomic():
        response = getattr(client, method)(url, {}, format="json")
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(matrix, role):
    a, b, actors = matrix
    user = actors[role]
    client = APIClient()
    client.force_authenticate(user)
    checked = 0
    for endpoint in model_routes():
        model = endpoint.model
        mine, theirs = a.rows[model], b.rows[model]
        if not endpoint.detail:
            url = reverse(endpoint.url_name) + "?page_size=200"
            response = client.get(url)
            assert response.status_code == 200, (role, endpoint.url_name, response.status_code)
            results = response.json()
            results = results.get("results", results) if isinstance(results, dict) else results
            ids = {row["id"] for row in results}
            assert (mine.pk in ids) == expected(user, mine, Action.VIEW), (role, endpoint.url_name, "list in scope")
            assert theirs.pk not in ids, (role, endpoint.url_name, "list leaks branch B")
            checked += 2
            continue
        for obj, in_b in [(mine, False), (theirs, True)]:
            url = reverse(endpoint.url_name, args=[obj.pk])
            status = client.get(url).status_code
            want_view = not in_b and expected(user, obj, Action.VIEW)
            assert status == (200 if want_view else 404), (role, endpoint.url_name, obj, "GET", status)
            for method, action in [("patch", Action.CHANGE), ("delete", Action.DELETE)]:
                if method.upper() not in endpoint.methods:
                    continue
                status = _write(client, method, url)
                allowed = not in_b and expected(user, obj, action)
                if allowed:
                    assert status in (200, 204, 400, 409), (role, endpoint.url_name, obj, method, status)
                else:
                    assert status == 404, (role, endpoint.url_name, obj, method, status)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("role", ROLES)
def test_admin_matrix(matrix, role):
    a, b, actors = matrix
    user = actors[role]
    client = Client()
    client.force_login(user)
    for model, model_admin in admin_models():
        info = model._meta.app_label, model._meta.model_name
        changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        if not is_scoped_admin(model_admin):
            assert changelist.status_code == 403, (role, model, "superuser-only table")
            continue
        mine, theirs = a.rows[model], b.rows[model]
        sees_any = model.scope_spec.allows_somewhere(user, Action.VIEW)
        assert changelist.status_code == (200 if sees_any else 403), (role, model, changelist.status_code)
        missing = client.get(reverse("admin:{}_{}_change".format(*info), args=[987654321]))
        for obj, in_b in [(mine, False), (theirs, True)]:
            change_url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            if changelist.status_code == 200:
                listed = change_url in changelist.content.decode()
                assert listed == (not in_b and expected(user, obj, Action.VIEW)), (role, model, obj, "listed")
            response = client.get(change_url)
            if not in_b and expected(user, obj, Action.VIEW):
                assert response.status_code == 200, (role, model, obj, response.status_code)
            else:
                # Out of scope looks exactly like missing.
                assert response.status_code == missing.status_code, (role, model, obj, response.status_code)


# The phone pages (/m/) that show one row, and the lists that must never show branch B's.
ROW_PAGES = {
    GrassrootsUnion: "mobile:union",
    Finding: "mobile:demand",
    Activity: "events:check-in",
    Grievance: "events:grievance-work",
}
LIST_PAGES = [
    "/m/",
    "/m/?all=1",
    "/m/inbox/",
    "/m/inbox/?tab=done",
    "/m/demands/",
    "/m/coverage/",
    "/m/activities/",
    *(f"/m/grievances/?show={show}" for show in ("open", "verify", "mine", "due")),
]


@pytest.mark.parametrize("role", ROLES)
def test_page_matrix(matrix, role):
    a, b, actors = matrix
    user = actors[role]
    client = Client()
    client.force_login(user)
    for model, url_name in ROW_PAGES.items():
        for world in (a, b):
            row = world.rows[model]
            allowed = world is a and expected(user, row, Action.VIEW)
            status = client.get(reverse(url_name, args=[row.pk])).status_code
            assert status == (200 if allowed else 404), (role, url_name, world.name, status)
    for url in LIST_PAGES:
        page = client.get(url)
        assert page.status_code == 200, (role, url, page.status_code)
        for leak in (b.union.name, b.zone.name):
            assert leak not in page.content.decode(), (role, url, leak)


def test_leadership_reads_but_never_writes(matrix):
    a, _, actors = matrix
    leader = actors[Role.LEADERSHIP]
    for model, row in a.rows.items():
        spec = model.scope_spec
        assert not model._default_manager.restrict(leader, Action.CHANGE).filter(pk=row.pk).exists(), model
        assert not model._default_manager.restrict(leader, Action.DELETE).filter(pk=row.pk).exists(), model
        assert not spec.allows_somewhere(leader, Action.ADD), model


def test_branch_b_staff_see_nothing_of_branch_a(matrix):
    a, b, _ = matrix
    outsider = actor(b, Role.FEDERATION_STAFF)
    for model, row in a.rows.items():
        for action in Action.values:
            assert not model._default_manager.restrict(outsider, action).filter(pk=row.pk).exists(), (model, action)


def test_matrix_size(matrix, capsys):
    """Report the matrix's size: endpoints × roles × (in scope, out of scope) × actions."""
    routes = model_routes()
    cells = sum(len(ROLES) * 2 * (1 if not e.detail else 1 + len({"PATCH", "DELETE"} & e.methods)) for e in routes)
    admin_cells = len(admin_models()) * len(ROLES) * 3
    page_cells = (len(ROW_PAGES) * 2 + len(LIST_PAGES)) * len(ROLES)
    with capsys.disabled():
        print(
            f"\nauthorization matrix: {len(routes)} API routes, {len(admin_models())} changelists, "
            f"{len(ROW_PAGES) + len(LIST_PAGES)} phone pages, {len(ROLES)} roles, "
            f"{cells + admin_cells + page_cells} checks"
        )
    assert cells > 0


def _related_filters(endpoint):
    """The list's filters by a related scoped row: (query parameter, related model)."""
    from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
    from django_filters.rest_framework import DjangoFilterBackend

    view = endpoint.viewset()
    filterset_class = DjangoFilterBackend().get_filterset_class(view, endpoint.model._default_manager.all())
    if filterset_class is None:
        return []
    return [
        (name, f.queryset.model)
        for name, f in filterset_class.base_filters.items()
        if isinstance(f, ModelChoiceFilter | ModelMultipleChoiceFilter) and f.queryset is not None
    ]


def test_a_filter_by_a_row_out_of_scope_answers_as_for_a_missing_row(matrix):
    """?union=<a row of branch B> is refused exactly as ?union=<no such row>: nothing tells it exists."""
    _a, b, actors = matrix
    client = APIClient()
    client.force_authenticate(actors[Role.FEDERATION_STAFF])
    checked = 0
    for endpoint in model_routes():
        if endpoint.detail:
            continue
        url = reverse(endpoint.url_name)
        for parameter, related in _related_filters(endpoint):
            if related not in b.rows:
                continue
            theirs = client.get(url, {parameter: b.rows[related].pk})
            missing = client.get(url, {parameter: 987654321})
            assert theirs.status_code == missing.status_code, (url, parameter, theirs.status_code, missing.status_code)
            checked += 1
    assert checked > 20


def test_open311_keys_read_their_own_branch_only(matrix):
    """An Open311 key answers for its federation's grievances; branch B's are missing, not forbidden."""
    from events.open311.models import Open311Key, hash_key

    client = Client()
    for world, other in [(matrix[0], matrix[1]), (matrix[1], matrix[0])]:
        plain = f"uh311_{world.name}_matrix"
        Open311Key.objects.create(federation=world.federation, name="矩阵", prefix="uh311_", key_hash=hash_key(plain))
        mine, theirs = world.rows[Grievance], other.rows[Grievance]
        listed = client.get("/open311/v2/requests.json", {"api_key": plain}).json()
        codes = {item["service_request_id"] for item in listed}
        assert mine.tracking_code in codes and theirs.tracking_code not in codes
        assert client.get(f"/open311/v2/requests/{mine.tracking_code}.json", {"api_key": plain}).status_code == 200
        assert client.get(f"/open311/v2/requests/{theirs.tracking_code}.json", {"api_key": plain}).status_code == 404
        assert client.get(f"/open311/v2/requests/{mine.tracking_code}.json").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_hotline_import_upload_page_is_for_federation_staff_only(matrix, role):
    _a, _b, actors = matrix
    client = Client()
    client.force_login(actors[role])
    status = client.get(reverse("admin:events_hotlineimport_add")).status_code
    assert status == (200 if role == Role.FEDERATION_STAFF else 403), (role, status)
