"""`channels_ec_sharer_change` pushes from wxsandbox's Store reach the hub's receiver and bind or unbind
the sharer: stored once per delivery, processed by re-reading the sharer (`search_sharer`), so duplicated
and reordered pushes converge on WeChat's state; the hourly list sync stays the safety net for lost ones."""

import pytest

from store.test_push_e2e import delivered
from wxmall.channels.actions import sharers
from wxmall.channels.models import Sharer
from wxmall.store import tasks
from wxmall.store.models import StoreEvent
from wxmall.wechat import client

pytestmark = pytest.mark.django_db(transaction=True)
EVENT = "channels_ec_sharer_change"


def test_bind_and_unbind_pushes_follow_wechat_even_duplicated(pushing_store):
    pushing_store.add_fault(target="callback:store.push", duplicate=True)
    sharers.invite()
    pushing_store.control("POST", "store/sharers", json={"user": "wangfang"})
    sent = delivered(pushing_store, EVENT)
    openid = sent[0]["message"]["openid"]
    assert sum(len(e["deliveries"]) for e in sent) > len(sent)  # WeChat really sent it twice
    assert StoreEvent.objects.filter(event=EVENT, business_id=f"{openid}:1").count() == 1
    tasks.retry_events()
    sharer = Sharer.objects.get(openid=openid)
    assert sharer.bound and sharer.nickname and sharer.sharer_type == 0
    assert StoreEvent.objects.get(event=EVENT).error == ""

    client("store").store.sharer_unbind([openid])  # unbound in WeChat (the shop back end, another hub)
    delivered(pushing_store, EVENT)
    tasks.retry_events()
    assert not Sharer.objects.get(openid=openid).bound
    assert not StoreEvent.objects.filter(processed_at__isnull=True).exists()


def test_reordered_pushes_converge_and_the_sync_catches_lost_ones(pushing_store):
    sharers.invite()
    pushing_store.add_fault(target="callback:store.push", reorder=True, times=1)
    pushing_store.control("POST", "store/sharers", json={"user": "wangfang"})
    openid = pushing_store.control("GET", "store/sharers")["sharers"][0]["openid"]
    client("store").store.sharer_unbind([openid])  # the unbind push now overtakes the bind push
    delivered(pushing_store, EVENT)
    tasks.retry_events()
    assert not Sharer.objects.filter(openid=openid, bound=True).exists()

    pushing_store.add_fault(target="callback:store.push", drop=True)
    sharers.invite()
    pushing_store.control("POST", "store/sharers", json={"user": "wangfang"})
    tasks.retry_events()
    assert not Sharer.objects.filter(openid=openid, bound=True).exists()  # the push was lost
    assert sharers.sync() == 1  # the hourly sync
    assert Sharer.objects.get(openid=openid).bound


def test_a_push_without_openid_is_ignored_with_a_reason(db):
    from wxmall.store import pushes

    assert pushes.dispatch(EVENT, {"Event": EVENT, "bind_status": 1}).startswith("ignored")
    assert pushes.dispatch(EVENT, {"Event": EVENT, "openid": ["x"]}).startswith("ignored")
    assert not Sharer.objects.exists()
