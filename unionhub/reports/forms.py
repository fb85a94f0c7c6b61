"""The dashboard's date range and comparison: one form for the pages, the API and the exports."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from unionhub.core.models import User

from .dashboard import Compare, Period, Selection, earliest_month
from .summaries import first_of_month


def this_month() -> datetime.date:
    return first_of_month(timezone.localdate())


class MonthInput(forms.TextInput):
    input_type = "month"


class PeriodForm(forms.Form):
    """``start`` and ``end`` as YYYY-MM (whole months, within the history kept), and the comparison.

    Left empty, the period is this quarter so far, compared with the period just before.
    """

    start = forms.CharField(label=_("From"), required=False, widget=MonthInput)
    end = forms.CharField(label=_("To"), required=False, widget=MonthInput)
    compare = forms.ChoiceField(label=_("Compare with"), choices=Compare.choices, required=False)

    def _month(self, name: str) -> datetime.date | None:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        try:
            month = datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from None
        first, last = earliest_month(), this_month()
        if not first <= month <= last:
            raise forms.ValidationError(
                _("Choose a month from {first} to {last}.").format(first=f"{first:%Y-%m}", last=f"{last:%Y-%m}"),
                code="out_of_range",
            )
        return month

    def clean_start(self) -> datetime.date | None:
        return self._month("start")

    def clean_end(self) -> datetime.date | None:
        return self._month("end")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["compare"] = data.get("compare") or Compare.PREVIOUS
        if self.has_error("start") or self.has_error("end"):
            return data
        start, end = data.get("start"), data.get("end")
        if start is None and end is None:
            period = Period.default()
        else:
            period = Period(start or end or this_month(), end or this_month())
        if period.first > period.last:
            self.add_error("end", forms.ValidationError(_("The period must end after it starts."), code="order"))
        data["period"] = period
        return data

    def selection(self, user: User, zone_id: int | None = None) -> Selection:
        """The cleaned choice, or the default period when the form is not valid."""
        if self.is_valid():
            return Selection(user, self.cleaned_data["period"], self.cleaned_data["compare"], zone_id)
        return Selection(user, Period.default(), Compare.PREVIOUS, zone_id)
