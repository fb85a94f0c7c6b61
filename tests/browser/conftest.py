"""Browser tests: Python Playwright drives Debian's Chromium against pytest-django's live server.

No browser is ever downloaded (``playwright install`` is never run), and every request that
leaves the loopback interface is refused and fails the test: the pages must work offline.
A failed test leaves a screenshot in ``test-artifacts/``; with ``UPDATE_SCREENSHOTS=1`` the
tests also refresh the screenshots in ``docs/screenshots/``.
"""

import os

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to be
# called from it (SynchronousOnlyOperation at teardown) without this. Set before the import.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from unionhub.demo.demo_data import DEMO_PASSWORD, Plan, build_plan
from unionhub.demo.loader import Loader

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Exactly the arguments STACK-NOTES.md lists for Debian's Chromium.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the test item, so the page fixture knows whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context in Chinese (as a federation's staff would have it) on the live server."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 900})
    outside: list[str] = []

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", loopback_only)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not outside, f"the page tried to reach the network: {outside}"


@pytest.fixture
def demo(live_server) -> Plan:
    """The demo without its member rosters (the live server's database is emptied after each test)."""
    Loader(members=False).load()
    return build_plan()


@pytest.fixture
def sign_in(page: Page, live_server, demo: Plan):
    """Sign in to the admin as one of the demo users (Chinese, as the browser asks for)."""

    def sign_in(username: str) -> Page:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        return page

    return sign_in


def screenshot(page: Page, name: str) -> None:
    """Refresh docs/screenshots/<name>.png when UPDATE_SCREENSHOTS=1."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
