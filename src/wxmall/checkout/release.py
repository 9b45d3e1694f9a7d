"""Giving back what an order held when it is cancelled or refunded before shipping. These are order
hooks (`wxmall.orders.hooks`, registered in CheckoutConfig.ready): they run inside the transaction that
moves the order, with its row locked, so the release commits or rolls back with the move.

Lock order after the order row: flash sale → coupon → SKUs by ascending id, the same as placement
(`checkout.actions`), so a cancellation and a placement never wait on each other in a cycle.
"""

from __future__ import annotations

from django.db.models import F

from wxmall.catalog import stock
from wxmall.core.errors import DomainError
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus

from . import admission
from .errors import CheckoutError
from .models import Coupon, CouponRedemption, FlashSale, FlashSalePurchase


def on_cancelled(order: Order, from_status: str, to_status: str) -> None:
    """Hook on `cancelled`: flash-sale units, the coupon use and the stock go back."""
    release_promotions(order)
    release_stock(order)


def on_refunded(order: Order, from_status: str, to_status: str) -> None:
    """Hook on `refunded`: stock goes back only when the order had not shipped (the goods never left);
    shipped goods return through after-sales handling. The promotion was consumed by a paid order."""
    if order.refund_from_status == OrderStatus.PAID:
        release_stock(order)


def on_revived(order: Order, from_status: str, to_status: str) -> None:
    """Hook on cancelled → paid (`orders.actions.revive_paid`): take the stock again, every line or none
    (a short line raises, which refuses the revival and rolls back what was taken). Coupon uses,
    flash-sale units and spent points given back on cancel are not claimed again: such orders are
    refused, and refunded."""
    promoted = order.coupon_id is not None or order.points_discount > 0
    if promoted or order.lines.filter(flash_sale__isnull=False).exists():
        raise DomainError(CheckoutError.OUT_OF_STOCK, "订单含优惠券、积分抵扣或秒杀商品，不能恢复")
    for sku_id, quantity in order.lines.order_by("sku_id").values_list("sku_id", "quantity"):
        if not stock.take(sku_id, quantity):
            raise DomainError(CheckoutError.OUT_OF_STOCK)


def release_promotions(order: Order) -> None:
    purchase = FlashSalePurchase.objects.filter(order=order).first()
    if purchase is not None:
        admission.on_order_cancelled(order, purchase.flash_sale_id)
        FlashSale.objects.filter(pk=purchase.flash_sale_id, sold__gte=purchase.quantity).update(
            sold=F("sold") - purchase.quantity
        )
        purchase.delete()
    redemption = CouponRedemption.objects.filter(order=order).first()
    if redemption is not None:
        Coupon.objects.filter(pk=redemption.coupon_id, used_count__gte=1).update(
            used_count=F("used_count") - 1
        )
        redemption.delete()


def release_stock(order: Order) -> None:
    """Put the order's units back on the shelf, SKUs in ascending id order."""
    for sku_id, quantity in order.lines.order_by("sku_id").values_list("sku_id", "quantity"):
        stock.put_back(sku_id, quantity)
