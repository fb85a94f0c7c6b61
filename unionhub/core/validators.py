"""Validators for Chinese identifiers (resident ID numbers, mobile phones, credit codes) and robot addresses."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def normalise_id_number(value: str) -> str:
    return value.strip().replace(" ", "").upper()


def validate_id_number(value: str) -> None:
    """A resident ID number (居民身份证号码) with a valid GB 11643 check digit."""
    number = normalise_id_number(value)
    if not _ID_RE.match(number):
        raise ValidationError(_("A resident ID number has 17 digits and a final digit or X."), code="format")
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or not (datetime.date(1900, 1, 1) <= born <= datetime.date.today()):
        raise ValidationError(_("The date of birth in this ID number is not a real date."), code="birth_date")
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong; please check for a typo."), code="checksum"
        )


def id_check_character(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


# A landline with its area code: 0, two or three more digits, then a 7- or 8-digit number.
_LANDLINE_RE = re.compile(r"^0\d{9,11}$")


def normalise_phone(value: str) -> str:
    number = re.sub(r"[\s\-()]", "", value.strip())
    return number[3:] if number.startswith("+86") else number


def validate_phone(value: str) -> None:
    """A mainland China mobile number: 11 digits starting 13–19."""
    if not _PHONE_RE.match(normalise_phone(value)):
        raise ValidationError(_("Enter an 11-digit mainland mobile number, such as 13800138000."), code="phone")


CALLER_PHONE_MESSAGE = _("Enter a mobile number (13800138000) or a landline with its area code (0574-87654321).")


def is_landline(value: str) -> bool:
    return bool(_LANDLINE_RE.match(normalise_phone(value)))


def validate_caller_phone(value: str) -> None:
    """A mobile number, or a landline with its area code: hotline callers often ring from one."""
    if not (_PHONE_RE.match(normalise_phone(value)) or is_landline(value)):
        raise ValidationError(CALLER_PHONE_MESSAGE, code="phone")


# GB 32100-2015 unified social credit code: 18 characters from this alphabet (no I, O, S, V, Z).
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_CREDIT_RE = re.compile(rf"^[{_CREDIT_ALPHABET}]{{18}}$")


def normalise_credit_code(value: str) -> str:
    return value.strip().replace(" ", "").upper()


def credit_check_character(first17: str) -> str:
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码) with a valid GB 32100 check character."""
    code = normalise_credit_code(value)
    if not _CREDIT_RE.match(code):
        raise ValidationError(
            _("A unified social credit code has 18 characters: digits and capital letters except I, O, S, V, Z."),
            code="format",
        )
    if credit_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this credit code is wrong; please check for a typo."), code="checksum"
        )


def validate_union_credit_code(value: str) -> None:
    """A trade union's own credit code: valid, and registered by a union (it starts with 81)."""
    validate_credit_code(value)
    if not normalise_credit_code(value).startswith("81"):
        raise ValidationError(
            _(
                "A trade union's own credit code starts with 81 "
                "(8: issued by a trade-union authority, 1: grassroots union)."
            ),
            code="not_union",
        )


def validate_webhook_url(value: str) -> None:
    """A group robot's address: only under the providers' prefixes in ``WEBHOOK_URL_PREFIXES``.

    Anything else (an address inside our network, a metadata service) is refused, so that a
    staff account cannot turn the notification worker into a probe of the servers around it.
    """
    if not webhook_url_allowed(value):
        raise ValidationError(
            _("Robot addresses must start with one of: %(prefixes)s."),
            code="webhook_host",
            params={"prefixes": ", ".join(settings.WEBHOOK_URL_PREFIXES)},
        )


def webhook_url_allowed(value: str) -> bool:
    return any(value.startswith(prefix) for prefix in settings.WEBHOOK_URL_PREFIXES)
