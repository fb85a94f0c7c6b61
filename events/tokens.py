"""The signed code in a registration's QR: staff scan it to check the registrant in.

The code is the registration's id signed with the site's secret (django.core.signing), so it
cannot be guessed or forged; it names no person. The QR holds the staff check-in page's
address with the code, so a phone's ordinary scanner app opens that page; the page also
accepts the code, or the whole address, pasted into its field.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from .models import Registration

SALT = "events.registration.check-in"
_CODE_IN_URL = re.compile(r"[?&]code=([^&#\s]+)")


def check_in_code(registration: Registration) -> str:
    return signing.dumps(registration.pk, salt=SALT)


def check_in_url(request: HttpRequest, registration: Registration) -> str:
    path = reverse("events:check-in", args=[registration.activity_id])
    return request.build_absolute_uri(f"{path}?{urlencode({'code': check_in_code(registration)})}")


def registration_id_from(scanned: str) -> int | None:
    """The registration id in a scanned code or address, or None if it is not one of ours."""
    text = scanned.strip()
    found = _CODE_IN_URL.search(text)
    if found:
        text = unquote(found.group(1))
    try:
        value = signing.loads(text, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
