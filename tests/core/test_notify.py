"""notify(): inbox rows exactly once, one delivery per outside channel, tasks through the outbox;
the bookkeeping of each attempt; marking a notification read."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tests.factories import FederationFactory, UserFactory
from unionhub.core import notify as notify_module
from unionhub.core.actions import do_mark_notification_read
from unionhub.core.choices import Channel, DeliveryStatus
from unionhub.core.exceptions import OutOfScope
from unionhub.core.models import Delivery, Notification, OutboxMessage, WebhookEndpoint
from unionhub.core.notify import claim, notify, notify_federation
from unionhub.core.tasks import deliver, sweep_deliveries

pytestmark = pytest.mark.django_db

ALL_CHANNELS = (Channel.INBOX, Channel.EMAIL, Channel.SMS)


def staff(**kwargs):
    user = UserFactory(email="zhang@example.org", **kwargs)
    user.set_mobile("13812345678")
    user.save()
    return user


def test_a_repeated_key_writes_the_inbox_row_once():
    user = staff()

    notify([user], key="grievance-1-assigned", title="New grievance")
    again = notify([user, user], key="grievance-1-assigned", title="New grievance (again)")

    assert Notification.objects.filter(recipient=user).count() == 1
    assert [n.title for n in again.notifications] == ["New grievance"]


def test_the_same_key_reaches_each_recipient_once():
    first, second = staff(), staff()

    notify([first], key="visit-plan-2026q1", title="Visit plan")
    notify([first, second], key="visit-plan-2026q1", title="Visit plan")

    assert Notification.objects.filter(key="visit-plan-2026q1").count() == 2


def test_it_creates_one_delivery_per_outside_channel():
    user = staff()

    result = notify([user], key="grievance-2-overdue", title="Overdue", body="Please reply", channels=ALL_CHANNELS)

    deliveries = {d.channel: d for d in result.deliveries}
    assert set(deliveries) == {Channel.EMAIL, Channel.SMS}
    inbox = result.notifications[0]
    for delivery in deliveries.values():
        assert delivery.notification == inbox
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.target == f"user:{user.pk}"
        assert delivery.key.endswith(":grievance-2-overdue")
    messages = OutboxMessage.objects.filter(task_name="notify.deliver").order_by("id")
    assert [m.args for m in messages] == [[d.pk] for d in result.deliveries]
    assert {m.queue for m in messages} == {"notify"}


def test_no_delivery_stores_the_phone_number():
    user = staff()

    notify([user], key="k", title="t", channels=[Channel.SMS])

    delivery = Delivery.objects.get()
    assert "13812345678" not in f"{delivery.target} {delivery.key} {delivery.subject} {delivery.body}"


def test_repeating_the_call_enqueues_nothing_new():
    user = staff()

    notify([user], key="k", title="t", channels=ALL_CHANNELS)
    notify([user], key="k", title="t", channels=ALL_CHANNELS)

    assert Delivery.objects.count() == 2
    assert OutboxMessage.objects.count() == 2


def test_users_without_an_address_get_no_delivery_on_that_channel():
    user = UserFactory(email="")
    inactive = staff(is_active=False)

    result = notify([user, inactive], key="k", title="t", channels=ALL_CHANNELS)

    assert len(result.notifications) == 2
    assert result.deliveries == []


def test_without_the_inbox_channel_there_is_no_inbox_row():
    user = staff()

    result = notify([user], key="k", title="t", channels=[Channel.EMAIL])

    assert not Notification.objects.exists()
    assert result.deliveries[0].notification is None


def test_a_rolled_back_write_notifies_nobody():
    user = staff()

    with pytest.raises(RuntimeError), transaction.atomic():
        notify([user], key="k", title="t", channels=ALL_CHANNELS)
        raise RuntimeError("the write failed")

    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_only_absolute_links_reach_outside_channels():
    user = staff()

    notify([user], key="a", title="t", body="b", link="/m/grievances/1/", channels=[Channel.EMAIL])
    notify(
        [user], key="b", title="t", body="b", link="https://hub.example.org/m/grievances/1/", channels=[Channel.EMAIL]
    )

    assert list(Delivery.objects.order_by("id").values_list("body", flat=True)) == [
        "b",
        "b\nhttps://hub.example.org/m/grievances/1/",
    ]


def test_a_long_key_still_gives_a_stable_delivery_key():
    user = staff()
    key = "x" * 200

    notify([user], key=key, title="t", channels=[Channel.EMAIL])
    notify([user], key=key, title="t", channels=[Channel.EMAIL])

    assert Delivery.objects.count() == 1
    assert len(Delivery.objects.get().key) <= 200


def test_notify_federation_posts_to_each_active_robot_once():
    federation = FederationFactory()
    wecom = WebhookEndpoint.objects.create(
        federation=federation, channel=Channel.WECOM, name="wecom", url="http://127.0.0.1:9/"
    )
    WebhookEndpoint.objects.create(
        federation=federation, channel=Channel.DINGTALK, name="off", url="http://127.0.0.1:9/", is_active=False
    )
    WebhookEndpoint.objects.create(
        federation=FederationFactory(), channel=Channel.WECOM, name="elsewhere", url="http://127.0.0.1:9/"
    )

    first = notify_federation(federation, key="weekly-1", title="Weekly figures")
    second = notify_federation(federation, key="weekly-1", title="Weekly figures")

    assert [(d.channel, d.target) for d in first] == [(Channel.WECOM, f"webhook:{wecom.pk}")]
    assert second == first
    assert OutboxMessage.objects.count() == 1


def test_an_email_is_sent_with_a_message_id_stable_per_delivery():
    user = staff()
    delivery = notify(
        [user], key="k", title="Overdue\nreply", body="Please reply", channels=[Channel.EMAIL]
    ).deliveries[0]

    deliver.apply(args=[delivery.pk])

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["zhang@example.org"]
    assert message.subject == "Overdue reply"
    assert message.extra_headers["Message-ID"] == delivery.attempt_log[0]["detail"]
    assert delivery.attempt_log[0]["outcome"] == "sent"
    assert delivery.attempt_log[0]["certain"] is True


def test_a_sent_delivery_is_not_sent_again():
    user = staff()
    delivery = notify([user], key="k", title="t", channels=[Channel.EMAIL]).deliveries[0]

    deliver.apply(args=[delivery.pk])
    deliver.apply(args=[delivery.pk])

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_delivery_that_is_gone_is_skipped():
    assert deliver.apply(args=[987654]).result == "skipped"


def test_a_delivery_being_sent_is_not_claimed_twice():
    user = staff()
    delivery = notify([user], key="k", title="t", channels=[Channel.EMAIL]).deliveries[0]

    assert claim(delivery.pk) is not None
    assert claim(delivery.pk) is None
    assert deliver.apply(args=[delivery.pk]).result == "skipped"
    assert mail.outbox == []


def test_an_attempt_whose_worker_died_is_recorded_as_uncertain():
    user = staff()
    delivery = notify([user], key="k", title="t", channels=[Channel.EMAIL]).deliveries[0]
    claimed = claim(delivery.pk)
    long_ago = (timezone.now() - notify_module.LEASE - timedelta(seconds=1)).isoformat()
    Delivery.objects.filter(pk=delivery.pk).update(attempt_log=[{**claimed.attempt_log[0], "at": long_ago}])

    deliver.apply(args=[delivery.pk])

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert [(e["outcome"], e["certain"]) for e in delivery.attempt_log] == [("interrupted", False), ("sent", True)]


def test_a_lost_task_is_enqueued_again_by_the_sweep():
    user = staff()
    fresh, stale = notify([user], key="k", title="t", channels=[Channel.EMAIL, Channel.SMS]).deliveries
    Delivery.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=2))

    assert sweep_deliveries() == 1

    assert OutboxMessage.objects.filter(task_name="notify.deliver", args=[stale.pk]).count() == 2
    assert OutboxMessage.objects.filter(task_name="notify.deliver", args=[fresh.pk]).count() == 1


def test_marking_read_keeps_the_first_time():
    user = staff()
    notification = notify([user], key="k", title="t").notifications[0]

    first = do_mark_notification_read(notification, actor=user).read_at
    second = do_mark_notification_read(notification, actor=user).read_at

    assert first is not None
    assert second == first


def test_only_the_recipient_may_mark_read():
    user, other = staff(), staff()
    notification = notify([user], key="k", title="t").notifications[0]

    with pytest.raises(OutOfScope):
        do_mark_notification_read(notification, actor=other)

    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_api_marks_the_users_own_notification_read(client_for):
    user, other = staff(), staff()
    notification = notify([user], key="k", title="t").notifications[0]

    assert client_for(other).post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404
    response = client_for(user).post(f"/api/v1/notifications/{notification.pk}/read/")

    assert response.status_code == 200
    assert response.json()["read_at"] is not None
