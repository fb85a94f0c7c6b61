"""An e-mail backend for the fault tests: each message's Message-ID appended to a file, slowly.

The pauses around each write stand for a provider's latency: a worker killed in the first
has sent nothing, one killed in the second has sent a message it has not yet recorded as
sent — the uncertain case DESIGN.md rule 6 wants on record.
"""

from __future__ import annotations

import os
import time

from django.core.mail.backends.base import BaseEmailBackend

PAUSE_SECONDS = 0.05


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        path = os.environ["FAULTS_MAIL_LOG"]
        for message in email_messages:
            time.sleep(PAUSE_SECONDS)
            with open(path, "a", encoding="utf-8") as log:
                log.write(message.extra_headers["Message-ID"] + "\n")
            time.sleep(PAUSE_SECONDS)
        return len(email_messages)
