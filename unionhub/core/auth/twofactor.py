"""Second factor at log-in: TOTP (RFC 6238, an authenticator app) or a one-time code by SMS.

Devices are django-otp's: its TOTPDevice implements RFC 6238 with a clock-drift window,
refuses a code already used (``last_t``) and backs off after wrong codes; our SmsDevice
(core.models) builds on its side-channel device. Who must use one is a setting
(``TWO_FACTOR_ROLES``, plus superusers); anyone who has a confirmed device uses it.

Between the password and the code, the session holds only the half-way state below; the
user is logged in (``django.contrib.auth.login``) once the code is right.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import SmsDevice, User
from ..scoping import grants_for

PENDING_KEY = "twofactor_pending"
PENDING_SECONDS = 300  # the code must follow the password within five minutes
DEVICE_MODELS: tuple[type[Any], ...] = (TOTPDevice, SmsDevice)


def required_for(user: User) -> bool:
    """Whether the user must pass a second factor: by role (the setting) or by having a device."""
    roles = set(settings.TWO_FACTOR_ROLES)
    if roles and (user.is_superuser or any(grant.role in roles for grant in grants_for(user))):
        return True
    return bool(confirmed_devices(user))


def confirmed_devices(user: User) -> list[Any]:
    """The user's working devices, authenticator app first."""
    return [device for model in DEVICE_MODELS for device in model.objects.devices_for_user(user, confirmed=True)]


def begin(request: HttpRequest, user: User, backend: str) -> None:
    """Remember, after a right password, who is half-way through logging in (nothing more)."""
    # A new, empty session: neither its id nor an earlier log-in in the same browser carries over.
    request.session.flush()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": backend,
        "hash": user.get_session_auth_hash(),
        "since": time.time(),
    }


def pending_user(request: HttpRequest) -> User | None:
    """The half-way user, or None when there is none, it is too old, or the password changed since."""
    state = request.session.get(PENDING_KEY)
    if not state or time.time() - state["since"] > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=state["user"], is_active=True).first()
    if user is None or not constant_time_compare(state["hash"], user.get_session_auth_hash()):
        return None
    return user


def verify(request: HttpRequest, user: User, code: str, devices: list[Any]) -> Any | None:
    """The device that accepts ``code``, or None; a wrong code counts as a failed log-in."""
    code = "".join(code.split())
    for device in devices:
        if device.verify_token(code):
            return device
    # Axes counts this against the account and the address, like a wrong password.
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    return None


def complete(request: HttpRequest, user: User) -> None:
    """Log the user in for real, after the second factor (or when none is needed)."""
    state = request.session.pop(PENDING_KEY, None) or {}
    login(request, user, backend=state.get("backend"))


def reset(user: User) -> int:
    """Remove every device of the user, so they enrol again at their next log-in."""
    return sum(model.objects.filter(user=user).delete()[0] for model in DEVICE_MODELS)
