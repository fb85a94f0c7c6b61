"""Fill the full-text search tokens of every searchable model (unionhub.core.text).

manage.py reindex_text            rows never indexed (COPY-loaded, older than the column)
manage.py reindex_text --all      every row (after vocabulary.toml changed)
manage.py reindex_text --model zones.Visit
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

from unionhub.core.text.index import indexed_models, reindex


class Command(BaseCommand):
    help = "Fill search_tokens (jieba tokens for full-text search) of searchable models."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Re-index every row, not only rows never indexed.")
        parser.add_argument("--model", action="append", help="app_label.Model; repeat for several (default: all).")

    def handle(self, *args: Any, **options: Any) -> None:
        models = [apps.get_model(name) for name in options["model"]] if options["model"] else indexed_models()
        for model in models:
            updated = reindex(model, missing_only=not options["all"])
            self.stdout.write(f"{model._meta.label}: {updated} rows indexed")
