"""A read-only serializer field with a highlighted snippet of a text for the request's ``?q=``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..text.search import Highlighter


@extend_schema_field({"type": "string", "nullable": True, "description": "HTML: the text's matches in <mark>"})
class HighlightField(serializers.Field):
    """``text_field`` cut around the query's first match, matches in <mark>, the rest escaped; null without ``q``."""

    def __init__(self, text_field: str, **kwargs: Any) -> None:
        self.text_field = text_field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Any) -> str | None:
        request = self.context.get("request")
        query = request.query_params.get("q", "").strip() if request is not None else ""
        if not query:
            return None
        # One Highlighter per response: the list's rows share the serializer context.
        highlighter = self.context.get("_highlighter")
        if highlighter is None:
            highlighter = self.context["_highlighter"] = Highlighter(query)
        return str(highlighter.snippet(getattr(instance, self.text_field)))
