"""`manage.py load_demo`: the Ningbo and Haiyan demo, with a log-in for every role."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from unionhub.core.choices import Role
from unionhub.core.models import User
from unionhub.demo.demo_data import DEMO_PASSWORD, build_plan, scope_description
from unionhub.demo.loader import DemoError, Loader, wipe


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    # Read when the parser is built, so that it comes in the active language.
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Load the demo (federations of Ningbo and Haiyan, zones, unions, members, stations, and a log-in "
            "for every role). Idempotent: a second run changes nothing."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help=_("Delete the demo's rows first, then load it again."))
        parser.add_argument(
            "--list-users",
            action="store_true",
            help=_("Only print the demo log-ins (role, user name, password, what they can see)."),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Load even with DEBUG off (the accounts have a published password)."),
        )

    def handle(self, *args: Any, reset: bool, list_users: bool, force: bool, **options: Any) -> None:
        if list_users:
            self.print_users()
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "The demo creates accounts whose password is published, so it runs only with DEBUG on. "
                    "Use --force to load it anyway."
                )
            )
        started = time.monotonic()
        try:
            with transaction.atomic():
                deleted = wipe() if reset else {}
                created = Loader().load()
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] == 0:
            return
        if reset:
            self.stdout.write(_("Deleted: {rows}").format(rows=self.summary(deleted) or "-"))
        if created:
            self.stdout.write(self.style.SUCCESS(_("Created: {rows}").format(rows=self.summary(created))))
        else:
            self.stdout.write(self.style.SUCCESS(_("The demo is already loaded; nothing changed.")))
        self.stdout.write(_("Done in {seconds:.1f} s.").format(seconds=time.monotonic() - started))
        self.print_users()

    @staticmethod
    def summary(counts: dict[str, int]) -> str:
        return ", ".join(f"{count} {label}" for label, count in counts.items())

    def print_users(self) -> None:
        plan = build_plan()
        rows = [[_("role"), _("user name"), _("password"), _("what they can see")]]
        for spec in plan.users:
            role = _("Superuser") if spec.role is None else str(Role(spec.role).label)
            rows.append([role, spec.username, DEMO_PASSWORD, scope_description(spec, plan)])
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Demo log-ins (every account has the same password)")))
        for line in table(rows):
            self.stdout.write("  " + line)
        self.stdout.write("")
        existing = set(
            User.objects.filter(username__in=[s.username for s in plan.users]).values_list("username", flat=True)
        )
        missing = [spec.username for spec in plan.users if spec.username not in existing]
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    _("Not loaded yet: {users}. Run `manage.py load_demo`.").format(users=", ".join(missing))
                )
            )
