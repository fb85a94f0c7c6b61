"""Simplified Chinese first; English from the language switcher."""

import pytest
from django.test import Client

from tests.factories import RoleAssignmentFactory

pytestmark = pytest.mark.django_db


def test_the_admin_speaks_chinese_and_switches_to_english():
    staff = RoleAssignmentFactory().user
    client = Client()
    client.force_login(staff)

    assert "欢迎" in client.get("/admin/").content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    page = client.get("/admin/").content.decode()
    assert "Welcome" in page
    assert 'id="language-switcher"' in page


def test_the_login_page_offers_the_switcher_before_signing_in():
    page = Client().get("/admin/login/").content.decode()
    assert 'id="language-switcher"' in page
    assert "登录" in page
