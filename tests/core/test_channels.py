"""The outside channels against a local HTTP server standing in for WeCom, DingTalk and Alibaba
Cloud SMS; retries, failures and uncertain attempts; one delivery through the real worker."""

import base64
import hashlib
import hmac
import logging
import socket
import time
import urllib.parse
from types import SimpleNamespace

import pytest
from celery.exceptions import Retry
from django.db import transaction

from tests.conftest import wait_for
from tests.core.fakes import Answer, FakeServer
from tests.factories import FederationFactory, UserFactory
from unionhub.core import channels
from unionhub.core import notify as notify_module
from unionhub.core.choices import Channel, DeliveryStatus
from unionhub.core.models import Delivery, WebhookEndpoint
from unionhub.core.notify import notify, notify_federation
from unionhub.core.sms import AliyunSmsBackend, ConsoleSmsBackend
from unionhub.core.tasks import deliver

PHONE = "13812345678"


@pytest.fixture
def server():
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def retries(monkeypatch):
    """The countdowns of scheduled retries; an eager apply() would otherwise retry at once."""
    scheduled = []

    def retry(*, countdown, **kwargs):
        scheduled.append(countdown)
        return Retry(when=countdown)

    monkeypatch.setattr(deliver, "retry", retry)
    return scheduled


def robot(server, channel=Channel.WECOM, secret="", path="/cgi-bin/webhook/send?key=robot-token"):
    federation = FederationFactory()
    WebhookEndpoint.objects.create(
        federation=federation, channel=channel, name="robot", url=server.url + path, secret=secret
    )
    [delivery] = notify_federation(federation, key="weekly-1", title="本周工作提示", body="请及时处理诉求")
    return delivery


def attempts(delivery):
    delivery.refresh_from_db()
    return [(e["outcome"], e["error"], e["detail"], e["certain"]) for e in delivery.attempt_log]


@pytest.mark.django_db
def test_the_wecom_robot_receives_a_text_message(server):
    delivery = robot(server)

    assert deliver.apply(args=[delivery.pk]).result == "sent"

    [request] = server.received
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": "robot-token"}
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json() == {"msgtype": "text", "text": {"content": "本周工作提示\n请及时处理诉求"}}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_the_dingtalk_robot_receives_a_valid_signature(server):
    secret = "SEC0123456789abcdef"
    delivery = robot(server, Channel.DINGTALK, secret=secret, path="/robot/send?access_token=robot-token")

    deliver.apply(args=[delivery.pk])

    [request] = server.received
    assert request.query["access_token"] == "robot-token"
    timestamp = request.query["timestamp"]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000
    expected = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert base64.b64decode(request.query["sign"]) == expected
    assert request.json()["text"]["content"].startswith("本周工作提示")


@pytest.mark.django_db
def test_a_dingtalk_robot_without_a_secret_is_not_signed(server):
    delivery = robot(server, Channel.DINGTALK, path="/robot/send?access_token=robot-token")

    deliver.apply(args=[delivery.pk])

    assert server.received[0].query == {"access_token": "robot-token"}


@pytest.mark.django_db
def test_a_robot_rate_limit_is_retried(server, retries):
    server.answer(Answer(payload={"errcode": 45009, "errmsg": "api freq out of limit"}))
    delivery = robot(server)

    assert deliver.apply(args=[delivery.pk]).state == "RETRY"

    assert attempts(delivery) == [("retrying", "TransientDeliveryError", "robot errcode 45009", True)]
    assert delivery.status == DeliveryStatus.RETRYING


@pytest.mark.django_db
def test_a_robot_error_code_fails_without_retry(server):
    server.answer(Answer(payload={"errcode": 310000, "errmsg": "sign not match"}))
    delivery = robot(server, Channel.DINGTALK, secret="wrong")

    assert deliver.apply(args=[delivery.pk]).result == "failed"

    assert attempts(delivery) == [("failed", "PermanentDeliveryError", "robot errcode 310000", True)]


@pytest.mark.django_db
def test_a_transient_500_is_retried_then_sent(server, retries):
    server.answer(Answer(status=500, payload={"error": "busy"}))
    delivery = robot(server)

    first = deliver.apply(args=[delivery.pk])
    assert first.state == "RETRY"
    assert retries == [notify_module.BACKOFF_BASE]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    second = deliver.apply(args=[delivery.pk])

    assert second.result == "sent"
    assert len(server.received) == 2
    assert attempts(delivery) == [
        ("retrying", "TransientDeliveryError", "HTTP 500", True),
        ("sent", "", "", True),
    ]
    assert delivery.attempts == 2
    assert delivery.status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_a_permanent_400_fails_at_once_with_the_attempt_recorded(server):
    server.answer(Answer(status=400, payload={"error": "bad request"}))
    delivery = robot(server)

    result = deliver.apply(args=[delivery.pk])

    assert result.state == "SUCCESS"
    assert result.result == "failed"
    assert attempts(delivery) == [("failed", "PermanentDeliveryError", "HTTP 400", True)]
    assert delivery.status == DeliveryStatus.FAILED
    assert deliver.apply(args=[delivery.pk]).result == "skipped"
    assert len(server.received) == 1


