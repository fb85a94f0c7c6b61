"""A test SMS backend that keeps the texts it is asked to send."""

from __future__ import annotations

from collections.abc import Mapping

from unionhub.core.sms import SmsBackend


class RecordingSms(SmsBackend):
    """Keeps (phone, text) pairs instead of sending them; tests read ``sent``."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str, *, key: str, params: Mapping[str, str] | None = None) -> str:
        self.sent.append((phone, text))
        return ""
