"""Load the working-day calendar (public holidays, make-up workdays) from events/data/working_days_cn.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from events.working_days import DATA_FILE, load_calendar


class Command(BaseCommand):
    help = "Load China's public holidays and make-up workdays (a JSON file like events/data/working_days_cn.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=DATA_FILE)
        parser.add_argument("--year", type=int, action="append", help="Only this year (may be repeated).")

    def handle(self, *args: Any, file: Path, year: list[int] | None, **options: Any) -> None:
        written = load_calendar(file, years=year)
        self.stdout.write(f"{written} dates loaded")
