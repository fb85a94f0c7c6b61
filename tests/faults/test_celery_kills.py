"""Celery under faults (DESIGN.md rule 6): a real worker killed with SIGKILL, again and again.

While visit reminders are being sent and a roster is being imported, the worker is killed
20 times at random moments and started again; then one worker is left to finish. Afterwards
every effect inside the database happened exactly once (one inbox reminder per union, the
import complete, its job recorded as done), and every e-mail left at least once under its
stable Message-ID, any second copy explained by an attempt on record as uncertain.

The workers run with a short time limit and visibility timeout (CELERY_TASK_TIME_LIMIT,
CELERY_VISIBILITY_TIMEOUT) so that messages held by a killed worker come back within seconds.
Slow (about two minutes): run by ``make verify``, not ``make test``.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import time

import pytest
from django.db import connection

from members.choices import ImportStatus
from members.models import Member
from members.roster.imports import do_commit_roster
from tests.faults.work import ROSTER_ROWS, UNIONS, all_done
from tests.workers import ROOT, start_worker, worker_env
from unionhub.celery import app
from unionhub.core.choices import Channel
from unionhub.core.models import Delivery, Notification
from unionhub.core.outbox import relay

pytestmark = [pytest.mark.verify, pytest.mark.django_db(transaction=True)]

KILLS = 20
FINISH_WITHIN = 180  # seconds for the last worker to finish everything


def test_killed_workers_lose_nothing_and_do_nothing_twice(work):
    roster = work["roster"]
    env = worker_env(
        connection.settings_dict["NAME"],
        DJANGO_SETTINGS_MODULE="tests.faults.worker_settings",
        FAULTS_MAIL_LOG=str(work["mail_log"]),
        CELERY_TASK_TIME_LIMIT="6",
        CELERY_VISIBILITY_TIMEOUT="8",
        VISIT_REMINDER_DAYS_LEFT="400",  # any day of the quarter is near enough its end
        QUIET_HOURS="0,0",  # no quiet hours
    )
    app.control.purge()
    do_commit_roster(roster, actor=work["staff"])  # the import's message leaves on commit
    log = open(ROOT / ".run" / "faults-worker.log", "w")  # noqa: SIM115 - closed below
    killed_mid_work = 0
    try:
        for _kill in range(KILLS):
            worker = start_worker(env, log)
            app.send_task("zones.send_visit_reminders")  # as beat would, every hour
            time.sleep(random.uniform(0.2, 1.5))
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            killed_mid_work += not all_done(roster)

        worker = start_worker(env, log)
        app.send_task("zones.send_visit_reminders")
        deadline = time.monotonic() + FINISH_WITHIN
        while not all_done(roster):
            assert time.monotonic() < deadline, "the last worker did not finish within the time allowed"
            relay()  # what beat's relay does: publish what a killed worker committed but never sent
            time.sleep(1)
        worker.terminate()
        worker.wait(timeout=20)
    finally:
        log.close()

    # Inside the database: everything exactly once.
    reminders = Notification.objects.filter(key__startswith="visit-reminder:")
    assert reminders.count() == UNIONS
    assert reminders.values("key").distinct().count() == UNIONS
    assert roster.status == ImportStatus.COMMITTED and roster.new_rows == ROSTER_ROWS
    assert Member.objects.filter(union__name="甬江街道联合工会").count() == ROSTER_ROWS

    # Outside: every e-mail at least once, under one stable Message-ID; a copy sent twice only
    # where an attempt is on record as uncertain.
    sent = collections.Counter(work["mail_log"].read_text().split())
    deliveries = list(Delivery.objects.filter(channel=Channel.EMAIL))
    uncertain = 0
    for delivery in deliveries:
        message_id = delivery.attempt_log[-1]["detail"]
        assert sent[message_id] >= 1, delivery.key
        interrupted = [a for a in delivery.attempt_log if a["outcome"] == "interrupted" and not a["certain"]]
        uncertain += bool(interrupted)
        if sent[message_id] > 1:
            assert interrupted, (delivery.key, sent[message_id], delivery.attempt_log)
    assert len(sent) == UNIONS

    print(
        f"\ncelery faults: {KILLS} kills, {killed_mid_work} with work unfinished; "
        f"{UNIONS} reminders and e-mails, {sum(sent.values()) - len(sent)} e-mails sent twice, "
        f"{uncertain} deliveries with an uncertain attempt; import of {ROSTER_ROWS} rows complete once"
    )
    assert killed_mid_work >= KILLS // 2, "the kills must land while there is work in flight"
