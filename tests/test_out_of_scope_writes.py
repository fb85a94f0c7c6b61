"""Writes that name a row of another branch answer exactly as if the row did not exist.

The authorization matrix covers reading and writing rows by their URL; these cover the
other ways a write can point at a row: a related field in a create or an update (the
visit's union, a station's zone…), nested writes (a visit sent with its findings), and the
admin's bulk actions with a selected id. Whatever branch B holds, a user of branch A gets
"no such row", and nothing changes anywhere.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.admin import helpers
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField
from rest_framework.test import APIClient

from tests.discovery import admin_models, is_scoped_admin, model_routes
from tests.worlds import actor, build_world
from unionhub.core.choices import Role
from zones.models import Finding, Visit

pytestmark = pytest.mark.django_db

MISSING = 987654321


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker):
    """Branches A and B and a federation staff member of A, rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        a, b = build_world("甲", 121.40), build_world("乙", 121.60)
        yield a, b, actor(a, Role.FEDERATION_STAFF)
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def _related_fields(endpoint, instance=None):
    """The writable fields of the endpoint's serializer that name a row: (field, related model).

    For an update, the serializer is given its row: some fields are writable at creation only.
    """
    serializer_class = getattr(endpoint.viewset, "serializer_class", None)
    if serializer_class is None:
        return []
    found = []
    for name, field in serializer_class(instance=instance).fields.items():
        if field.read_only:
            continue
        relation = field.child_relation if isinstance(field, ManyRelatedField) else field
        if isinstance(relation, PrimaryKeyRelatedField) and relation.queryset is not None:
            found.append((name, relation.queryset.model, isinstance(field, ManyRelatedField)))
    return found


def _error(client, method, url, field, pk, many):
    """The field's error when ``field`` names ``pk``, with the number itself taken out."""
    with transaction.atomic():
        response = getattr(client, method)(url, {field: [pk] if many else pk}, format="json")
        transaction.set_rollback(True)
    body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
    message = body.get(field) if isinstance(body, dict) else None
    return response.status_code, re.sub(str(pk), "<pk>", str(message))


def test_a_related_field_naming_a_row_out_of_scope_is_refused_like_a_missing_row(worlds):
    a, b, staff = worlds
    client = APIClient()
    client.force_authenticate(staff)
    checked = 0
    for endpoint in model_routes():
        if endpoint.detail:
            method, url = "patch", reverse(endpoint.url_name, args=[a.rows[endpoint.model].pk])
            if "PATCH" not in endpoint.methods:
                continue
        else:
            method, url = "post", reverse(endpoint.url_name)
            if "POST" not in endpoint.methods:
                continue
        instance = a.rows[endpoint.model] if endpoint.detail else None
        for field, related, many in _related_fields(endpoint, instance):
            if related not in b.rows:
                continue
            theirs = _error(client, method, url, field, b.rows[related].pk, many)
            missing = _error(client, method, url, field, MISSING, many)
            assert theirs == missing, (endpoint.url_name, field, theirs, missing)
            assert theirs[0] in (400, 404), (endpoint.url_name, field, theirs)
            checked += 1
    assert checked > 20


def test_a_visit_sent_with_findings_for_a_union_out_of_scope_writes_nothing(worlds):
    a, b, staff = worlds
    client = APIClient()
    client.force_authenticate(staff)

    def written(union):
        return Visit.objects.filter(union=union).count(), Finding.objects.filter(union=union).count()

    def send(union):
        body = {
            "union": union.pk,
            "visited_at": "2026-11-02T10:00:00+08:00",
            "duties": ["contact"],
            "findings": [{"kind": "incident", "description": "食堂排风不畅"}],
        }
        before = written(union)
        with transaction.atomic():
            response = client.post(reverse("visit-list"), body, format="json")
            after = written(union)
            transaction.set_rollback(True)
        return response, (after[0] - before[0], after[1] - before[1])

    mine, added_for_mine = send(a.union)
    theirs, added_for_theirs = send(b.union)

    assert (mine.status_code, added_for_mine) == (201, (1, 1)), mine.json()
    assert theirs.status_code == 400
    assert set(theirs.json()) == {"union"}
    assert added_for_theirs == (0, 0)


def _bulk(client, changelist, action, pk):
    # "post": "yes" confirms at once where the action would ask first (delete_selected).
    selection = {"action": action, helpers.ACTION_CHECKBOX_NAME: [pk], "index": 0, "post": "yes"}
    response = client.post(changelist, selection, follow=True)
    return response.status_code, [str(m) for m in response.context["messages"]] if response.context else []


def test_an_admin_bulk_action_on_an_id_out_of_scope_does_nothing_and_says_so_like_for_a_missing_id(worlds):
    _a, b, staff = worlds
    client = Client()
    client.force_login(staff)
    checked = 0
    for model, model_admin in admin_models():
        if not is_scoped_admin(model_admin) or model not in b.rows:
            continue
        info = model._meta.app_label, model._meta.model_name
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        theirs = b.rows[model]
        before = model_to_dict(model._default_manager.get(pk=theirs.pk))
        request = client.get(changelist).wsgi_request
        for action in model_admin.get_actions(request):
            with transaction.atomic():
                answer_theirs = _bulk(client, changelist, action, theirs.pk)
                answer_missing = _bulk(client, changelist, action, MISSING)
                after = model_to_dict(model._default_manager.filter(pk=theirs.pk).first() or model())
                transaction.set_rollback(True)
            assert answer_theirs == answer_missing, (model.__name__, action, answer_theirs, answer_missing)
            assert after == before, (model.__name__, action)
            checked += 1
    assert checked > 10
