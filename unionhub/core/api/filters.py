"""The filter backend of every list: filters by a related row accept only rows the user may view.

django-filter offers every row of the related table by default, so a filter by an id outside
the user's scope would answer an empty list where a missing id is refused: a way to learn
that the row exists. Here both are refused the same way (DESIGN.md rule 1).
"""

from __future__ import annotations

from typing import Any

from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend

from ..choices import Action
from ..scoping import ScopeSpec


class ScopedFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        for related_filter in filterset.filters.values():
            if not isinstance(related_filter, ModelChoiceFilter | ModelMultipleChoiceFilter):
                continue
            model = getattr(related_filter.queryset, "model", None)
            if isinstance(getattr(model, "scope_spec", None), ScopeSpec):
                related_filter.queryset = model._default_manager.restrict(request.user, Action.VIEW)
        return filterset
