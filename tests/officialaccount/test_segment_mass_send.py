"""Messaging a customer segment (群发): the console form on the segment page, the segment's follower tag
pushed to WeChat, `message/mass/sendall` through the outbox with one clientmsgid per send, and WeChat's
MASSSENDJOBFINISH recorded — against wxsandbox. Members who do not follow are counted and skipped."""

import re
import uuid

import pytest
from django.test import Client

from wxmall.accounts.testing import make_customer
from wxmall.core.models import OutboxMessage
from wxmall.core.relay import relay
from wxmall.customers import handlers
from wxmall.customers.models import Segment, SegmentMessage
from wxmall.officialaccount import actions
from wxmall.officialaccount.models import Follower, FollowerTag


def _mass_seen(sb, user):
    chat = sb.control("GET", "mp/oa/conversation", params={"user": user})["messages"]
    return [m["body"]["content"] for m in chat if m["source"] == "mass"]


@pytest.mark.django_db(transaction=True)
def test_staff_message_a_segment_once_and_see_wechats_result(oa_hub):
    sb = oa_hub("safe")
    for user in ("xiaoming", "lihua"):
        sb.control("POST", "mp/oa/follow", json={"user": user})
    actions.process_pending()  # the follows made them customers with their OA identities
    make_customer("offline-buyer")  # a member of the segment who does not follow: skipped
    segment = Segment.objects.create(name="全部顾客")
    staff = Client()
    staff.force_login(make_customer("boss", is_staff=True, is_superuser=True))

    page = staff.get(f"/console/segments/{segment.pk}/").content.decode()
    assert "其中 <strong>2</strong> 位关注了公众号" in page and "1 位未关注，将跳过" in page
    response = staff.post(
        f"/console/segments/{segment.pk}/message/",
        {"content": "双十二新品到店，欢迎选购", "send_id": uuid.uuid4().hex},
    )
    assert response.status_code == 302
    sent = SegmentMessage.objects.get()
    assert (sent.members, sent.followers, sent.skipped, sent.status) == (3, 2, 1, "queued")
    tag = FollowerTag.objects.get(name=f"分群#{segment.pk}")
    assert set(Follower.objects.filter(tags=tag).values_list("openid", flat=True)) == {
        sb.openid(u, sb.app_of_kind("official_account").appid) for u in ("xiaoming", "lihua")
    }

    relay()
    sent.refresh_from_db()
    assert sent.status == "submitted" and sent.msg_id and tag.__class__.objects.get(pk=tag.pk).wechat_id
    assert _mass_seen(sb, "xiaoming") == _mass_seen(sb, "lihua") == ["双十二新品到店，欢迎选购"]

    # The relay redelivering after a lost answer: WeChat answers 45065 for the clientmsgid, nothing resent.
    SegmentMessage.objects.filter(pk=sent.pk).update(status="queued", msg_id=None)
    assert (
        handlers.deliver_mass(OutboxMessage.objects.get(destination="oa_mass"), {})["status"] == "submitted"
    )
    assert _mass_seen(sb, "xiaoming") == ["双十二新品到店，欢迎选购"]
    SegmentMessage.objects.filter(pk=sent.pk).update(msg_id=sent.msg_id)

    sb.wait_for(
        lambda: actions.process_pending() >= 0 and SegmentMessage.objects.filter(status="finished").exists(),
        10,
    )
    sent.refresh_from_db()
    assert (sent.wechat_status, sent.total_count, sent.filter_count, sent.sent_count, sent.error_count) == (
        "send success",
        2,
        2,
        2,
        0,
    )
    page = staff.get(f"/console/segments/{segment.pk}/").content.decode()
    assert "已完成（send success）" in page and "2 / 0" in page


@pytest.mark.django_db(transaction=True)
def test_wechats_refusal_is_recorded_not_retried(oa_hub):
    sb = oa_hub("safe")
    sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    actions.process_pending()
    sb.control("POST", "mp/settings", json={"daily_quotas": {"mass.sendall": 1}})
    segment = Segment.objects.create(name="关注者")
    staff = Client()
    staff.force_login(make_customer("boss", is_staff=True, is_superuser=True))
    for text in ("第一条群发", "第二条群发"):
        assert (
            staff.post(
                f"/console/segments/{segment.pk}/message/", {"content": text, "send_id": uuid.uuid4().hex}
            ).status_code
            == 302
        )
    relay()
    statuses = list(SegmentMessage.objects.order_by("id").values_list("status", "errcode"))
    assert statuses == [("submitted", None), ("failed", 45028)]
    assert set(OutboxMessage.objects.filter(destination="oa_mass").values_list("status", flat=True)) == {
        "delivered"
    }
    assert _mass_seen(sb, "xiaoming") == ["第一条群发"]


@pytest.fixture
def segment_with_follower(oa, db):
    customer = make_customer("fan")
    Follower.objects.create(appid=oa["appid"], openid="o-fan", subscribed=True, customer=customer)
    return Segment.objects.create(name="粉丝")


def _login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "error"),
    [("", "请填写群发内容"), ("长" * 601, "不能超过 600 个字"), ("全网最低价，快来抢", "违反广告法")],
)
def test_bad_copy_is_refused_and_nothing_is_queued(segment_with_follower, content, error):
    from wxmall.customers.testing import OWNER, make_staff

    response = _login(make_staff("owner", OWNER)).post(
        f"/console/segments/{segment_with_follower.pk}/message/",
        {"content": content, "send_id": uuid.uuid4().hex},
    )
    assert response.status_code == 400 and error in response.content.decode()
    assert (
        not SegmentMessage.objects.exists()
        and not OutboxMessage.objects.filter(destination="oa_mass").exists()
    )


@pytest.mark.django_db
def test_a_segment_with_no_followers_is_refused(oa):
    from wxmall.customers.testing import OWNER, make_staff

    make_customer("offline")
    segment = Segment.objects.create(name="无粉丝")
    response = _login(make_staff("owner", OWNER)).post(
        f"/console/segments/{segment.pk}/message/", {"content": "你好", "send_id": uuid.uuid4().hex}
    )
    assert response.status_code == 409 and "没有关注公众号的顾客" in response.content.decode()
    assert not SegmentMessage.objects.exists()


@pytest.mark.django_db
def test_a_role_without_the_permission_cannot_message(segment_with_follower):
    from wxmall.customers.testing import SERVICE, make_staff

    client = _login(make_staff("kefu", SERVICE))
    response = client.post(
        f"/console/segments/{segment_with_follower.pk}/message/",
        {"content": "你好", "send_id": uuid.uuid4().hex},
    )
    assert response.status_code == 403 and not SegmentMessage.objects.exists()
    assert (
        _login(make_staff("missing", SERVICE))
        .post("/console/segments/999999/message/", {"content": "x", "send_id": uuid.uuid4().hex})
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_the_segment_page_previews_followers_and_skipped(segment_with_follower):
    from wxmall.customers.testing import OPERATOR, make_staff

    make_customer("offline")
    page = (
        _login(make_staff("op", OPERATOR))
        .get(f"/console/segments/{segment_with_follower.pk}/")
        .content.decode()
    )
    assert (
        "分群共 2 位顾客，其中 <strong>1</strong> 位关注了公众号" in page and "群发给 1 位关注者" in page
    ), page[page.find("<main>") :]


@pytest.mark.django_db(transaction=True)
def test_the_same_form_submitted_twice_sends_once_and_a_form_without_its_id_sends_nothing(
    segment_with_follower,
):
    from wxmall.customers.testing import OWNER, make_staff

    staff = _login(make_staff("owner", OWNER))
    url = f"/console/segments/{segment_with_follower.pk}/message/"
    page = staff.get(f"/console/segments/{segment_with_follower.pk}/").content.decode()
    send_id = re.search(r'name="send_id" value="([0-9a-f]{32})"', page).group(1)
    for _ in range(2):  # a double-click, or the page resubmitted
        assert staff.post(url, {"content": "周末到店有礼", "send_id": send_id}).status_code == 302
    assert SegmentMessage.objects.count() == 1
    assert OutboxMessage.objects.filter(destination="oa_mass").count() == 1

    for forged in ("", "../../etc", "A" * 32):
        response = staff.post(url, {"content": "周末到店有礼", "send_id": forged})
        assert response.status_code == 400 and "页面已过期" in response.content.decode()
    assert SegmentMessage.objects.count() == 1
