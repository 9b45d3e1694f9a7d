"""Attribution and the commission ledger, driven by the order's moves (order hooks, registered in
ChannelsConfig.ready) and by refunds (payments' `refund_succeeded`).

* paid: the order is attributed (a Store order from the attribution fields WeChat put on it, an H5
  order from the tracked link recorded at checkout), its buyer tagged for marketing, and, when a bound
  sharer brought it and a rule covers its products, one commission is accrued (unique per order and
  sharer, so a replayed move accrues nothing). Settlement is chosen by where the money is:
  - an H5 order paid through our WeChat Pay: profit sharing from that payment (its funds were frozen
    at prepay for this, see `wants_profit_sharing`);
  - a Store order's sharer: the Store settles the order's funds to the shop (we hold no Pay
    transaction to split), so a merchant transfer (商家转账) from the shop's balance;
  - a Store order's promoter (带货达人, alliance): WeChat settles the alliance commission itself
    (`commission_infos`, reference §5.3/§8.5): the ledger only records it, no money moves here.
* a refund reverses the commission in proportion to what was refunded of the paid amount (a full
  refund reverses all of it): our WeChat Pay refunds (payments' `refund_succeeded`) and WeChat Store
  after-sales, partial or whole (store's `aftersale_refunded`). Rounding: the reversed total is
  ceil(commission × refunded ÷ paid), from the running totals, capped at the commission — a refunded
  fen never keeps its commission, and however many partial refunds come, the reversals add up to at
  most what was earned (exactly it once everything is refunded). Because the target is recomputed from
  the totals each time, refunds replayed or arriving twice (the refund's own signal and the order's move
  to `refunded`) reverse exactly once. What had not been paid out only lowers the ledger; what had been
  is clawed back by a new `Reversal` entry (see settlement), never by editing the paid commission.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wxmall.marketing.actions import touch_order
from wxmall.marketing.models import Link
from wxmall.orders.models import Order

from .. import commission, config
from ..models import (
    Attribution,
    Commission,
    CommissionStatus,
    LiveSession,
    Reversal,
    SettleMethod,
    Sharer,
    SharerKind,
    SharerLink,
    ShortVideo,
)
from .audience import tag_buyer

STORE_CHANNEL = "wechat_store"
LIVE_LINK_CHANNEL = "live"  # a tracked link for a live session: marketing's channel, content = export id
ALLIANCE_SALE_CHANNEL = 100  # source_infos.sale_channel of an alliance (优选联盟) sale


# --- attribution ----------------------------------------------------------------------------------------
def attribute_h5(order: Order, link_id: int | None) -> Attribution | None:
    """At checkout: the buyer came last through tracked link `link_id` (marketing's signed touch cookie,
    so a buyer cannot name a sharer). A sharer's link attributes the sharer (and its session/video); a
    video's own link the video. Once per order."""
    if not link_id:
        return None
    fields: dict = {}
    sharer_link = SharerLink.objects.filter(link_id=link_id, sharer__bound=True).first()
    if sharer_link is not None:
        fields = {
            "sharer_id": sharer_link.sharer_id,
            "live_id": sharer_link.live_id,
            "video_id": sharer_link.video_id,
        }
    else:
        video = ShortVideo.objects.filter(link_id=link_id).first()
        if video is None:
            return None
        fields = {"video": video, "finder_id": video.finder_id}
    attribution, _ = Attribution.objects.get_or_create(
        order=order, defaults={"source": Attribution.Source.H5, **fields}
    )
    return attribution


def _store_attribution(order: Order) -> Attribution | None:
    from wxmall.store.models import StoreOrder

    so = StoreOrder.objects.filter(order_id=order.pk).first()
    if so is None:
        return None
    sources = (so.source or {}).get("source_infos") or []
    sharer_info = (so.source or {}).get("sharer_info") or {}
    sharer = None
    if so.sharer_openid:
        sharer = Sharer.objects.filter(openid=so.sharer_openid, kind=SharerKind.SHARER).first()
    if sharer is None:
        promoter = next(
            (
                s.get("account_id")
                for s in sources
                if isinstance(s, dict) and s.get("sale_channel") == ALLIANCE_SALE_CHANNEL
            ),
            None,
        )
        if promoter:
            sharer = Sharer.objects.filter(openid=str(promoter), kind=SharerKind.PROMOTER).first()
    live = LiveSession.objects.filter(export_id=so.live_id).first() if so.live_id else None
    video = ShortVideo.objects.filter(export_id=so.content_id).first() if so.content_id else None
    scene = sharer_info.get("share_scene") if isinstance(sharer_info, dict) else 0
    attribution, created = Attribution.objects.get_or_create(
        order=order,
        defaults={
            "source": Attribution.Source.STORE,
            "sharer": sharer,
            "live": live,
            "video": video,
            "finder_id": so.finder_id,
            "share_scene": scene if isinstance(scene, int) else 0,
        },
    )
    if created:
        _touch_store_order(order, attribution)
    return attribution


