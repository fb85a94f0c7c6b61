"""The wordings people consent to, each with a version identifier (PIPL art. 29: separate consent).

A form that collects sensitive personal information shows the *current* wording of its
purpose and a separate, unticked, required tick box; the record it files keeps the version
identifier and the time of the tick. The wording of every version ever shown stays here, so
staff (and the person, in the copy of their data) read exactly what was agreed to.

Changing a wording means adding a new version and pointing ``CURRENT`` at it, never editing
an old one: a record's version must keep meaning the text that person saw. Lives in ``core``
so that every app (stations' help form, members' join form, events' grievance form) reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Consent:
    """One version of one consent: the notice shown above the box and the box's own label."""

    version: str  # stored on the record: "<purpose>.v<n>"
    purpose: str
    notice: str | Promise
    label: str | Promise
    required_message: str | Promise


JOIN_ID_NUMBER = "join-id-number"

VERSIONS: dict[str, Consent] = {
    consent.version: consent
    for consent in [
        Consent(
            version="join-id-number.v1",
            purpose=JOIN_ID_NUMBER,
            notice=_(
                "Separate consent to the processing of sensitive personal information. Your resident ID "
                "number is sensitive personal information. The union federation processes it only to "
                "confirm who you are and that you are not a member twice. It is stored encrypted, seen in "
                "full only by federation staff who must record why, kept while you are a member, and never "
                "given to your employer. Without this consent you cannot join through this page. You may "
                "withdraw it by leaving the union on your card page, and you may see, copy, correct or "
                "delete your data there or through your union."
            ),
            label=_(
                "I agree, separately, that the union federation processes my resident ID number as described above."
            ),
            required_message=_("Tick the box to agree to the processing of your ID number, or you cannot apply."),
        ),
    ]
}

# The version each form shows now.
CURRENT: dict[str, str] = {JOIN_ID_NUMBER: "join-id-number.v1"}


def current(purpose: str) -> Consent:
    return VERSIONS[CURRENT[purpose]]


def wording(version: str) -> Consent | None:
    """The consent a stored version identifier names (None for an empty or unknown one)."""
    return VERSIONS.get(version)
