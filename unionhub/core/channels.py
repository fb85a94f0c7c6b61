"""Senders for the outside channels: e-mail, WeCom and DingTalk group robots, SMS.

Each sender either returns (the message was accepted; it may return the provider's id
for it) or raises one of two named errors, which ``notify.deliver`` tells apart: a
TransientDeliveryError is retried with backoff, a PermanentDeliveryError is not. Both
carry ``certain``: whether we know what happened to the message. A timeout or a dropped
connection after the request left is uncertain (it may have arrived), which DESIGN.md
rule 6 wants recorded.

Error details are written by us, never copied from the exception: a webhook address
carries its access token, and an SMTP error can quote the recipient's address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from .choices import Channel
from .validators import webhook_url_allowed

if TYPE_CHECKING:
    from .models import Delivery, User, WebhookEndpoint

# Seconds to wait for a provider; a slower answer counts as an uncertain transient failure.
HTTP_TIMEOUT = 10.0
# Byte limits of the robots' text messages (WeCom: 2048, DingTalk: 20000).
WECOM_TEXT_LIMIT = 2048
DINGTALK_TEXT_LIMIT = 20000
# Robot error codes that mean "later": system busy, and each robot's rate limit.
WECOM_TRANSIENT_CODES = frozenset({-1, 45009})
DINGTALK_TRANSIENT_CODES = frozenset({-1, 130101})


class DeliveryError(Exception):
    """A message was not (or not surely) accepted; ``detail`` is safe to store and log."""

    def __init__(self, detail: str, *, certain: bool = True) -> None:
        super().__init__(detail)
        self.detail = detail
        self.certain = certain


class TransientDeliveryError(DeliveryError):
    """Worth trying again later: timeouts, connection errors, HTTP 5xx and 429, rate limits."""


class PermanentDeliveryError(DeliveryError):
    """Trying again will not help: HTTP 4xx, the provider refused it, no address to send to."""


def send(delivery: Delivery) -> str:
    """Send one delivery on its channel; return the provider's id for it, if it gave one."""
    senders = {
        Channel.EMAIL: send_email,
        Channel.SMS: send_sms,
        Channel.WECOM: send_wecom,
        Channel.DINGTALK: send_dingtalk,
    }
    sender = senders.get(Channel(delivery.channel))
    if sender is None:
        raise PermanentDeliveryError(f"no sender for channel {delivery.channel}")
    return sender(delivery)


# Targets name a row, never an address: the phone number stays encrypted until send time.


def user_target(user: User) -> str:
    return f"user:{user.pk}"


def webhook_target(endpoint: WebhookEndpoint) -> str:
    return f"webhook:{endpoint.pk}"


def _target_id(delivery: Delivery, kind: str) -> int:
    prefix, _sep, value = delivery.target.partition(":")
    if prefix != kind or not value.isdigit():
        raise PermanentDeliveryError(f"target is not a {kind}")
    return int(value)


def _user(delivery: Delivery) -> User:
    from .models import User

    user = User.objects.filter(pk=_target_id(delivery, "user"), is_active=True).first()
    if user is None:
        raise PermanentDeliveryError("recipient is gone or inactive")
    return user


def _endpoint(delivery: Delivery, channel: str) -> WebhookEndpoint:
    from .models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.filter(pk=_target_id(delivery, "webhook"), channel=channel).first()
    if endpoint is None or not endpoint.is_active:
        raise PermanentDeliveryError("webhook endpoint is gone or inactive")
    if not webhook_url_allowed(endpoint.url):  # saved before the allow-list changed, or not through a form
        raise PermanentDeliveryError("webhook address is outside WEBHOOK_URL_PREFIXES")
    return endpoint


def message_text(delivery: Delivery) -> str:
    return f"{delivery.subject}\n{delivery.body}".strip()


def truncate_bytes(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes, on a character boundary, marking the cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - len("…".encode())].decode(errors="ignore") + "…"


# E-mail


def send_email(delivery: Delivery) -> str:
    """Send through Django's e-mail backend, with a Message-ID derived from the delivery key.

    A resend after an uncertain attempt carries the same Message-ID, so mail systems that
    deduplicate on it show the message once.
    """
    user = _user(delivery)
    if not user.email:
        raise PermanentDeliveryError("recipient has no e-mail address")
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "unionhub.invalid"
    message_id = f"<{hashlib.sha256(delivery.key.encode()).hexdigest()[:32]}@{domain}>"
    subject = " ".join(delivery.subject.split())  # a header: no line breaks
    message = EmailMessage(subject, delivery.body, to=[user.email], headers={"Message-ID": message_id})
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _message in exc.recipients.values()]
        error = TransientDeliveryError if any(400 <= code < 500 for code in codes) else PermanentDeliveryError
        raise error("SMTP recipient refused ({})".format(",".join(map(str, codes)))) from None
    except smtplib.SMTPResponseException as exc:
        error = TransientDeliveryError if 400 <= exc.smtp_code < 500 else PermanentDeliveryError
        raise error(f"SMTP {exc.smtp_code} {type(exc).__name__}") from None
    except smtplib.SMTPServerDisconnected:
        raise TransientDeliveryError("SMTP server disconnected", certain=False) from None
    except TimeoutError:
        raise TransientDeliveryError("SMTP timeout", certain=False) from None
    except (ConnectionRefusedError, socket.gaierror) as exc:
        raise TransientDeliveryError(f"SMTP not reachable ({type(exc).__name__})") from None
    except OSError as exc:  # SMTPException and socket errors alike
        raise TransientDeliveryError(f"SMTP {type(exc).__name__}", certain=False) from None
    return message_id


