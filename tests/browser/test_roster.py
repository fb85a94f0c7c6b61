"""The roster import in a real browser: upload the demo roster, map, dry run, import, with a real worker.

The progress bar follows each job through the API and the page shows the result when it has
finished (static/members/job_progress.js).
"""

import pytest
from playwright.sync_api import expect

from members.models import Member
from members.roster.imports import unions_open_to
from tests.browser.conftest import screenshot
from unionhub.core.models import User
from unionhub.demo.roster import BAD_ROWS, demo_roster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_import_the_demo_roster_and_see_its_three_bad_rows(sign_in, live_server, celery_worker_process):
    page = sign_in("ninghai_staff")
    staff = User.objects.get(username="ninghai_staff")
    union = unions_open_to(staff).filter(zone__isnull=False).order_by("id").first()
    before = Member.objects.filter(union=union).count()

    page.goto(f"{live_server.url}/admin/members/member/")
    page.click("#import-roster")
    page.set_input_files(
        "#id_file",
        files=[{"name": "demo-roster.xlsx", "mimeType": "application/octet-stream", "buffer": demo_roster(union.name)}],
    )
    page.click("#upload-form input[type=submit]")
    expect(page.locator("#id_column_id_number")).to_have_value("2")
    page.click("#mapping-form input[type=submit]")

    # The page follows the dry run and shows its report: exactly the three bad rows, no import button.
    expect(page.locator("#import-errors tbody tr")).to_have_count(3, timeout=60_000)
    rows = page.locator("#import-errors tbody tr td:first-child").all_inner_texts()
    assert [int(row) for row in rows] == sorted(BAD_ROWS)
    expect(page.locator("#commit-form")).to_have_count(0)
    screenshot(page, "roster-import-report")
    assert Member.objects.filter(union=union).count() == before
