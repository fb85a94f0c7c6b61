"""Forms of the admin's roster pages: upload, column mapping, and the export's masking choice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from unionhub.core.auth.reauth import PASSWORD_HELP, PASSWORD_LABEL, check_password_again
from unionhub.core.models import User

from ..models import Member, RosterImport
from .files import FIELD_HEADERS, FIELD_LABELS, REQUIRED_FIELDS
from .imports import unions_open_to


def _union_field(user: User) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=unions_open_to(user),
        required=False,
        label=_("Union for rows without one"),
        help_text=_("For a union's own roster with no union column."),
        widget=AutocompleteSelect(Member._meta.get_field("union"), admin.site),
    )


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster file"), help_text=_("An Excel workbook (.xlsx) or a CSV file."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_union"] = _union_field(user)


class RosterMappingForm(forms.Form):
    """One choice of column per roster field, among the file's headers."""

    def __init__(self, *args: Any, roster: RosterImport, user: User, **kwargs: Any) -> None:
        initial = {f"column_{name}": index for name, index in roster.columns.items()}
        initial["default_union"] = roster.default_union_id
        super().__init__(*args, initial=initial, **kwargs)
        choices = [("", "—")] + [(str(i), header or f"({i + 1})") for i, header in enumerate(roster.headers)]
        for name in FIELD_HEADERS:
            self.fields[f"column_{name}"] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                empty_value=None,
                required=name in REQUIRED_FIELDS,
                label=FIELD_LABELS[name],
            )
        self.fields["default_union"] = _union_field(user)

    @property
    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{name}"] for name in FIELD_HEADERS]

    def columns(self) -> dict[str, int]:
        return {
            name: self.cleaned_data[f"column_{name}"]
            for name in FIELD_HEADERS
            if self.cleaned_data.get(f"column_{name}") is not None
        }


class MemberExportForm(forms.Form):
    unmasked = forms.BooleanField(
        required=False,
        label=_("Phones and ID numbers in full"),
        help_text=_("Needs the permission to reveal them; the export is written to the access log."),
    )
    reason = forms.CharField(
        required=False, max_length=500, label=_("Reason"), widget=forms.TextInput(attrs={"size": 60})
    )
    password = forms.CharField(
        required=False,
        label=PASSWORD_LABEL,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("unmasked"):
            try:
                check_password_again(self.request, cleaned.get("password", ""))
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned
