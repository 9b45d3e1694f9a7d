"""Order notifications as OA template messages (or MP subscribe messages) through the outbox, against
wxsandbox: quota and per-minute limits, final errcodes not retried, TEMPLATESENDJOBFINISH recorded."""

import pytest
from django.utils import timezone

from wxmall.accounts.models import WeChatIdentity
from wxmall.accounts.testing import make_address
from wxmall.catalog.testing import make_sku
from wxmall.checkout.actions import place_order
from wxmall.core.models import OutboxMessage
from wxmall.core.relay import relay
from wxmall.officialaccount import actions
from wxmall.officialaccount.models import Notification, SendCounter
from wxmall.orders import actions as orders

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hub(oa_hub):
    sb = oa_hub("safe")
    sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    actions.process_pending()  # the follow made xiaoming a customer with his OA identity
    appid = sb.app_of_kind("official_account").appid
    customer = WeChatIdentity.objects.get(appid=appid, openid=sb.openid("xiaoming", appid)).user
    return sb, customer


def paid_order(customer, price=129900):
    order = place_order(
        customer, items=[(make_sku(price=price, stock=5).pk, 1)], address_id=make_address(customer).pk
    )
    return orders.mark_paid(order.order_no, f"4200{order.pk:024d}", timezone.now(), order.total)


def templates_seen(sb):
    chat = sb.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["messages"]
    return [m for m in chat if m["msgtype"] == "template"]


def test_paid_shipped_refunded_reach_the_customer_and_delivery_is_recorded(hub):
    sb, customer = hub
    order = paid_order(customer)
    orders.ship(order.pk, None)
    relay()
    sent = {n.kind: n for n in Notification.objects.all()}
    assert set(sent) == {"paid", "shipped"} and all(n.status == "sent" and n.msgid for n in sent.values())
    seen = templates_seen(sb)
    assert [m["body"]["data"]["keyword1"]["value"] for m in seen] == [order.order_no] * 2
    assert seen[0]["body"]["data"]["keyword2"]["value"] == "1299.00 元"
    # WeChat reports each delivery with TEMPLATESENDJOBFINISH
    sb.wait_for(
        lambda: actions.process_pending() >= 0 and Notification.objects.exclude(job_status="").count() == 2,
        10,
    )
    assert set(Notification.objects.values_list("job_status", flat=True)) == {"success"}


def test_a_replayed_transition_or_relay_sends_once(hub):
    sb, customer = hub
    order = paid_order(customer)
    orders.mark_paid(
        order.order_no, f"4200{order.pk:024d}", timezone.now(), order.total
    )  # WeChat Pay retries
    relay()
    relay()
    assert Notification.objects.count() == 1 and len(templates_seen(sb)) == 1


def test_an_unfollowed_customer_is_final_not_retried(hub):
    sb, customer = hub
    sb.control("POST", "mp/oa/unfollow", json={"user": "xiaoming"})
    paid_order(customer)
    relay()
    notification = Notification.objects.get()
    assert (notification.status, notification.errcode) == ("unsubscribed", 43004)
    row = OutboxMessage.objects.get(destination="oa_notification")
    assert row.status == "delivered" and relay().delivered == 0  # done: no retry, no dead letter


def test_wechats_quota_is_final_too(hub):
    sb, customer = hub
    sb.control("POST", "mp/settings", json={"daily_quotas": {"template.send": 1}})
    paid_order(customer)
    relay()
    paid_order(customer)
    relay()
    statuses = list(Notification.objects.order_by("id").values_list("status", "errcode"))
    assert statuses == [("sent", None), ("quota", 45009)]


def test_our_daily_quota_and_per_minute_limit(hub, settings):
    sb, customer = hub
    settings.OA_NOTIFY_DAILY_QUOTA = 1
    paid_order(customer)
    paid_order(customer)
    relay()
    assert sorted(Notification.objects.values_list("status", flat=True)) == ["quota", "sent"]
    assert len(templates_seen(sb)) == 1
    settings.OA_NOTIFY_DAILY_QUOTA = 100
    settings.OA_NOTIFY_PER_MINUTE = 1
    SendCounter.objects.all().delete()
    paid_order(customer)
    paid_order(customer)
    result = relay()
    assert result.delivered == 1 and result.retried == 1  # the second waits for the next minute
    assert Notification.objects.filter(status="queued").count() == 1


def test_a_customer_without_wechat_gets_nothing(db, customer, address, sku):
    order = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    orders.mark_paid(order.order_no, "4200" + "0" * 24, timezone.now(), order.total)
    assert not Notification.objects.exists() and not OutboxMessage.objects.filter(
        destination="oa_notification"
    )
