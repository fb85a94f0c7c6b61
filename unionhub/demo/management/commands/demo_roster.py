"""`manage.py demo_roster`: write an Excel roster to try the roster import with (three rows are wrong)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unionhub.demo.roster import BAD_ROWS, demo_roster
from zones.models import GrassrootsUnion


class Command(BaseCommand):
    help = "Write an Excel roster of new workers for a demo union, with three wrong rows, to try the import with."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--union", help="the union's name (default: the first union with a zone)")
        parser.add_argument("--out", default="demo-roster.xlsx", help="where to write it (default demo-roster.xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        unions = GrassrootsUnion.objects.filter(zone__isnull=False, is_holding_pool=False).order_by("id")
        union = unions.filter(name=options["union"]).first() if options["union"] else unions.first()
        if union is None:
            raise CommandError("No such union: run load_demo first, or give --union with an existing name.")
        Path(options["out"]).write_bytes(demo_roster(union.name))
        wrong = ", ".join(f"row {row}: {kind}" for row, kind in BAD_ROWS.items())
        self.stdout.write(f"Wrote {options['out']} for {union.name}; wrong on purpose: {wrong}.")
