"""One-time codes sent to a member's phone: how members, who are not Django users, prove who they are.

A code is six digits, valid for CODE_SECONDS, good for one use and MAX_ATTEMPTS wrong
guesses. It lives in the cache (Redis), stored only as a keyed hash, under the phone's
keyed hash: the number itself is never stored here, nor put in a session or a URL
(DESIGN.md rule 3). Sending is limited per phone (one every RESEND_SECONDS, SENDS_PER_HOUR
an hour) and per client address, so the page cannot be used to flood someone with texts.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from unionhub.core import crypto
from unionhub.core.channels import DeliveryError
from unionhub.core.validators import normalise_phone

CODE_SECONDS = 300
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
SENDS_PER_HOUR = 5
SENDS_PER_ADDRESS_PER_HOUR = 30


class CodeNotSent(Exception):
    """Sending refused (too soon, too many) or failed; the message says why, for the worker."""


def phone_key(phone: str) -> str:
    """The keyed hash that stands for a phone number in sessions and cache keys."""
    return crypto.keyed_hash(normalise_phone(phone))


def send_code(phone: str, *, purpose: str, address: str | None) -> str:
    """Text a fresh code to ``phone``; return the phone's key. Raises CodeNotSent."""
    key = phone_key(phone)
    if not cache.add(f"member-code:wait:{purpose}:{key}", 1, RESEND_SECONDS):
        raise CodeNotSent(_("A code was sent less than a minute ago: wait a moment before asking again."))
    if _count(f"member-code:sends:{key}") > SENDS_PER_HOUR or (
        address and _count(f"member-code:address:{address}") > SENDS_PER_ADDRESS_PER_HOUR
    ):
        raise CodeNotSent(_("Too many codes were asked for. Try again in an hour."))
    code = f"{secrets.randbelow(10**6):06d}"
    expires = time.time() + CODE_SECONDS
    cache.set(
        _code_key(key, purpose), {"hash": crypto.keyed_hash(code), "attempts": 0, "expires": expires}, CODE_SECONDS
    )
    text = _("Your UnionHub verification code is {code}, valid for 5 minutes. Never tell it to anyone.").format(
        code=code
    )
    backend = import_string(settings.SMS_BACKEND)()
    try:
        backend.send(normalise_phone(phone), text, key=f"member-code:{key[:16]}:{code}", params={"code": code})
    except DeliveryError:
        cache.delete(_code_key(key, purpose))
        raise CodeNotSent(_("The text message could not be sent. Try again in a minute.")) from None
    return key


def check_code(key: str, code: str, *, purpose: str) -> bool:
    """Whether ``code`` is the code sent for ``purpose`` to the phone with ``key``; a right code is used up."""
    stored = cache.get(_code_key(key, purpose))
    if stored is None:
        return False
    if secrets.compare_digest(stored["hash"], crypto.keyed_hash(code.strip())):
        cache.delete(_code_key(key, purpose))
        return True
    stored["attempts"] += 1
    if stored["attempts"] >= MAX_ATTEMPTS:
        cache.delete(_code_key(key, purpose))  # guessed too often: a new code is needed
    else:  # keep the code's own expiry: wrong guesses never make it live longer
        cache.set(_code_key(key, purpose), stored, max(1, int(stored["expires"] - time.time())))
    return False


def _code_key(key: str, purpose: str) -> str:
    return f"member-code:{purpose}:{key}"


def _count(counter: str) -> int:
    """Add one to an hourly counter and return it."""
    cache.add(counter, 0, 3600)
    return cache.incr(counter)
