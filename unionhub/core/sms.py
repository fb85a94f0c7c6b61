"""SMS backends: one small interface, a console backend for development and Alibaba Cloud SMS.

``settings.SMS_BACKEND`` names the class. A backend returns when the provider took the
message and raises TransientDeliveryError or PermanentDeliveryError (unionhub.core.channels)
otherwise. Phone numbers are personal data (DESIGN.md rule 3): they travel in request
bodies, never in a URL, and reach a log line only masked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.parse
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from django.conf import settings

from .channels import PermanentDeliveryError, TransientDeliveryError, post, raise_for_status

log = logging.getLogger(__name__)


def mask_phone(phone: str) -> str:
    """All but the last four digits hidden, as staff lists show them."""
    return "*******" + phone[-4:] if len(phone) > 4 else "****"


class SmsBackend:
    """Send one text message to one number; return the provider's id for it ("" if none).

    ``key`` is stable per message, so a provider that accepts one can recognise a resend;
    ``params`` are the template variables for providers that send templates only.
    """

    def send(self, phone: str, text: str, *, key: str, params: Mapping[str, str] | None = None) -> str:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Logs the message instead of sending it.

    The number is always masked. The text is logged only with DEBUG on: it may be a
    one-time login code, and this backend is the default when nothing is configured.
    """

    def send(self, phone: str, text: str, *, key: str, params: Mapping[str, str] | None = None) -> str:
        if settings.DEBUG:
            log.info("SMS to %s (%s): %s", mask_phone(phone), key, text)
        else:
            log.info("SMS to %s (%s): %d characters", mask_phone(phone), key, len(text))
        return ""


class AliyunSmsBackend(SmsBackend):
    """Alibaba Cloud SMS (Dysmsapi ``SendSms``, version 2017-05-25) through its RPC interface.

    Configured by ``settings.SMS_ALIYUN``. The template named there must use the variables
    ``${title}`` and ``${content}``. ``OutId`` carries the delivery key, so a message sent
    twice after an uncertain attempt can be matched in the provider's records. The request
    is a form POST signed with signature method HMAC-SHA1, version 1.0.
    """

    # Codes that mean "later": throttling, the provider's own failure, per-number flow control.
    TRANSIENT_CODES = frozenset({"isp.SYSTEM_ERROR", "isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable"})

    def __init__(self, config: Mapping[str, str] | None = None) -> None:
        self.config = dict(config if config is not None else settings.SMS_ALIYUN)

    def send(self, phone: str, text: str, *, key: str, params: Mapping[str, str] | None = None) -> str:
        request = {
            "AccessKeyId": self.config["access_key_id"],
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self.config.get("region", "cn-hangzhou"),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": phone,
            "SignName": self.config["sign_name"],
            "TemplateCode": self.config["template_code"],
            "TemplateParam": json.dumps(dict(params or {"content": text}), ensure_ascii=False),
            "OutId": key,
        }
        request["Signature"] = rpc_signature(request, self.config["access_key_secret"], "POST")
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in request.items())
        status, answer = post(self.config["endpoint"], body.encode(), "application/x-www-form-urlencoded")
        try:
            result = json.loads(answer)
            code = str(result.get("Code", ""))
        except (ValueError, AttributeError):
            raise_for_status(status)
            raise TransientDeliveryError(f"HTTP {status} without JSON", certain=False) from None
        if code == "OK":
            return str(result.get("BizId", ""))
        # Only the code is recorded: a message may quote the request.
        if code in self.TRANSIENT_CODES or code.startswith("Throttling") or status >= 500:
            raise TransientDeliveryError(f"Aliyun {code} (HTTP {status})")
        raise PermanentDeliveryError(f"Aliyun {code or '?'} (HTTP {status})")


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud signs it: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return urllib.parse.quote(value, safe="~")


def rpc_signature(params: Mapping[str, str], secret: str, method: str) -> str:
    """Signature of an Alibaba Cloud RPC request (signature version 1.0, HMAC-SHA1).

    Sort the parameters by name, encode names and values, join them into the canonical
    query; sign ``METHOD&%2F&encode(canonical)`` with the key ``secret + "&"``; base64.
    """
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    string_to_sign = "{}&{}&{}".format(method, percent_encode("/"), percent_encode(canonical))
    digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
