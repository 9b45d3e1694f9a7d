"""Demo history for `manage.py load_demo`: about four months of orders, so every report and chart has
something to show on first run.

Every order goes through the real actions: placed by `checkout.place_order`, paid by
`orders.actions.mark_paid` with a demo transaction id (no WeChat Pay record exists for it, so the payment
method chart shows these as 其他), then shipped, delivered, completed, or refunded through the order state
machine, so stock, sales counts, points and the order audit trail are what they would be. Only afterwards
are the timestamps moved into the past (created_at, paid_at, shipped_at, … and the order's events),
since the actions stamp "now". Idempotent: each order carries a fixed idempotency key (its number in the
history) and is skipped when a demo customer already has it; a re-run adds nothing and moves nothing."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wxmall.accounts.actions import add_address, set_phone
from wxmall.accounts.models import User
from wxmall.catalog.models import SKU
from wxmall.checkout.actions import place_order
from wxmall.core.errors import DomainError
from wxmall.orders import actions as orders
from wxmall.orders.models import Order, OrderEvent
from wxmall.orders.state import ActorKind, OrderStatus

CUSTOMERS = [
    ("张伟", "13800000001", "广东省", "深圳市", "南山区"),
    ("王芳", "13800000002", "北京市", "北京市", "海淀区"),
    ("李娜", "13800000003", "上海市", "上海市", "浦东新区"),
    ("刘洋", "13800000004", "浙江省", "杭州市", "西湖区"),
    ("陈静", "13800000005", "江苏省", "南京市", "鼓楼区"),
    ("杨帆", "13800000006", "四川省", "成都市", "武侯区"),
    ("赵磊", "13800000007", "湖北省", "武汉市", "洪山区"),
    ("黄敏", "13800000008", "广东省", "广州市", "天河区"),
    ("周杰", "13800000009", "陕西省", "西安市", "雁塔区"),
    ("吴婷", "13800000010", "福建省", "厦门市", "思明区"),
    ("徐强", "13800000011", "山东省", "青岛市", "市南区"),
    ("孙丽", "13800000012", "湖南省", "长沙市", "岳麓区"),
]
CHANNELS = ["公众号菜单", "朋友圈广告", "视频号直播", "短链接", None, None]
ORDERS = 96
BUYER_PREFIX = "demo-buyer-"
DAYS = 120
SEED = 11  # the same history on every machine
# Where an order ends, by weight: most complete; some are still to ship, on the way, or refunded.
OUTCOMES = [
    ("completed", 62),
    ("delivered", 8),
    ("shipped", 8),
    ("paid", 6),
    ("refunded", 10),
    ("refund_requested", 6),
]


def _customer(index: int, row) -> User:
    name, phone, province, city, district = row
    user, created = User.objects.get_or_create(
        username=f"{BUYER_PREFIX}{index:02d}",
        defaults={"nickname": name if index % 3 else ""},  # some without: shown by masked phone
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        set_phone(user, phone)
        add_address(
            user,
            recipient=name,
            phone=phone,
            province=province,
            city=city,
            district=district,
            detail="演示路 1 号",
        )
    return user


def _move(order: Order, placed) -> None:
    """Shift the order's timestamps and events back so that it was placed at `placed`."""
    shift = placed - order.created_at
    fields = (
        "created_at",
        "expires_at",
        "paid_at",
        "shipped_at",
        "delivered_at",
        "completed_at",
        "refund_requested_at",
        "refunded_at",
    )
    Order.objects.filter(pk=order.pk).update(
        **{f: F(f) + shift for f in fields if getattr(order, f) is not None}
    )
    OrderEvent.objects.filter(order=order).update(created_at=F("created_at") + shift)


def _finish(order: Order, outcome: str, staff) -> None:
    if outcome in ("shipped", "delivered", "completed") or (outcome.startswith("refund") and order.pk % 2):
        orders.ship(order.pk, staff, reason="演示：发货")
        if outcome in ("delivered", "completed"):
            orders.deliver(order.pk, staff, reason="演示：签收")
        if outcome == "completed":
            orders.complete(order.pk, staff, reason="演示：完成")
    if outcome.startswith("refund"):
        orders.request_refund(order.user, order.order_no, reason="演示：不想要了")
        if outcome == "refunded":
            orders.transition(
                order.pk, OrderStatus.REFUNDED, actor_kind=ActorKind.SYSTEM, reason="演示：退款成功"
            )


def load() -> str:
    rng = random.Random(SEED)
    skus = list(SKU.objects.filter(is_active=True, product__is_listed=True).order_by("id"))
    if not skus:
        return "演示订单：没有可售商品，跳过"
    staff = User.objects.filter(is_staff=True).order_by("id").first()
    people = [_customer(i, row) for i, row in enumerate(CUSTOMERS, start=1)]
    now = timezone.now()
    made = 0
    for n in range(ORDERS):
        # Drawn for every order, made or not, so a re-run walks the same sequence.
        # Only whole-sequence draws of people (a fixed list) before the SKU, whose list may have shrunk
        # since (a product delisted): the SKU is picked from a float so later draws stay the same.
        buyer = rng.choice(people)
        pool = skus[: max(8, len(skus) // 2)] + skus
        sku = pool[int(rng.random() * len(pool))]
        quantity, channel = rng.choice([1, 1, 1, 2]), rng.choice(CHANNELS)
        outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
        age = timedelta(
            days=DAYS * (1 - n / ORDERS) ** 1.3, hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
        )
        key = f"demo-history-{n:03d}"
        if Order.objects.filter(idempotency_key=key, user__username__startswith=BUYER_PREFIX).exists():
            continue
        try:
            with transaction.atomic():
                order = place_order(
                    buyer,
                    items=[(sku.pk, quantity)],
                    address_id=buyer.addresses.first().pk,
                    idempotency_key=key,
                    channel=channel,
                )
                order = orders.mark_paid(order.order_no, f"DEMO{order.pk:024d}", timezone.now(), order.total)
                _finish(order, outcome, staff)
                _move(Order.objects.get(pk=order.pk), now - age)
        except DomainError:
            continue  # out of stock or unlisted since: the history simply has one order fewer
        made += 1
    return f"演示订单：新建 {made} 笔（近 {DAYS} 天，含已发货、已完成与退款）"
