"""The alliance (优选联盟) against wxsandbox: a creator invited and bound once they accept, a synced product
published with a commission ratio through the outbox, an alliance sale attributed to the creator with
WeChat's own commission recorded (WeChat settles it: no money moves here), and the promoter sales report."""

from wxmall.channels import queries
from wxmall.channels.actions import alliance, sharers
from wxmall.channels.models import AllianceItem, Commission, CommissionStatus, SettleMethod
from wxmall.core.models import OutboxMessage
from wxmall.core.relay import relay
from wxmall.store import tasks

CREATOR = "sphCreator0001"


def test_a_creator_sells_a_published_product_and_wechat_settles_their_commission(wx_store, on_store):
    sharer = sharers.add_promoter(CREATOR, "装机达人")
    assert not sharer.bound  # invited, not yet cooperating
    wx_store.control("POST", f"store/promoters/{CREATOR}/accept", json={"nickname": "装机达人"})
    assert sharers.refresh_promoter(sharer.pk).bound

    item = alliance.publish(on_store.sku.product_id, 10)
    relay()
    assert OutboxMessage.objects.get(destination="channels_store").status == "delivered"
    item.refresh_from_db()
    assert (item.status, item.result) == (1, "已上架推广")

    placed = wx_store.control(
        "POST",
        "store/orders",
        json={
            "user": "xiaoming",
            "product_id": on_store.store_product.store_product_id,
            "sku_id": on_store.store_sku_id,
            "promoter": CREATOR,
        },
    )["order"]
    wx_store.control("POST", f"store/orders/{placed['order_id']}/pay")
    tasks.poll_orders()
    row = Commission.objects.get()
    assert (row.sharer_id, row.method, row.status) == (
        sharer.pk,
        SettleMethod.PLATFORM,
        CommissionStatus.PLATFORM,
    )
    assert row.amount == 399_900 * 10 // 100  # WeChat's commission_infos amount
    assert queries.promoter_sales() == [
        {
            "sharer__nickname": "装机达人",
            "sharer__openid": CREATOR,
            "orders": 1,
            "gmv": 399_900,
            "commission": row.amount,
        }
    ]


def test_a_ratio_out_of_bounds_is_refused_and_writes_nothing(wx_store, on_store):
    from wxmall.core.errors import DomainError

    for ratio in (0, 91):
        try:
            alliance.publish(on_store.sku.product_id, ratio)
        except DomainError as exc:
            assert exc.error.code == "channels_alliance_ratio"
        else:
            raise AssertionError("accepted")
    assert (
        not AllianceItem.objects.exists()
        and not OutboxMessage.objects.filter(destination="channels_store").exists()
    )
