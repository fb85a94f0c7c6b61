"""The staff log-in pages: password, second factor, and enrolling a second factor.

The password page is the admin's own form; ``/m/`` (zone workers) and the API's session
authentication use the session it starts. A user who needs a second factor leaves it
half-way (see ``twofactor``) and is logged in on the code page, or on an enrolment page
if they have no device yet. Every wrong code counts towards the lockout.
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import security_log
from ..choices import SecurityEventKind
from ..models import SmsDevice, User
from . import twofactor
from .forms import CodeForm
from .lockout import lockout_response

WRONG_CODE = _("The code is wrong, expired or already used. Wait a few seconds and try the newest code.")
RESEND_AFTER_SECONDS = 60


class PasswordStepView(LoginView):
    """The admin's log-in form; stops half-way when the user needs a second factor."""

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not twofactor.required_for(user):
            return super().form_valid(form)
        twofactor.begin(self.request, user, user.backend)
        return redirect(_with_next(reverse("staff-login:second-factor"), self.get_success_url()))


@never_cache
def password_step(request: HttpRequest) -> HttpResponseBase:
    """``/admin/login/``, as the admin site's own login() but with the second-factor step."""
    if request.method == "GET" and admin.site.has_permission(request):
        return HttpResponseRedirect(reverse("admin:index"))
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index")
    request.current_app = admin.site.name
    return PasswordStepView.as_view(extra_context=context)(request)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def _next(request: HttpRequest) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if safe else reverse("admin:index")


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(
        request,
        template,
        {**admin.site.each_context(request), "next": _next(request), **context},
    )


def _half_way(request: HttpRequest) -> tuple[User | None, HttpResponse | None]:
    """The half-way user, or the response that sends the browser back (expired) or shows the lockout."""
    user = twofactor.pending_user(request)
    if user is None:
        return None, redirect(_with_next(reverse("admin:login"), _next(request)))
    if not AxesProxyHandler.is_allowed(request, {"username": user.get_username()}):
        return None, lockout_response(request)
    return user, None


def _send_code(device: SmsDevice) -> str | None:
    """Send a fresh code unless one went out in the last minute (a reload must not spam the phone)."""
    fresh_until = device.valid_until - datetime.timedelta(seconds=SmsDevice.CODE_VALID_SECONDS - RESEND_AFTER_SECONDS)
    if device.token and timezone.now() < fresh_until:
        return None
    return device.generate_challenge()


def _guard(view: Any) -> Any:
    return never_cache(csrf_protect(sensitive_post_parameters("code")(view)))


def _code_step(
    request: HttpRequest, user: User, devices: list[Any], sms: SmsDevice | None, *, confirm: bool = False
) -> tuple[HttpResponse | None, CodeForm, Any]:
    """Handle the code form (and the "send by SMS" button) for these devices.

    Returns the redirect once a code was right (the user is then logged in, and with
    ``confirm`` the device is marked as set up), else the form and any notice to show.
    A page showing only SMS sends a code when first opened.
    """
    form, notice = CodeForm(), None
    if request.method == "POST" and "send_sms" in request.POST and sms:
        notice = _send_code(sms) or _("A code was sent less than a minute ago; use that one.")
    elif request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            device = twofactor.verify(request, user, form.cleaned_data["code"], devices)
            if device is not None:
                if confirm:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    security_log.record(
                        SecurityEventKind.TWO_FACTOR_ENROL,
                        user=user,
                        actor=user,
                        request=request,
                        detail={"device": "sms" if isinstance(device, SmsDevice) else "app"},
                    )
                twofactor.complete(request, user)
                return redirect(_next(request)), form, None
            form.add_error("code", WRONG_CODE)
    elif sms and devices == [sms]:
        notice = _send_code(sms)
    return None, form, notice


@_guard
def second_factor(request: HttpRequest) -> HttpResponse:
    """Ask for the code of the user's authenticator app, or send one by SMS."""
    user, answer = _half_way(request)
    if answer is not None:
        return answer
    assert user is not None
    devices = twofactor.confirmed_devices(user)
    if not devices:
        return redirect(_with_next(reverse("staff-login:enrol"), _next(request)))
    sms = next((d for d in devices if isinstance(d, SmsDevice)), None)
    done, form, notice = _code_step(request, user, devices, sms)
    if done is not None:
        return done
    has_app = any(isinstance(d, TOTPDevice) for d in devices)
    return _page(
        request,
        "admin/second_factor.html",
        {"title": _("Second step of logging in"), "form": form, "has_app": has_app, "sms": sms, "notice": notice},
    )


def _enrolling(request: HttpRequest) -> tuple[User | None, HttpResponse | None]:
    """The half-way user who has no device yet (someone with one is sent to the code page)."""
    user, answer = _half_way(request)
    if user is not None and twofactor.confirmed_devices(user):
        return None, redirect(_with_next(reverse("staff-login:second-factor"), _next(request)))
    return user, answer


@_guard
def enrol(request: HttpRequest) -> HttpResponse:
    """First log-in of someone who must use a second factor: choose an authenticator app or SMS."""
    user, answer = _enrolling(request)
    if answer is not None:
        return answer
    assert user is not None
    return _page(
        request, "admin/enrol.html", {"title": _("Set up a second factor"), "masked_mobile": user.masked_mobile}
    )


@_guard
def enrol_app(request: HttpRequest) -> HttpResponse:
    """Show the QR code for an authenticator app, then confirm the device with its first code."""
    user, answer = _enrolling(request)
    if answer is not None:
        return answer
    assert user is not None
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name=str(_("Authenticator app")), confirmed=False
    )
    done, form, _notice = _code_step(request, user, [device], None, confirm=True)
    if done is not None:
        return done
    return _page(
        request,
        "admin/enrol_app.html",
        {
            "title": _("Set up an authenticator app"),
            "form": form,
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=5),
            "secret": base64.b32encode(device.bin_key).decode(),
        },
    )


@_guard
def enrol_sms(request: HttpRequest) -> HttpResponse:
    """Confirm the mobile number on the account with a code sent to it."""
    user, answer = _enrolling(request)
    if answer is not None:
        return answer
    assert user is not None
    if not user.mobile_last4:
        return redirect(_with_next(reverse("staff-login:enrol"), _next(request)))
    device = SmsDevice.objects.filter(user=user, confirmed=False).first() or SmsDevice.objects.create(
        user=user, name=str(_("SMS")), confirmed=False
    )
    done, form, notice = _code_step(request, user, [device], device, confirm=True)
    if done is not None:
        return done
    return _page(
        request, "admin/enrol_sms.html", {"title": _("Set up log-in codes by SMS"), "form": form, "notice": notice}
    )
