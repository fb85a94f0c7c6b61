"""The pages work under the Content Security Policy: not one violation, on staff and public pages alike.

Every page is loaded in Chromium with a listener for ``securitypolicyviolation`` installed
before any of the page's own scripts; scripts that ran without a nonce, styles or images
from elsewhere, and frames would all be reported there (and on the console).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from members.card import card_token
from members.choices import JoinChannel
from members.joining import join_token
from stations.models import Station
from tests.events.factories import GrievanceFactory
from tests.factories import MemberFactory
from zones.models import GrassrootsUnion, Zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def violations_on(page: Page, url: str, *, ready: str = "body") -> list[str]:
    page.goto(url)
    page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def test_staff_and_public_pages_run_under_the_policy(page: Page, live_server, sign_in):
    page.context.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    sign_in("admin")
    zone = Zone.objects.get(name="宁东片区")
    union = GrassrootsUnion.objects.filter(zone=zone).order_by("id").first()
    member = MemberFactory(union=union)
    member.member_number = f"{member.pk:010d}"
    member.save()

    station = Station.objects.filter(federation_path__startswith=zone.federation_path).order_by("id").first()
    worked = GrievanceFactory(union=union)
    staff_pages = {
        f"/admin/stations/station/{station.pk}/change/": ".leaflet-container",
        f"/admin/stations/station/{station.pk}/poster/": "svg",
        f"/admin/members/joinapplication/posters/union/{union.pk}/": "svg",
        "/admin/zones/grassrootsunion/": "#result_list",
        f"/admin/zones/zone/{zone.pk}/change/": ".leaflet-container",  # the map widget
        f"/admin/zones/grassrootsunion/{union.pk}/change/": ".leaflet-container",
        "/m/": "#union-list",
        f"/m/unions/{union.pk}/": "#visit-form",
        "/m/inbox/": "main",
        "/m/demands/": "main",
        "/m/grievances/": "#grievance-list",
        f"/m/grievances/{worked.pk}/": "#timeline",
        "/m/stations/": "main",
        "/dashboard/": "main",
        "/admin/stations/heatcell/map/": "#heat-map",
        "/admin/stations/station/coverage/": "#coverage-map",
        "/api/docs/": ".swagger-ui",
    }
    public_pages = {
        "/stations/": "main",
        f"/s/{station.public_code}/": "main",
        f"/join/{join_token(JoinChannel.UNION, union.pk)}/": "form.member-form",
        "/me/": "form.member-form",
        "/venues/": "main",
        "/activities/": "main",
        f"/card/v/{card_token(member)}/": "#verdict",
        "/grievances/new/": "#place-map.leaflet-container",
        f"/grievances/new/?station={station.public_code}": "#place-map.leaflet-container",
        "/grievances/track/": "#track-form",
    }
    found = {}
    for path, ready in {**staff_pages, **public_pages}.items():
        found[path] = violations_on(page, f"{live_server.url}{path}", ready=ready)

    # The tracking page itself, once the code and the phone's last four digits were right.
    grievance = GrievanceFactory(union=union)
    page.goto(f"{live_server.url}/grievances/track/")
    page.fill("#id_code", grievance.tracking_code)
    page.fill("#id_secret", "8000")
    page.click("#track-form button")
    page.wait_for_selector("#grievance")
    page.wait_for_load_state("networkidle")
    found["/grievances/track/ (open)"] = page.evaluate("window.__violations")

    assert {path: v for path, v in found.items() if v} == {}
    assert not [line for line in console if "Content Security Policy" in line]


def test_every_response_carries_the_policy_and_inline_scripts_a_nonce(admin_client):
    from tests.factories import ZoneFactory

    public = admin_client.get("/stations/")["Content-Security-Policy"]
    with_map = admin_client.get(f"/admin/zones/zone/{ZoneFactory().pk}/change/")

    assert "script-src 'self'" in public and "'unsafe-inline'" not in public.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in public and "object-src 'none'" in public
    nonce = with_map["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in with_map.content.decode()
