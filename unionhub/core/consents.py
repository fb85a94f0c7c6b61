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
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Consent:
    """One version of one consent: the notice shown above the box and the box's own label."""

    version: str  # stored on the record: "<purpose>.v<n>"
    purpose: str
    notice: StrOrPromise
    label: StrOrPromise
    required_message: StrOrPromise


JOIN_ID_NUMBER = "join-id-number"
GRIEVANCE = "grievance"
HELP_REQUEST = "help-request"

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
        # The public grievance form (events.grievance_pages): a grievance can hold health, pay,
        # hardship and workplace details. Its box existed before versions were recorded: this is
        # that wording, unchanged (grievances filed before have no version).
        Consent(
            version="grievance.v1",
            purpose=GRIEVANCE,
            notice=_(
                "Personal information notice: a grievance can hold sensitive personal information (your "
                "health after an injury, your pay, your hardship, where you work). The union federation "
                "uses what you write, your photos and, if you give them, your name and phone only to "
                "handle this grievance and to tell you the outcome. Only the union workers handling it "
                "see them; your phone is stored encrypted. Unless you tick the box above, your employer "
                "and its union never learn who filed it. The grievance is kept as long as the law on "
                "union records requires; you may ask the federation to show, correct or delete your data."
            ),
            label=_("I have read the notice above and agree that my grievance and its details are processed this way"),
            required_message=_("Tick the box to agree, or the grievance cannot be filed."),
        ),
        # A station's "I need help" form (stations.views.ask_for_help): what happened may concern
        # health, pay or hardship; a phone only for a call back.
        Consent(
            version="help-request.v1",
            purpose=HELP_REQUEST,
            notice=_(
                "What you write goes only to this zone's union workers, to help you. It may concern your "
                "health, your pay or your hardship: that is sensitive personal information, used only to "
                "help you and kept with your request. A phone number, if you leave one, is stored encrypted "
                "and used only to call you back. You may ask the federation to show, correct or delete it."
            ),
            label=_("I agree that what I write, and my phone if I leave it, are processed this way."),
            required_message=_("Tick the box to agree, or your request cannot be sent."),
        ),
    ]
}

# The version each form shows now.
CURRENT: dict[str, str] = {
    JOIN_ID_NUMBER: "join-id-number.v1",
    GRIEVANCE: "grievance.v1",
    HELP_REQUEST: "help-request.v1",
}


def current(purpose: str) -> Consent:
    return VERSIONS[CURRENT[purpose]]


def wording(version: str) -> Consent | None:
    """The consent a stored version identifier names (None for an empty or unknown one)."""
    return VERSIONS.get(version)