@pytest.mark.django_db
def test_a_timeout_is_recorded_as_uncertain(server, retries, monkeypatch):
    monkeypatch.setattr(channels, "HTTP_TIMEOUT", 0.3)
    server.answer(Answer(delay=1.0))
    delivery = robot(server)

    assert deliver.apply(args=[delivery.pk]).state == "RETRY"

    assert attempts(delivery) == [("retrying", "TransientDeliveryError", "timeout", False)]
    assert len(server.received) == 1  # it did arrive: exactly why the attempt is uncertain


@pytest.mark.django_db
def test_an_unreachable_robot_is_retried_and_known_not_to_have_received_it(retries):
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = SimpleNamespace(url=f"http://127.0.0.1:{probe.getsockname()[1]}")
    delivery = robot(closed)

    assert deliver.apply(args=[delivery.pk]).state == "RETRY"

    assert attempts(delivery) == [
        ("retrying", "TransientDeliveryError", "not reachable (ConnectionRefusedError)", True)
    ]


@pytest.mark.django_db
def test_the_last_transient_failure_marks_the_delivery_failed(server):
    server.answer(Answer(status=503))
    delivery = robot(server)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=notify_module.MAX_ATTEMPTS - 1)

    assert deliver.apply(args=[delivery.pk]).result == "failed"

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempt_log[-1]["outcome"] == "failed"
    assert delivery.attempt_log[-1]["detail"] == "HTTP 503"


def test_backoff_doubles_up_to_its_cap():
    assert [notify_module.backoff(n) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1800, 1800]


# SMS


def aliyun_config(server):
    return {
        "endpoint": server.url + "/",
        "access_key_id": "testid",
        "access_key_secret": "testsecret",
        "sign_name": "某某区总工会",
        "template_code": "SMS_0000001",
    }


def sms_delivery():
    user = UserFactory()
    user.set_mobile(PHONE)
    user.save()
    return notify([user], key="grievance-7-assigned", title="新诉求", body="请查看", channels=[Channel.SMS]).deliveries[
        0
    ]


