"""Make an Open311 API key from the command line (the admin is the usual way): for a demo, or a deploy script."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.open311.keys import do_create_open311_key
from events.open311.models import Open311Key
from unionhub.core.exceptions import OutOfScope
from unionhub.core.models import Federation, User


class Command(BaseCommand):
    help = "Make an Open311 API key for a federation node and print it (once: only its hash is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--federation", required=True, help="The federation's id or exact name.")
        parser.add_argument("--name", required=True, help="The client, e.g. “12351 hotline system”.")
        parser.add_argument("--user", required=True, help="The staff account (username) that makes the key.")

    def handle(self, *args: Any, federation: str, name: str, user: str, **options: Any) -> None:
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account {user!r}.")
        node = Federation.objects.filter(**({"pk": int(federation)} if federation.isdigit() else {"name": federation}))
        if node.count() != 1:
            raise CommandError(f"No single federation {federation!r}.")
        try:
            plain = do_create_open311_key(Open311Key(federation=node.get(), name=name), actor=actor)
        except OutOfScope:
            raise CommandError(f"{user} may not make keys for this federation.") from None
        self.stdout.write(plain)
