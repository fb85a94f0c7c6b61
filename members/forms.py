from django import forms
from django.utils.translation import gettext_lazy as _

from unionhub.core.validators import validate_id_number, validate_phone

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

    class Meta:
        model = Member
        fields = ["name", "union", "status", "occupation", "work_form", "joined_on"]