def aliyun_signature(form, secret):
    """Recomputed here from the provider's documentation, independently of the backend."""

    def encode(value):
        return urllib.parse.quote(value, safe="~")

    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(form.items()) if k != "Signature")
    string_to_sign = "POST&%2F&" + encode(canonical)
    return base64.b64encode(hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


@pytest.mark.django_db
def test_aliyun_receives_a_correctly_signed_send_sms(server, settings):
    server.answer(Answer(payload={"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r1"}))
    settings.SMS_BACKEND = "unionhub.core.sms.AliyunSmsBackend"
    settings.SMS_ALIYUN = aliyun_config(server)
    delivery = sms_delivery()

    assert deliver.apply(args=[delivery.pk]).result == "sent"

    [request] = server.received
    assert request.path == "/"
    assert request.query == {}  # the number travels in the body, never in the address
    form = request.form()
    assert form["Signature"] == aliyun_signature(form, "testsecret")
    assert form["Action"] == "SendSms"
    assert form["Version"] == "2017-05-25"
    assert form["SignatureMethod"] == "HMAC-SHA1"
    assert form["SignatureVersion"] == "1.0"
    assert form["AccessKeyId"] == "testid"
    assert form["PhoneNumbers"] == PHONE
    assert form["SignName"] == "某某区总工会"
    assert form["TemplateCode"] == "SMS_0000001"
    assert form["OutId"] == delivery.key
    assert form["TemplateParam"] == '{"title": "新诉求", "content": "请查看"}'
    delivery.refresh_from_db()
    assert delivery.attempt_log[0]["detail"] == "900619746936498440^0"


@pytest.mark.django_db
def test_aliyun_signs_a_different_nonce_each_time(server):
    ok = {"Code": "OK", "Message": "OK", "BizId": "1^0", "RequestId": "r"}
    server.answer(Answer(payload=ok), Answer(payload=ok))
    backend = AliyunSmsBackend(aliyun_config(server))

    backend.send(PHONE, "x", key="a")
    backend.send(PHONE, "x", key="a")

    first, second = (r.form() for r in server.received)
    assert first["SignatureNonce"] != second["SignatureNonce"]
    assert all(f["Signature"] == aliyun_signature(f, "testsecret") for f in (first, second))


@pytest.mark.django_db
def test_aliyun_refusing_the_number_is_permanent(server, settings):
    server.answer(Answer(payload={"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": f"{PHONE} illegal"}))
    settings.SMS_BACKEND = "unionhub.core.sms.AliyunSmsBackend"
    settings.SMS_ALIYUN = aliyun_config(server)
    delivery = sms_delivery()

    assert deliver.apply(args=[delivery.pk]).result == "failed"

    assert attempts(delivery) == [
        ("failed", "PermanentDeliveryError", "Aliyun isv.MOBILE_NUMBER_ILLEGAL (HTTP 200)", True)
    ]


@pytest.mark.django_db
def test_aliyun_throttling_is_retried(server, retries, settings):
    server.answer(Answer(status=400, payload={"Code": "Throttling.User", "Message": "Request was denied"}))
    settings.SMS_BACKEND = "unionhub.core.sms.AliyunSmsBackend"
    settings.SMS_ALIYUN = aliyun_config(server)
    delivery = sms_delivery()

    assert deliver.apply(args=[delivery.pk]).state == "RETRY"

    assert attempts(delivery) == [("retrying", "TransientDeliveryError", "Aliyun Throttling.User (HTTP 400)", True)]


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_the_console_sms_backend_never_logs_the_full_number(caplog, settings, debug):
    settings.DEBUG = debug
    delivery = sms_delivery()

    with caplog.at_level(logging.DEBUG):
        assert deliver.apply(args=[delivery.pk]).result == "sent"

    assert "*******5678" in caplog.text
    assert PHONE not in caplog.text
    assert "12345678" not in caplog.text
    assert ("请查看" in caplog.text) is debug  # the text may be a login code: shown in development only


def test_the_console_sms_backend_masks_even_odd_input(caplog):
    with caplog.at_level(logging.INFO):
        ConsoleSmsBackend().send("+86 138-1234-5678", "x", key="k")
        ConsoleSmsBackend().send("123", "x", key="k")

    assert "1234" not in caplog.text.replace("*******5678", "")
    assert "123" not in caplog.text


# Through the real worker and broker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_committed_notification_reaches_the_robot_through_the_worker(celery_worker_process, server):
    federation = FederationFactory()
    WebhookEndpoint.objects.create(
        federation=federation, channel=Channel.WECOM, name="robot", url=server.url + "/send?key=worker"
    )

    with transaction.atomic():
        [delivery] = notify_federation(federation, key="worker-1", title="通过队列发送")

    wait_for(lambda: server.received)
    wait_for(lambda: Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENT).exists())
    assert server.received[0].json()["text"]["content"] == "通过队列发送"
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.attempt_log[0]["outcome"] == "sent"


# ---------------------------------------------------------------------------------------------
# Robot addresses are the providers' only (ASVS 5.2.6, 12.6.1: no server-side request forgery)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        "http://169.254.169.254/latest/meta-data/",  # a cloud metadata service
        "http://10.0.0.5:6379/",  # Redis on the private network
        "https://qyapi.weixin.qq.com.attacker.example/cgi-bin/webhook/send",  # a look-alike host
    ],
)
def test_staff_cannot_point_a_robot_inside_our_network(settings, address, client):
    settings.WEBHOOK_URL_PREFIXES = ["https://qyapi.weixin.qq.com/", "https://oapi.dingtalk.com/"]
    superuser = UserFactory(is_superuser=True)
    client.force_login(superuser)
    federation = FederationFactory()
    form = {"federation": federation.pk, "channel": Channel.WECOM, "name": "robot", "url": address, "is_active": "on"}

    refused = client.post("/admin/core/webhookendpoint/add/", form)
    accepted = client.post(
        "/admin/core/webhookendpoint/add/", {**form, "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}
    )

    assert refused.status_code == 200 and list(refused.context["adminform"].form.errors) == ["url"]
    assert accepted.status_code == 302
    assert list(WebhookEndpoint.objects.values_list("url", flat=True)) == [
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    ]


@pytest.mark.django_db
def test_a_robot_saved_outside_the_allowed_addresses_is_never_posted_to(server, settings):
    delivery = robot(server)
    settings.WEBHOOK_URL_PREFIXES = ["https://qyapi.weixin.qq.com/"]

    deliver.apply(args=[delivery.pk])

    delivery.refresh_from_db()
    assert server.received == [] and delivery.status == DeliveryStatus.FAILED
