from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from unionhub.core import consents
from unionhub.core.images import process_image
from unionhub.core.validators import normalise_credit_code, validate_id_number, validate_phone
from zones.models import GrassrootsUnion

from .choices import CorrectionField, JoinChannel, Occupation, WorkForm
from .joining import JoinTarget
from .models import Member


class MemberAdminForm(forms.ModelForm):
    """The member form: phone and ID number are typed in full but stored encrypted and shown masked."""

    phone = forms.CharField(
        label=_("mobile phone"),
        required=False,
        validators=[validate_phone],
        help_text=_("Leave empty to keep the stored number."),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        validators=[validate_id_number],
        help_text=_("Leave empty to keep the stored number."),
    )
    new_photo = forms.FileField(
        label=_("photo"),
        required=False,
        help_text=_("Optional, drawn on the membership card. JPEG, PNG or WebP, at most 10 MB."),
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "union",
            "status",
            "occupation",
            "work_form",
            "employer",
            "joined_on",
            "left_on",
            "is_model_worker",
            "is_craftsman",
            "in_hardship",
        ]

    def clean_new_photo(self) -> Any:
        return clean_photo(self.cleaned_data.get("new_photo"))


def clean_photo(upload: Any) -> bytes | None:
    """An uploaded photo checked and re-encoded (EXIF and everything hidden dropped), or None."""
    if not upload:
        return None
    return process_image(upload).image


class PhotoForm(forms.Form):
    """A member puts a photo on their own card."""

    photo = forms.FileField(label=_("photo"), help_text=_("JPEG, PNG or WebP, at most 10 MB."))

    def clean_photo(self) -> Any:
        return clean_photo(self.cleaned_data.get("photo"))


class CorrectionForm(forms.Form):
    """A member asks for one field of their record to be corrected; the value is checked by do_ask_correction."""

    field = forms.ChoiceField(label=_("What is wrong"), choices=CorrectionField.choices)
    value = forms.CharField(label=_("The right value"), max_length=150, required=False)
    occupation = forms.ChoiceField(label=_("occupation"), choices=[("", "—"), *Occupation.choices], required=False)
    work_form = forms.ChoiceField(label=_("work form"), choices=[("", "—"), *WorkForm.choices], required=False)
    reason = forms.CharField(label=_("Why (optional)"), max_length=500, required=False, widget=forms.Textarea)

    def corrected_value(self) -> str:
        data = self.cleaned_data
        if data["field"] in (CorrectionField.OCCUPATION, CorrectionField.WORK_FORM):
            return data.get(data["field"]) or ""
        return data.get("value") or ""


class JoinForm(forms.Form):
    """The scan-to-join form; the phone is proved by a texted code before the application is filed.

    A union's own code fixes the union; a zone's or station's code offers the zone's unions; a
    joining event's code asks for the union by name or credit code. Left empty, a
    new-employment-form worker goes to the county's holding pool.
    """

    name = forms.CharField(label=_("full name"), max_length=50)
    id_number = forms.CharField(
        label=_("resident ID number"),
        max_length=18,
        validators=[validate_id_number],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("mobile phone"),
        max_length=20,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("code from the text message"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    employer = forms.CharField(label=_("employer or platform"), max_length=150, required=False)
    occupation = forms.ChoiceField(label=_("occupation"), choices=Occupation.choices)
    work_form = forms.ChoiceField(label=_("work form"), choices=WorkForm.choices)
    union = forms.ModelChoiceField(
        label=_("your union"),
        queryset=GrassrootsUnion.objects.none(),
        required=False,
        empty_label=_("I have no union (new-employment-form worker)"),
    )
    union_name = forms.CharField(
        label=_("your union (name or credit code)"),
        max_length=150,
        required=False,
        help_text=_("Leave empty if you have none and work in a new employment form."),
    )

    # The separate consent to the ID number's processing (PIPL art. 29): unticked, required, its
    # wording and version from unionhub.core.consents (set in __init__, read in the language shown).
    consent = forms.BooleanField(label="", required=True)

    def __init__(self, *args: Any, target: JoinTarget, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target = target
        self.consent_wording = consents.current(consents.JOIN_ID_NUMBER)
        self.fields["consent"].label = self.consent_wording.label
        self.fields["consent"].error_messages["required"] = self.consent_wording.required_message
        if target.union is not None or target.channel == JoinChannel.EVENT:
            del self.fields["union"]
        else:
            self.fields["union"].queryset = target.unions()
        if target.channel != JoinChannel.EVENT:
            del self.fields["union_name"]

    def chosen_union(self) -> GrassrootsUnion | None:
        """The union the worker asked to join (None: the holding pool). Call after is_valid()."""
        if self.target.union is not None:
            return self.target.union
        if "union" in self.fields:
            return self.cleaned_data.get("union")
        wanted = self.cleaned_data.get("union_name", "").strip()
        if not wanted:
            return None
        match = (
            self.target.unions()
            .filter(Q(name=wanted) | Q(credit_code=normalise_credit_code(wanted)))
            .order_by("id")
            .first()
        )
        if match is None:
            self.add_error(
                "union_name",
                _("No union of that name in {federation}. Leave it empty if you have none.").format(
                    federation=self.target.federation.name
                ),
            )
        return match
