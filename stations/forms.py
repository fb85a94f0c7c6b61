"""Forms of the station admin: amenities and weekdays as checkboxes, photos checked on upload,
the week checked for overlaps across the whole inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from unionhub.core import consents
from unionhub.core.validators import validate_phone

from .actions import process_photo
from .choices import Amenity, Occupation, Weekday
from .hours import Span, check_no_overlap
from .models import HelpRequest, Station, StationPhoto, StationService, Suggestion


class StationForm(forms.ModelForm):
    amenities = forms.MultipleChoiceField(
        label=_("amenities"), choices=Amenity.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Station
        fields = ["name", "kind", "status", "federation", "zone", "address", "position", "open_24h", "amenities"]


class StationServiceForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"), choices=Weekday.choices, coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = StationService
        fields = ["kind", "weekdays", "note"]


class StationPhotoForm(forms.ModelForm):
    """A new photo is checked and re-encoded when the form is validated (errors on the field)."""

    class Meta:
        model = StationPhoto
        fields = ["image", "caption"]

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        self.processed = None
        if "image" in self.changed_data and upload:
            upload.seek(0)
            try:
                self.processed = process_photo(upload)
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["image"]) from None
        return upload


class WeekFormSet(BaseInlineFormSet):
    """The weekly periods as one week: two periods that overlap are refused together."""

    def clean(self) -> None:
        super().clean()
        spans = [
            Span(form.cleaned_data["weekday"], form.cleaned_data["opens"], form.cleaned_data["closes"],
                 form.cleaned_data.get("overnight", False))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
            and {"weekday", "opens", "closes"} <= form.cleaned_data.keys()
        ]  # fmt: skip
        try:
            check_no_overlap(spans)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["periods"]) from None


class CheckInForm(forms.Form):
    """What a worker says when checking in: nothing that identifies them."""

    occupation = forms.ChoiceField(label=_("What do you do?"), choices=Occupation.choices, widget=forms.RadioSelect)
    is_member = forms.TypedChoiceField(
        label=_("Are you a union member?"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


class SuggestionForm(forms.ModelForm):
    """A suggestion or a wish on the station's QR page: anonymous, the occupation at most."""

    class Meta:
        model = Suggestion
        fields = ["kind", "text", "occupation"]
        widgets = {
            "kind": forms.RadioSelect,
            "text": forms.Textarea(attrs={"rows": 3, "maxlength": Suggestion.MAX_LENGTH}),
        }


class HelpRequestForm(forms.ModelForm):
    """ "I need help": what about and what happened; a name and a phone only if the worker wants a call back."""

    phone = forms.CharField(
        label=_("mobile phone (optional, for a call back)"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}),
    )

    # The consent (PIPL art. 29): unticked, required; wording and version from unionhub.core.consents.
    consent = forms.BooleanField(label="")

    class Meta:
        model = HelpRequest
        fields = ["topic", "description", "name"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consent_wording = consents.current(consents.HELP_REQUEST)
        self.fields["consent"].label = self.consent_wording.label
        self.fields["consent"].error_messages["required"] = self.consent_wording.required_message


class CoverageForm(forms.Form):
    """The 15-minute service circle's question (the federation's choices are the user's nodes)."""

    federation = forms.TypedChoiceField(label=_("federation"), coerce=int)
    mode = forms.ChoiceField(
        label=_("within"),
        choices=[("walk", _("a 15-minute walk (1.2 km)")), ("ride", _("a 15-minute ride (4 km)"))],
    )
    day = forms.DateField(label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))
    hour = forms.IntegerField(label=_("hour"), min_value=0, max_value=23)
