from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from unionhub.core.validators import validate_phone

from .choices import ActivityKind
from .models import Activity


class RegistrationForm(forms.Form):
    """The public registration form: the phone is proved by a texted code, unless this browser proved it already.

    Members need not give their name (their record has it); the single declaration and the
    cadre box appear only where the activity asks for them.
    """

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
    name = forms.CharField(
        label=_("full name"),
        max_length=50,
        required=False,
        help_text=_("Members may leave it empty: their membership record gives it."),
    )
    declared_single = forms.BooleanField(label=_("I am single (not married)"), required=False)
    as_cadre = forms.BooleanField(label=_("I attend as a cadre of my union (工会干部)"), required=False)

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not activity.singles_only:
            del self.fields["declared_single"]
        if activity.kind != ActivityKind.TRAINING:
            del self.fields["as_cadre"]
        if activity.members_only:
            del self.fields["name"]


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("scanned code"),
        max_length=500,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "enterkeyhint": "go"}),
        help_text=_("Scan the registrant's QR code with the phone, or paste the code or address it holds."),
    )
