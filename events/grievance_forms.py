"""Forms of the workers' public grievance pages: filing, the tracking check, rating and reopening.

Every check a worker can fail is a field error here or in the model's ``clean`` (the
description's length and HTML, the place inside the federation's area), so that a refused form
is shown again with the message beside the field and nothing is written.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from unionhub.core import consents
from unionhub.core.choices import FederationKind
from unionhub.core.images import ProcessedImage, process_image
from unionhub.core.models import Federation, User
from unionhub.core.pii_scan import mask_id_numbers
from unionhub.core.text.filters import MAX_QUERY_LENGTH, validate_search_text
from unionhub.core.validators import normalise_credit_code, validate_phone
from zones.models import Enterprise, GrassrootsUnion

from .choices import AssigneeKind, GrievanceCategory, GrievanceEventKind, GrievanceTier
from .models import DESCRIPTION_MAX, HTML_TAG, TRACKING_LENGTH, check_description, normalise_tracking_code

COMMENT_MAX = 2000


def _plain(text: str, field_max: int) -> str:
    """Plain text of at most ``field_max`` characters, any resident ID number in it masked."""
    text = mask_id_numbers((text or "").strip())
    if HTML_TAG.search(text):
        raise ValidationError(_("Write plain text: HTML is not accepted."), code="html")
    if len(text) > field_max:
        raise ValidationError(
            _("Keep it to {max} characters (it has {count}).").format(max=field_max, count=len(text)),
            code="max_length",
        )
    return text


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to GRIEVANCE_PUBLIC_MAX_PHOTOS photos, each checked and re-encoded by process_image."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[ProcessedImage]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        limit = settings.GRIEVANCE_PUBLIC_MAX_PHOTOS
        if len(files) > limit:
            raise ValidationError(_("Attach at most {limit} photos.").format(limit=limit), code="too_many_files")
        processed = []
        for upload in files:
            try:
                processed.append(process_image(upload))
            except ValidationError as refused:
                name = getattr(upload, "name", "")
                raise ValidationError(
                    _("{name}: {problem}").format(name=name[:60], problem=" ".join(refused.messages)),
                    code=refused.code or "invalid",
                ) from None
        return processed


def public_federations() -> Any:
    """The federations a worker may name as where the problem is: counties and townships (streets)."""
    return Federation.objects.filter(kind__in=[FederationKind.COUNTY, FederationKind.TOWNSHIP]).order_by("path")


class GrievanceForm(forms.Form):
    """The public grievance form: what, where, about whom, and who (named with a proved phone, or a PIN).

    Named: a name and a mobile phone, proved by a texted code (members.phone_codes) unless this
    browser proved it already. Anonymous: no name or phone, a PIN of 4–8 digits to follow it with
    the tracking code. The employer and its union learn who filed only if the worker says so.
    """

    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", _("Choose…")), *GrievanceCategory.choices],
        error_messages={"required": _("Choose what it is about.")},
    )
    description = forms.CharField(
        label=_("What happened?"),
        error_messages={"required": _("Describe the problem.")},
        # Checked (length, HTML) in clean_description, so the message says how long it is.
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": DESCRIPTION_MAX}),
        help_text=_("Plain text, up to 4,000 characters: when, where, who, how much is owed."),
    )
    federation = forms.ModelChoiceField(
        label=_("Town or street where it happened"),
        queryset=Federation.objects.none(),
        required=False,
        empty_label=_("Choose…"),
    )
    place = forms.CharField(
        label=_("Place on the map (optional)"),
        required=False,
        widget=forms.HiddenInput(),
    )
    address = forms.CharField(label=_("Address or place name (optional)"), max_length=200, required=False)
    employer_name = forms.CharField(
        label=_("Employer or union concerned"),
        max_length=150,
        required=False,
        help_text=_("Its name, or its unified social credit code if you know it."),
    )
    identity = forms.ChoiceField(
        label=_("Who is filing?"),
        choices=[("named", _("I give my name and phone")), ("anonymous", _("I stay anonymous"))],
        initial="named",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("full name"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("code from the text message"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    pin = forms.CharField(
        label=_("PIN you choose (4 to 8 digits)"),
        max_length=8,
        required=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
        help_text=_("With the tracking code, it opens your grievance. Nobody can tell it to you again."),
    )
    reveal_to_employer = forms.BooleanField(
        label=_("My employer and its union may know that I filed this"),
        required=False,
        help_text=_("Left unticked, they never see who filed it, and it is not handed to the employer's own union."),
    )
    photos = PhotosField(label=_("Photos (optional)"), required=False)
    # Its wording and version from unionhub.core.consents (set in __init__, read in the language shown).
    consent = forms.BooleanField(label="")

    def __init__(self, *args: Any, station: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.station = station
        self.consent_wording = consents.current(consents.GRIEVANCE)
        self.fields["consent"].label = self.consent_wording.label
        self.fields["consent"].error_messages["required"] = self.consent_wording.required_message
        if station is not None:
            del self.fields["federation"]
        else:
            self.fields["federation"].queryset = public_federations()  # type: ignore[attr-defined]
        self.fields["photos"].help_text = _(
            "Up to {limit} photos in JPEG, PNG or WebP, 10 MB each. Their location data is removed."
        ).format(limit=settings.GRIEVANCE_PUBLIC_MAX_PHOTOS)

    @property
    def named(self) -> bool:
        return self.cleaned_data.get("identity") != "anonymous"

    def clean_description(self) -> str:
        try:
            return check_description(self.cleaned_data.get("description", ""))
        except ValidationError as refused:
            raise ValidationError(refused.error_dict["description"]) from None

    def clean_address(self) -> str:
        return _plain(self.cleaned_data.get("address", ""), 200)

    def clean_employer_name(self) -> str:
        return _plain(self.cleaned_data.get("employer_name", ""), 150)

    def clean_name(self) -> str:
        return _plain(" ".join(self.cleaned_data.get("name", "").split()), 50)

    def clean_place(self) -> Point | None:
        raw = self.cleaned_data.get("place", "").strip()
        if not raw:
            return None
        match = re.fullmatch(r"(-?\d{1,3}(?:\.\d+)?),\s*(-?\d{1,3}(?:\.\d+)?)", raw)
        if not match:
            raise ValidationError(_("Choose the place on the map again."), code="invalid")
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError(_("Choose the place on the map again."), code="invalid")
        return Point(lon, lat, srid=4326)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.station is None and "federation" in self.fields and not data.get("federation"):
            self.add_error("federation", _("Choose the town or street where it happened."))
        if self.named:
            if not data.get("name"):
                self.add_error("name", _("Give your name, or choose to stay anonymous."))
            phone = data.get("phone", "").strip()
            if not phone:
                self.add_error("phone", _("Give your mobile phone, or choose to stay anonymous."))
            else:
                try:
                    validate_phone(phone)
                except ValidationError as refused:
                    self.add_error("phone", refused)
            data["pin"] = ""
        else:
            data["name"], data["phone"], data["code"] = "", "", ""
            if not re.fullmatch(r"\d{4,8}", data.get("pin") or ""):
                self.add_error("pin", _("Choose a PIN of 4 to 8 digits."))
        return data

    def federation_chosen(self) -> Federation | None:
        if self.station is not None:
            return self.station.federation  # type: ignore[no-any-return]
        federation: Federation | None = self.cleaned_data.get("federation")
        return federation

    def matched(self) -> tuple[Enterprise | None, GrassrootsUnion | None]:
        """The employer or union on record that the given name (or credit code) stands for, in the federation."""
        wanted = self.cleaned_data.get("employer_name", "")
        federation = self.federation_chosen()
        if not wanted or federation is None:
            return None, None
        code = normalise_credit_code(wanted)
        inside = Q(federation_path__startswith=federation.path)
        employer = (
            Enterprise.objects.filter(inside)
            .filter(Q(name=wanted) | Q(credit_code=code))
            .select_related("union")
            .order_by("id")
            .first()
        )
        if employer is not None:
            return employer, employer.union
        union = (
            GrassrootsUnion.objects.filter(inside, is_holding_pool=False)
            .filter(Q(name=wanted) | Q(credit_code=code))
            .order_by("id")
            .first()
        )
        return None, union


class TrackForm(forms.Form):
    """The tracking check: the code on the slip, and the last four digits of the phone or the PIN."""

    code = forms.CharField(
        label=_("tracking code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("As shown when you filed, such as ABCD-EFGH-JK."),
    )
    secret = forms.CharField(
        label=_("last four digits of your phone, or your PIN"),
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_code(self) -> str:
        code = normalise_tracking_code(self.cleaned_data.get("code", ""))
        if len(code) != TRACKING_LENGTH:
            raise ValidationError(
                _("A tracking code has {length} letters and digits.").format(length=TRACKING_LENGTH), code="invalid"
            )
        return code

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret", "").strip()
        if not re.fullmatch(r"\d{4,8}", secret):
            raise ValidationError(_("Enter 4 to 8 digits."), code="invalid")
        return secret


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well was it handled?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("5 is very satisfied, 1 not at all. A rating of 1 or 2 reopens it."),
    )
    comment = forms.CharField(
        label=_("comment (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
    )

    def clean_comment(self) -> str:
        return _plain(self.cleaned_data.get("comment", ""), COMMENT_MAX)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it not solved?"), widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX})
    )

    def clean_reason(self) -> str:
        reason = _plain(self.cleaned_data.get("reason", ""), COMMENT_MAX)
        if not reason:
            raise ValidationError(_("Say why it is not solved."), code="required")
        return reason


# --- the zone workers' phone pages (/m/grievances/, events.grievance_work) -------------------------
#
# One small form per transition. They only parse what is typed; every rule (the status a
# transition starts from, who may be assigned, the contact attempts before closing) stays in
# the action of events.grievances, whose field errors land on these forms' fields.

NOTE_MAX = 2000
TEXT_MAX = 4000
REASON_MAX = 300


class GrievanceListForm(forms.Form):
    """The list's filter and search (``q`` as in the API: words and synonyms, or a tracking code)."""

    SHOW_CHOICES = [
        ("open", _("All open")),
        ("verify", _("Waiting for verification")),
        ("mine", _("Assigned to me")),
        ("due", _("Overdue or due soon")),
    ]
    show = forms.ChoiceField(choices=SHOW_CHOICES, required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        validators=[validate_search_text],
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=NOTE_MAX)


