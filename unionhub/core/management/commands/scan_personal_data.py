"""Report resident ID numbers stored in plain text in the database, in files, or in Redis; exit 1 if any."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from unionhub.core.pii_scan import scan_database, scan_files, scan_redis


class Command(BaseCommand):
    help = "Scan the database (and optionally files and Redis) for resident ID numbers in plain text."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="log files or export folders to scan too")
        parser.add_argument("--redis", action="store_true", help="scan the Redis database of the broker too")

    def handle(self, *args: Any, **options: Any) -> None:
        findings = [*scan_database(), *scan_files(options["paths"])]
        if options["redis"]:
            findings += scan_redis(redis.Redis.from_url(settings.CELERY_BROKER_URL))
        for finding in findings:
            self.stdout.write(f"{finding.where}: {finding.masked}")
        if findings:
            raise CommandError(f"{len(findings)} resident ID number(s) in plain text")
        self.stdout.write(self.style.SUCCESS("No resident ID number in plain text."))
