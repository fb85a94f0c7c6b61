"""Re-encrypt every encrypted column (change history included) and file under the current FIELD_ENCRYPTION_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from unionhub.core import rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data under FIELD_ENCRYPTION_KEY (old keys in FIELD_ENCRYPTION_OLD_KEYS still decrypt). "
        "Safe to stop and run again. With --check, only count what is still under another key."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="count values under another key; change nothing")
        parser.add_argument("--batch", type=int, default=rotation.BATCH, help="rows per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["check"]:
            for where, count in rotation.rotate(batch=options["batch"]).items():
                self.stdout.write(f"{where}: {count} re-encrypted")
        left = rotation.remaining()
        for where, count in left.items():
            self.stdout.write(f"{where}: {count} still under another key")
        if left:
            raise CommandError("Some values are still under another key: keep the old key.")
        self.stdout.write(self.style.SUCCESS("Everything is under the current key: old keys may be removed."))
