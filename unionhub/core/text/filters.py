"""The ``?q=`` full-text filter for API lists (django-filter), shared by every app.

Search is a GET (it filters a list, pages and links like any filter). DESIGN.md rule 3
keeps phone and ID numbers out of URLs, so a query holding one is refused with a clear
message before it is used (free text has ID numbers masked anyway; phone and ID look-ups
are the members' POST search).
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .search import SEARCH_VECTOR_FIELD, text_search
from .segment import normalise

MAX_QUERY_LENGTH = 100
_PERSONAL_NUMBER = re.compile(r"[0-9]{11}")  # a mobile number, or part of an ID number
_SEPARATORS = re.compile(r"[\s\-]")


def validate_search_text(value: str) -> None:
    if _PERSONAL_NUMBER.search(_SEPARATORS.sub("", normalise(value))):
        raise ValidationError(
            _("Phone and ID numbers cannot be searched here: they must never appear in a web address."),
            code="personal_number",
        )


class TextSearchFilter(django_filters.CharFilter):
    """Rows whose stored search tokens match the words (and synonyms) of the query."""

    def __init__(self, *args: Any, search_field: str = SEARCH_VECTOR_FIELD, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_QUERY_LENGTH)
        kwargs.setdefault("validators", [validate_search_text])
        kwargs.setdefault("label", _("words to search for (synonyms count)"))
        super().__init__(*args, **kwargs)
        self.search_field = search_field

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not value or not value.strip():
            return qs
        return text_search(qs, value, self.search_field)
