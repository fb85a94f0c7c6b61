"""A zone worker on a phone logs visits online and offline, with photos; each is stored once."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator

import pytest
from django.contrib.gis.geos import Point
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.factories import (
    FindingFactory,
    GrassrootsUnionFactory,
    MemberFactory,
    ServiceResourceFactory,
    VisitPlanEntryFactory,
    ZoneFactory,
    ZoneStaffFactory,
    square,
)
from unionhub.core.choices import Role
from unionhub.core.pii_scan import id_numbers_in
from zones.choices import FindingKind, FindingStatus, MatchStatus
from zones.models import DemandMatch, Finding, Visit, VisitPhoto

from .conftest import ARTIFACTS, LOOPBACK, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "phone-password-1"
UNION_AT = {"latitude": 29.18, "longitude": 121.63}
MEMBERS_PHONE = "13857469876"


def wait_until(page: Page, condition, timeout_ms: int = 15_000) -> None:
    """Poll the database (the live server commits) while giving the page time to work."""
    for _ in range(timeout_ms // 250):
        if condition():
            return
        page.wait_for_timeout(250)
    raise AssertionError("condition not met in time")


@pytest.fixture
def phone(browser: Browser, live_server, request) -> Iterator[Page]:
    context = browser.new_context(
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={**UNION_AT, "accuracy": 20},
        permissions=["geolocation"],
    )
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.split("/")[2].split(":")[0] in LOOPBACK else route.abort(),
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def worker_and_union(live_server):
    zone = ZoneFactory(name="宁东片区", boundary=square(121.60, 29.15, 0.1))
    union = GrassrootsUnionFactory(
        zone=zone, federation=zone.federation, name="明辉五金工会", location=Point(121.63, 29.18, srid=4326)
    )
    worker = ZoneStaffFactory(zone=zone, role=Role.ZONE_SOCIAL_WORKER).user
    worker.set_password(PASSWORD)
    worker.save()
    VisitPlanEntryFactory(union=union, assignee=worker)
    member = MemberFactory(union=union)
    member.set_phone(MEMBERS_PHONE)
    member.save()
    return worker, union


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/m/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/m/")


def photo_file() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 120, 90)).save(out, "JPEG")
    return {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_a_worker_logs_visits_online_and_offline_with_a_photo(phone: Page, live_server, worker_and_union):
    worker, union = worker_and_union
    sign_in(phone, live_server, worker.username)
    phone.wait_for_load_state("load")
    loaded = phone.evaluate("[location.href, ...performance.getEntriesByType('resource').map((e) => e.name)]")
    first_load = sum(len(gzip.compress(phone.request.get(url).body())) for url in set(loaded))
    print(f"\n/m/ first load: {first_load / 1024:.1f} KB compressed ({len(set(loaded))} files)")
    assert first_load <= 150 * 1024

    assert phone.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed: pages work offline
    phone.click("text=明辉五金工会")
    phone.set_input_files("input[name=photos]", photo_file())
    phone.click("button[type=submit]")
    wait_until(phone, lambda: VisitPhoto.objects.count() == 1)
    visit = Visit.objects.get()
    assert (visit.worker, visit.union, visit.review) == (worker, union, "not_needed")

    # No signal: the list and the union's page come from the phone, the visit waits there
    # and goes once the signal returns.
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/m/")
    phone.click("text=明辉五金工会")
    phone.fill("textarea[name=notes]", "厂区信号差，离线记录")
    phone.click("button[type=submit]")
    phone.wait_for_selector("#queue-status[data-count='1']")
    assert Visit.objects.count() == 1
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(phone, lambda: Visit.objects.count() == 2)
    phone.wait_for_selector("#queue-status[data-count='0']", state="attached")

    phone.reload()  # the queue is empty: nothing is sent twice
    phone.wait_for_timeout(1000)
    assert Visit.objects.count() == 2
    assert Visit.objects.filter(notes="厂区信号差，离线记录").count() == 1

    # What stays on the phone (pages kept for offline use, the queue, local storage) holds
    # no ID number and no phone number of the union's members (ASVS 8.2.2).
    kept = phone.evaluate(KEPT_ON_THE_PHONE)
    assert "明辉五金工会" in kept  # the union's page is among what is kept
    assert id_numbers_in(kept) == [] and MEMBERS_PHONE not in kept


# Everything this origin keeps in the browser, as text: Cache Storage, IndexedDB and local storage.
KEPT_ON_THE_PHONE = """async () => {
  const texts = [JSON.stringify({...localStorage})];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) texts.push(await (await cache.match(request)).text());
  }
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((done) => {
      const open = indexedDB.open(info.name);
      open.onsuccess = () => done(open.result);
    });
    for (const store of db.objectStoreNames) {
      const rows = await new Promise((done) => {
        const all = db.transaction(store).objectStore(store).getAll();
        all.onsuccess = () => done(all.result);
      });
      texts.push(JSON.stringify(rows));
    }
    db.close();
  }
  return texts.join("\\n");
}"""


def test_a_worker_raises_a_demand_and_matches_it_to_a_neighbours_gym(phone: Page, live_server, worker_and_union):
    worker, union = worker_and_union
    ServiceResourceFactory(
        zone=union.zone, name="隔壁电机厂职工健身房", provider="隔壁电机厂", position=Point(121.631, 29.18, srid=4326)
    )
    FindingFactory(union=union, kind=FindingKind.INCIDENT, category="", description="仓库消防通道被货物堵塞")
    sign_in(phone, live_server, worker.username)

    phone.click("text=明辉五金工会")
    phone.select_option("select[name=finding_kind]", "demand")
    phone.select_option("select[name=finding_category]", "sports")
    phone.fill("textarea[name=finding_description]", "职工想下班后打篮球，厂里没有场地")
    phone.click("button[type=submit]")
    wait_until(phone, lambda: Finding.objects.filter(kind=FindingKind.DEMAND).exists())
    demand = Finding.objects.get(kind=FindingKind.DEMAND)
    assert demand.category == "sports"

    phone.goto(f"{live_server.url}/m/inbox/")
    phone.wait_for_selector("text=仓库消防通道被货物堵塞")
    screenshot(phone, "mobile-inbox")
    phone.goto(f"{live_server.url}/m/demands/")
    phone.click("text=职工想下班后打篮球")
    phone.wait_for_selector("text=隔壁电机厂职工健身房")
    screenshot(phone, "mobile-demand")
    phone.click("ul.suggestions button")
    wait_until(phone, lambda: DemandMatch.objects.filter(finding=demand).exists())
    phone.click("button[value=met]")
    wait_until(phone, lambda: DemandMatch.objects.filter(finding=demand, status=MatchStatus.MET).exists())
    demand.refresh_from_db()
    assert demand.status == FindingStatus.RESOLVED


def test_a_worker_opens_a_grievance_from_the_inbox_and_works_it_to_resolved(phone: Page, live_server, worker_and_union):
    from events import grievances as g
    from events.models import Grievance
    from tests.events.factories import GrievanceFactory

    worker, union = worker_and_union
    chief = ZoneStaffFactory(zone=union.zone, role=Role.ZONE_CHIEF).user
    grievance = GrievanceFactory(union=union, description="老板拖欠三个月工资，电话不接")
    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="zone_worker", user=worker, actor=chief)
    sign_in(phone, live_server, worker.username)

    phone.goto(f"{live_server.url}/m/inbox/")
    phone.click(f"a[href='/m/grievances/{grievance.pk}/']")
    phone.wait_for_selector("#timeline")
    phone.click("#do-start summary")
    phone.click("#do-start button[type=submit]")
    wait_until(phone, lambda: Grievance.objects.get(pk=grievance.pk).status == "in_progress")
    phone.wait_for_selector("#do-resolve")
    phone.click("#do-resolve summary")
    phone.click("#do-resolve button[type=submit]")  # no feedback: the field says what is missing
    phone.wait_for_selector("#field-resolve-feedback .error")
    assert Grievance.objects.get(pk=grievance.pk).status == "in_progress"
    phone.fill("#id_resolve-feedback", "已约谈企业，工资已全部补发")
    phone.click("#do-resolve button[type=submit]")
    wait_until(phone, lambda: Grievance.objects.get(pk=grievance.pk).status == "resolved")
    phone.wait_for_selector("#do-contact")
    phone.goto(f"{live_server.url}/m/grievances/?show=mine")
    phone.wait_for_selector(f"#grievance-{grievance.pk}")
