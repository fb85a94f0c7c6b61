"""Suggestions, wishes and "I need help" on a station's QR page."""

import re

import pytest
from django.test import Client
from django.utils.html import escape

from stations.choices import HelpTopic, Moderation, SuggestionKind
from stations.models import HelpRequest, Suggestion
from stations.voice import do_moderate_suggestion
from tests.factories import StationFactory, StationKeeperFactory, UnionChairFactory, ZoneStaffFactory, id_number
from unionhub.core import consents
from unionhub.core.choices import Role
from zones.choices import WorkKind
from zones.inbox import inbox_for
from zones.models import WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def station():
    return StationFactory(name="城南驿站")


def page(station) -> str:
    return Client().get(f"/s/{station.public_code}/").content.decode()


def test_a_wish_shows_on_the_page_once_published_with_its_answer(station):
    keeper = StationKeeperFactory(station=station).user

    wish_form = {"kind": "wish", "text": "希望夏天能有冰镇绿豆汤", "occupation": "courier"}
    response = Client().post(f"/s/{station.public_code}/suggest/", wish_form)
    wish = Suggestion.objects.get()
    assert response.status_code == 302 and wish.moderation == Moderation.PENDING
    assert "冰镇绿豆汤" not in page(station)

    wish.moderation, wish.answer = Moderation.PUBLISHED, "七月起每天下午供应"
    do_moderate_suggestion(wish, actor=keeper)

    shown = page(station)
    assert "冰镇绿豆汤" in shown and "七月起每天下午供应" in shown
    wish.refresh_from_db()
    assert wish.answered_by == keeper and wish.answered_at is not None


def test_an_empty_suggestion_is_refused_field_by_field(station):
    response = Client().post(f"/s/{station.public_code}/suggest/", {"kind": "suggestion", "text": "   "})

    assert response.status_code == 400 and "errorlist" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_keeper_moderates_only_their_own_stations_book(station, api_client):
    keeper = StationKeeperFactory(station=station).user
    other = Suggestion.objects.create(station=StationFactory(), kind=SuggestionKind.SUGGESTION, text="加个充电桩")
    api_client.force_authenticate(keeper)

    response = api_client.patch(f"/api/v1/suggestions/{other.pk}/", {"moderation": "published"}, format="json")

    assert response.status_code == 404


def test_asking_for_help_reaches_the_zone_workers_inbox_with_the_phone_protected(station):
    worker = ZoneStaffFactory(zone=station.zone, role=Role.ZONE_SOCIAL_WORKER).user
    number = id_number("19900202")

    response = Client().post(
        f"/s/{station.public_code}/help/",
        {
            "topic": HelpTopic.WAGES,
            "description": f"站点旁工地拖欠三个月工资，我的身份证{number}",
            "name": "老王",
            "phone": "13957463333",
            "consent": "on",
        },
    )

    assert response.status_code == 302
    request = HelpRequest.objects.get()
    assert request.consent_version == "help-request.v1" and request.consented_at is not None
    assert request.reveal_phone() == "13957463333" and request.phone_last4 == "3333"
    assert number not in request.description
    item = WorkItem.objects.get(source_key=f"help-request:{request.pk}")
    assert item.kind == WorkKind.HELP_REQUEST and "3333" in item.detail and "13957463333" not in item.detail
    assert [entry.title for entry in inbox_for(worker)] == [item.title]


def test_help_requests_stay_out_of_the_keepers_and_union_chairs_sight(station, api_client):
    HelpRequest.objects.create(station=station, topic=HelpTopic.INJURY, description="摔伤了")
    keeper = StationKeeperFactory(station=station).user
    chair = UnionChairFactory().user

    for user in (keeper, chair):
        api_client.force_authenticate(user)
        assert api_client.get("/api/v1/help-requests/").json()["results"] == []


def test_a_bad_phone_is_refused_and_nothing_is_kept(station):
    response = Client().post(
        f"/s/{station.public_code}/help/", {"topic": "other", "description": "需要帮助", "phone": "12345"}
    )

    assert response.status_code == 400
    assert not HelpRequest.objects.exists() and not WorkItem.objects.exists()


def test_without_the_consent_tick_nothing_is_kept_and_the_box_says_why(station):
    page = Client().get(f"/s/{station.public_code}/").content.decode()
    response = Client().post(
        f"/s/{station.public_code}/help/", {"topic": "wages", "description": "工地拖欠工资", "phone": "13957463333"}
    )

    box = re.search(r'<input type="checkbox" name="consent"[^>]*>', page).group()
    assert "checked" not in box and 'data-consent-version="help-request.v1"' in page
    assert response.status_code == 400
    assert escape(str(consents.current(consents.HELP_REQUEST).required_message)) in response.content.decode()
    assert not HelpRequest.objects.exists() and not WorkItem.objects.exists()
