"""Seed Ningbo-scale data (DESIGN.md "Scale") for benchmarks: bulk COPY, deterministic, one transaction."""

from __future__ import annotations

import os
import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from unionhub.demo.bulk import MemberSource, existing_rows, load_world
from unionhub.demo.scale import PRESETS, MemberPlan, build_world


class Command(BaseCommand):
    help = (
        "Seed a federation tree, zones, grassroots unions, stations and members at scale "
        "(--preset ningbo: 264 zones, 13,800 unions, 2.2 million members, 12,000 stations), and a year of "
        "zone work (zone staff, visit plans, 100,000 visits, findings), stations' opening hours, amenities and "
        "1,000,000 check-ins over the last 180 days, with COPY. "
        "Meant for a dedicated benchmark database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", choices=sorted(PRESETS), default="ningbo")
        parser.add_argument("--seed", type=int, default=20250601, help="Same seed, same data.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Truncate the scale tables first (federations, users, zones, unions, stations, members, visits, "
            "findings, visit plans, indicators, opening periods, check-ins, "
            "their role bindings and history, and every table that refers to them).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="Processes generating and encrypting members (1: in this process).",
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="Load members with every index in place instead of rebuilding them afterwards.",
        )
        parser.add_argument(
            "--password",
            default=os.environ.get("SEED_SCALE_PASSWORD", ""),
            help="Password of the bench_* accounts (default: unusable; benchmarks log in without one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        preset = PRESETS[options["preset"]]
        started = time.perf_counter()
        found = existing_rows()
        if found and not options["replace"]:
            listing = ", ".join(f"{table}: {count:,}" for table, count in found.items())
            raise CommandError(
                f"This database already has data ({listing}). seed_scale fills an empty database; "
                "run it with --replace to delete those tables' rows first."
            )
        self.stdout.write(
            f"Seeding preset {preset.name!r} into {connection.settings_dict['NAME']}: "
            f"{preset.zones} zones, {preset.unions:,} unions, {preset.members:,} members, {preset.stations:,} stations"
        )
        world_started = time.perf_counter()
        world = build_world(preset, options["seed"])
        world_seconds = time.perf_counter() - world_started

        source = MemberSource(MemberPlan.for_world(world), max(1, options["workers"]))
        failed = True
        try:
            with transaction.atomic():
                report = load_world(
                    world,
                    source,
                    drop_indexes=not options["keep_indexes"],
                    password=options["password"] or None,
                    progress=self.stdout.write,
                )
            failed = False
        finally:
            source.close(failed=failed)
        analyze_started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        report.timings["analyze"] = time.perf_counter() - analyze_started
        report.timings = {"world (tree, geometry, unions, stations)": world_seconds, **report.timings}

        total = time.perf_counter() - started
        self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if options["verbosity"] >= 1:
            for stage, seconds in report.timings.items():
                self.stdout.write(f"  {stage:<60} {seconds:8.1f} s")
            counts = ", ".join(f"{name}: {count:,}" for name, count in report.counts.items())
            self.stdout.write(f"  rows: {counts}")
            for username, role in report.users.items():
                self.stdout.write(f"  user {username}: {role}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {preset.name!r} in {total:.1f} s; peak RSS {self_rss:.0f} MB here, "
                f"{child_rss:.0f} MB in the largest worker."
            )
        )
