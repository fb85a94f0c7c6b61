"""The committed OpenAPI schema (docs/openapi.yaml) is the one the code generates."""

from pathlib import Path

import pytest
from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


def test_the_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--file", str(generated), "--validate", "--fail-on-warn")

    assert generated.read_text() == SCHEMA.read_text(), (
        "docs/openapi.yaml is out of date: regenerate it with "
        "`python manage.py spectacular --lang en --file docs/openapi.yaml --validate --fail-on-warn`"
    )


@pytest.mark.django_db
def test_the_docs_are_served_without_a_cdn(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x" * 12, is_staff=True)
    client.force_login(user)

    page = client.get("/api/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()