class VerifyForm(NoteForm):
    category = forms.ChoiceField(label=_("category"), choices=GrievanceCategory.choices)
    tier = forms.ChoiceField(label=_("tier"), choices=GrievanceTier.choices)


class AssignForm(NoteForm):
    """Who it goes to: the kinds the API offers; a zone worker of the grievance's zone, a union of its zone."""

    kind = forms.ChoiceField(label=_("assigned to"), choices=AssigneeKind.choices)
    user = forms.ModelChoiceField(label=_("zone worker"), queryset=User.objects.none(), required=False)
    union = forms.ModelChoiceField(label=_("union"), queryset=GrassrootsUnion.objects.none(), required=False)
    name = forms.CharField(label=_("name of the person or department"), required=False, max_length=100)

    def __init__(self, *args: Any, workers: Any, unions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = workers  # type: ignore[attr-defined]
        self.fields["union"].queryset = unions  # type: ignore[attr-defined]


class LogForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[(GrievanceEventKind.ACTION, _("Action taken")), (GrievanceEventKind.NOTE, _("Note"))],
        initial=GrievanceEventKind.ACTION,
    )
    # Blank text is refused by the action, with its own message.
    text = forms.CharField(label=_("what was done"), required=False, max_length=TEXT_MAX, widget=forms.Textarea)
    internal = forms.BooleanField(label=_("internal: not shown to the worker"), required=False)


class ContactForm(forms.Form):
    text = forms.CharField(label=_("note"), required=False, max_length=NOTE_MAX)
    reached = forms.BooleanField(label=_("the worker was reached"), required=False)


class ResolveForm(forms.Form):
    feedback = forms.CharField(
        label=_("feedback to the worker"), required=False, max_length=TEXT_MAX, widget=forms.Textarea
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), required=False, max_length=REASON_MAX)
