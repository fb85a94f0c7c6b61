"""Re-authentication before showing personal data in full (ASVS 3.7.1).

A reveal or an unmasked export asks for the signed-in user's password again, so that a
session left open on a shared office computer, or a stolen API token, does not by itself
open ID numbers and phones. The password goes through ``authenticate()``, that is through
django-axes: a wrong one is a failed log-in (in the security log), and repeated wrong ones
lock the account exactly as at the log-in page.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

WRONG_PASSWORD = _("This is not your password. Type the password you log in with to see personal data in full.")
PASSWORD_LABEL = _("your password")
PASSWORD_HELP = _("Asked again before phones or ID numbers are shown in full.")


def check_password_again(request: HttpRequest, password: str) -> None:
    """Raise a ValidationError unless ``password`` is the signed-in user's own (and not locked out)."""
    user = request.user
    confirmed = authenticate(request, username=user.get_username(), password=password or "")
    if confirmed is None or confirmed.pk != user.pk:
        raise ValidationError(WRONG_PASSWORD, code="wrong_password")