# SMS


def send_sms(delivery: Delivery) -> str:
    """Decrypt the recipient's mobile only now, and hand it to the configured SMS backend."""
    user = _user(delivery)
    phone = user.mobile
    if not phone:
        raise PermanentDeliveryError("recipient has no mobile number")
    backend = import_string(settings.SMS_BACKEND)()
    return backend.send(
        phone,
        message_text(delivery),
        key=delivery.key,
        params={"title": delivery.subject, "content": delivery.body},
    )


# Group robots. Plain text, not markdown: titles and bodies may carry user input (a
# grievance title), and neither robot documents a markdown escape, so user text could
# otherwise forge links.


def send_wecom(delivery: Delivery) -> str:
    endpoint = _endpoint(delivery, Channel.WECOM)
    payload = {"msgtype": "text", "text": {"content": truncate_bytes(message_text(delivery), WECOM_TEXT_LIMIT)}}
    return _post_robot(endpoint.url, payload, WECOM_TRANSIENT_CODES)


def send_dingtalk(delivery: Delivery) -> str:
    endpoint = _endpoint(delivery, Channel.DINGTALK)
    url = endpoint.url
    if endpoint.secret:
        url = dingtalk_signed_url(url, endpoint.secret)
    payload = {"msgtype": "text", "text": {"content": truncate_bytes(message_text(delivery), DINGTALK_TEXT_LIMIT)}}
    return _post_robot(url, payload, DINGTALK_TRANSIENT_CODES)


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """Add DingTalk's ``timestamp`` and ``sign`` (HMAC-SHA256 of "timestamp\\nsecret", base64) to ``url``."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    query = urllib.parse.urlencode({"timestamp": timestamp, "sign": base64.b64encode(digest).decode()})
    return "{}{}{}".format(url, "&" if "?" in url else "?", query)


def _post_robot(url: str, payload: dict[str, Any], transient_codes: frozenset[int]) -> str:
    """Post to a group robot; both answer HTTP 200 with ``errcode`` 0 when they took the message."""
    status, body = post(url, json.dumps(payload, ensure_ascii=False).encode(), "application/json; charset=utf-8")
    raise_for_status(status)
    try:
        answer = json.loads(body)
        code = int(answer.get("errcode", -1))
    except (ValueError, AttributeError, TypeError):
        raise TransientDeliveryError(f"robot answered HTTP {status} without JSON", certain=False) from None
    if code == 0:
        return ""
    error = TransientDeliveryError if code in transient_codes else PermanentDeliveryError
    raise error(f"robot errcode {code}")


# HTTP


def post(url: str, data: bytes, content_type: str, *, timeout: float | None = None) -> tuple[int, bytes]:
    """POST ``data``; return (status, body) for any HTTP answer, or raise a named error for no answer."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise PermanentDeliveryError("only http and https addresses are allowed")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, method="POST", headers={"Content-Type": content_type, "User-Agent": "UnionHub"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout or HTTP_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, _read_error_body(exc)
    except urllib.error.URLError as exc:
        # Raised before anything was sent when the host is unknown or refuses the connection.
        if isinstance(exc.reason, ConnectionRefusedError | socket.gaierror):
            raise TransientDeliveryError(f"not reachable ({type(exc.reason).__name__})") from None
        if isinstance(exc.reason, TimeoutError):
            raise TransientDeliveryError("timeout", certain=False) from None
        raise TransientDeliveryError(f"connection failed ({type(exc.reason).__name__})", certain=False) from None
    except TimeoutError:
        raise TransientDeliveryError("timeout", certain=False) from None
    except (OSError, http.client.HTTPException) as exc:
        raise TransientDeliveryError(f"connection lost ({type(exc).__name__})", certain=False) from None


def raise_for_status(status: int) -> None:
    """HTTP 5xx and 429 are worth retrying; other 4xx are not. A 504 leaves the outcome unknown."""
    if status == 429 or status >= 500:
        raise TransientDeliveryError(f"HTTP {status}", certain=status != 504)
    if status >= 400:
        raise PermanentDeliveryError(f"HTTP {status}")


def _read_error_body(exc: urllib.error.HTTPError) -> bytes:
    """The body of an error answer, or nothing if it cannot be read: the status code decides anyway."""
    try:
        return exc.read()
    except (OSError, http.client.HTTPException):
        return b""
    finally:
        exc.close()