def _touch_store_order(order: Order, attribution: Attribution) -> None:
    """A Store order has no browser and so no touch cookie: its touch is the tracked link of what WeChat
    says brought it, so analytics credits the order (GMV, conversion) to that video, live session or
    sharer. Last touch: the content (the video's link, or a `live` link for the session's export id);
    first touch: the sharer's link (the one for this session or video first), else the content's too."""
    content = None
    if attribution.video is not None:
        content = attribution.video.link_id
    elif attribution.live is not None and attribution.live.export_id:
        content = (
            Link.objects.filter(channel=LIVE_LINK_CHANNEL, content_id=attribution.live.export_id[:64])
            .values_list("pk", flat=True)
            .first()
        )
    shared = None
    if attribution.sharer is not None:
        links = SharerLink.objects.filter(sharer=attribution.sharer)
        preferred = links.filter(live=attribution.live) if attribution.live else links.none()
        if attribution.video is not None:
            preferred = preferred | links.filter(video=attribution.video)
        shared = (preferred.values_list("link_id", flat=True).first()) or (
            links.order_by("pk").values_list("link_id", flat=True).first()
        )
    if content or shared:
        touch_order(order, first_link_id=shared or content, last_link_id=content or shared)


def _method(order: Order, sharer: Sharer) -> str:
    if order.channel != STORE_CHANNEL:
        return SettleMethod.PROFIT_SHARING
    return SettleMethod.PLATFORM if sharer.kind == SharerKind.PROMOTER else SettleMethod.TRANSFER


# --- order hooks ----------------------------------------------------------------------------------------
def on_paid(order, from_status: str, to_status: str) -> None:
    """Inside the paying transaction: attribute, tag the buyer, accrue the commission."""
    attribution = (
        _store_attribution(order)
        if order.channel == STORE_CHANNEL
        else Attribution.objects.filter(order=order).select_related("sharer").first()
    )
    if attribution is None:
        return
    tag_buyer(attribution)
    if attribution.sharer is not None and attribution.sharer.bound:
        accrue(order, attribution.sharer)


def _platform_amount(order: Order) -> int:
    """The alliance commission WeChat reported on a Store order (`commission_infos`, fen)."""
    from wxmall.store.models import StoreOrder

    so = StoreOrder.objects.filter(order_id=order.pk).first()
    infos = (so.source or {}).get("commission_infos") if so else None
    return sum(c["amount"] for c in infos or [] if isinstance(c.get("amount"), int) and c["amount"] > 0)


def accrue(order: Order, sharer: Sharer) -> Commission | None:
    method = _method(order, sharer)
    earned = commission.for_order(order)
    if method == SettleMethod.PLATFORM:  # WeChat's own figure, whatever our rules say
        earned = commission.Earned(earned.rule, earned.base or order.total, _platform_amount(order))
    if earned.amount <= 0:
        return None
    amount = earned.amount
    if method == SettleMethod.PROFIT_SHARING:
        amount = min(amount, order.total * config.max_split_bp() // 10000)
    paid_at = order.paid_at or timezone.now()
    row, _ = Commission.objects.get_or_create(
        order=order,
        sharer=sharer,
        defaults={
            "rule": earned.rule,
            "base": earned.base,
            "amount": amount,
            "method": method,
            "status": CommissionStatus.PLATFORM
            if method == SettleMethod.PLATFORM
            else CommissionStatus.ACCRUED,
            "settle_after": paid_at + config.settle_delay(),
            "transaction_id": order.payment_transaction_id or "",
        },
    )
    return row


def on_refunded(order, from_status: str, to_status: str) -> None:
    """The whole order was refunded (H5 full refund, a Store order's refund or cancel after payment)."""
    for pk in Commission.objects.filter(order=order).values_list("pk", flat=True):
        reverse(pk, ref=f"order:{order.order_no}", refunded=1, paid=1)


def on_refund_succeeded(sender, refund, refunded_total: int, paid_total: int, **kwargs) -> None:
    """A (partial) WeChat Pay refund succeeded: reverse in proportion."""
    for pk in Commission.objects.filter(order_id=refund.order_id).values_list("pk", flat=True):
        reverse(pk, ref=refund.out_refund_no, refunded=refunded_total, paid=paid_total)


def on_store_refund(sender, order, ref: str, refunded_total: int, paid_total: int, **kwargs) -> None:
    """store's `aftersale_refunded`: WeChat refunded part (or all) of a Store order; reverse in proportion."""
    for pk in Commission.objects.filter(order=order).values_list("pk", flat=True):
        reverse(pk, ref=f"aftersale:{ref}", refunded=refunded_total, paid=paid_total)


def reverse(commission_id: int, *, ref: str, refunded: int, paid: int) -> Reversal | None:
    """Bring the commission's reversed amount to its share of what was refunded (never down)."""
    from .. import settlement

    with transaction.atomic():
        row = Commission.objects.select_for_update().get(pk=commission_id)
        target = row.amount if refunded >= paid else (row.amount * refunded + paid - 1) // max(paid, 1)
        delta = min(target, row.amount) - row.reversed_amount
        if delta <= 0 or Reversal.objects.filter(commission=row, ref=ref[:64]).exists():
            return None
        # Under the row lock; the check constraint keeps it ≤ amount whatever happens.
        Commission.objects.filter(pk=row.pk).update(reversed_amount=F("reversed_amount") + delta)
        row.reversed_amount += delta
        if row.status in (CommissionStatus.ACCRUED, CommissionStatus.FAILED, CommissionStatus.PLATFORM):
            # Nothing left the shop: the ledger is lowered, and a fully reversed one is closed.
            reversal = Reversal.objects.create(
                commission=row, ref=ref[:64], amount=delta, status=Reversal.Status.BOOKED
            )
            if row.net == 0 and row.status != CommissionStatus.PLATFORM:
                Commission.objects.filter(pk=row.pk).update(status=CommissionStatus.REVERSED)
                if row.method == SettleMethod.PROFIT_SHARING:
                    settlement.queue_unfreeze(row)
            return reversal
        return settlement.claw_back(row, ref=ref[:64], amount=delta)
