"""Fulfilment state changes, one transaction each: shipping (whole or in parts), syncing the WeChat
Store's courier list, and freight templates.

Shipping locks the order row, so two staff shipping the same order at once ship it once: the second
finds nothing left (or less than it asked for) and is refused. The shipment that sends the last unit
moves the order to 已发货 through the orders state machine; for an order from the WeChat Store or paid
in the Mini Program that is `store.actions.orders.ship`, which records the waybill and queues
`delivery/send` / `upload_shipping_info` in the outbox (the Store's and the Mini Program's delivery sync
stay the one path to WeChat)."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.audit import actions as audit
from wxmall.core.errors import DomainError
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.pickup.errors import PickupError
from wxmall.pickup.models import PickupOrder
from wxmall.store.actions import orders as store_orders
from wxmall.store.models import StoreOrder

from . import queries
from .errors import FulfilmentError
from .models import (
    FreightMethod,
    FreightRule,
    FreightTemplate,
    ProductFreight,
    Shipment,
    ShipmentLine,
    StoreCourier,
)

TRACKING = re.compile(r"[A-Za-z0-9-]{6,32}")
SHIP_PERMISSION = "fulfilment.ship_order"
FREIGHT_PERMISSION = "fulfilment.manage_freight"
MAX_RULES = 20
MAX_FEE = 100_000_00  # 10 万元: far above any real parcel, below any overflow


def may_ship(user) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(SHIP_PERMISSION))


def may_manage_freight(user) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(FREIGHT_PERMISSION))


def ship(
    order_id: int,
    staff,
    *,
    courier_code: str,
    tracking_no: str,
    quantities: dict[int, int] | None = None,
) -> Shipment:
    """Ship `quantities` ({order line id: units}; None = everything not yet shipped) of a paid order in one
    parcel. Refused (DomainError, nothing written): without the permission, for an order not paid (unpaid,
    cancelled, refunding, shipped), for a pickup order, an unknown courier, a malformed tracking number,
    more units than are left on a line, nothing at all, or part of a Store / Mini Program order."""
    if not may_ship(staff):
        raise DomainError(FulfilmentError.NOT_PERMITTED)
    name = queries.courier_name(courier_code)
    if name is None:
        raise DomainError(FulfilmentError.INVALID_COURIER)
    tracking_no = (tracking_no or "").strip()
    if not TRACKING.fullmatch(tracking_no):
        raise DomainError(FulfilmentError.INVALID_TRACKING)
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise DomainError(FulfilmentError.ORDER_NOT_FOUND)
        if order.status != OrderStatus.PAID:
            raise DomainError(
                FulfilmentError.NOT_SHIPPABLE,
                f"订单当前为「{OrderStatus(order.status).label}」，不能发货或填写运单号",
            )
        if PickupOrder.objects.filter(order_id=order.pk).exists():
            raise DomainError(PickupError.NO_SHIPPING)
        todo = {item.line.pk: item for item in queries.lines_to_ship(order)}
        wanted = _wanted(todo, quantities)
        finishes = all(wanted.get(pk, 0) == item.remaining for pk, item in todo.items())
        # Store orders and Mini-Program-paid ones report shipping to WeChat through the store app.
        from_wechat = StoreOrder.objects.filter(order_id=order.pk).exists() or bool(
            store_orders.mp_payment(order.pk)
        )
        if from_wechat and not finishes:
            raise DomainError(FulfilmentError.NO_SPLIT)
        shipment = Shipment.objects.create(
            order=order,
            courier_code=courier_code,
            courier_name=name,
            tracking_no=tracking_no,
            shipped_by=staff,
        )
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=shipment, order_line_id=pk, quantity=n) for pk, n in wanted.items()
        )
        if finishes and from_wechat:
            store_orders.ship(order.pk, staff, delivery_id=courier_code, waybill_id=tracking_no)
        elif finishes:
            order_actions.ship(order.pk, staff, reason=f"商家发货：{name} {tracking_no}")
        audit.record(
            staff,
            "order.ship",
            order,
            f"{'发货' if finishes else '部分发货'}：{name} {tracking_no}，{sum(wanted.values())} 件",
            {"shipment": shipment.pk, "courier": courier_code, "tracking_no": tracking_no, "lines": wanted},
        )
    return shipment


def _wanted(todo: dict, quantities: dict[int, int] | None) -> dict[int, int]:
    if quantities is None:
        wanted = {pk: item.remaining for pk, item in todo.items() if item.remaining}
    else:
        wanted = {}
        for pk, n in quantities.items():
            if not isinstance(n, int) or isinstance(n, bool) or n < 0 or pk not in todo:
                raise DomainError(FulfilmentError.INVALID_QUANTITY)
            if n > todo[pk].remaining:
                raise DomainError(
                    FulfilmentError.OVER_SHIPPED,
                    f"「{todo[pk].line.product_title}」还剩 {todo[pk].remaining} 件未发货，不能发 {n} 件",
                )
            if n:
                wanted[pk] = n
    if not wanted:
        raise DomainError(FulfilmentError.NOTHING_TO_SHIP)
    return wanted


def sync_couriers() -> int:
    """Replace the courier list with the WeChat Store's `deliverycompanylist/get`. Returns how many."""
    from wxmall.wechat import client
    from wxmall.wechat.config import NotConfigured
    from wxmall.wechat.errors import WeChatError

    try:
        companies = client("store").store.delivery_companies()
    except (NotConfigured, WeChatError) as exc:
        raise DomainError(FulfilmentError.SYNC_FAILED, f"未能从微信小店同步快递公司：{exc}"[:200]) from exc
    if not companies:
        raise DomainError(FulfilmentError.SYNC_FAILED, "微信小店没有返回快递公司")
    now = timezone.now()
    with transaction.atomic():
        StoreCourier.objects.all().delete()
        StoreCourier.objects.bulk_create(
            StoreCourier(
                code=c.delivery_id[:32], name=c.delivery_name[:64] or c.delivery_id[:64], synced_at=now
            )
            for c in {c.delivery_id: c for c in companies}.values()
        )
    return len(companies)


# --- freight templates ----------------------------------------------------------------------------------
def _fen(value, *, low: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_FEE:
        raise DomainError(FulfilmentError.INVALID_TEMPLATE, "金额须为 0 到 10 万元之间")
    return value


def _provinces(names) -> list[str]:
    from wxmall.core import regions

    names = list(dict.fromkeys(names or []))
    unknown = [n for n in names if not regions.is_province(n)]
    if unknown:
        raise DomainError(
            FulfilmentError.INVALID_TEMPLATE, f"未知的省份：{'、'.join(map(str, unknown))[:60]}"
        )
    return names


def save_template(
    staff,
    *,
    template_id: int | None = None,
    name: str,
    method: str,
    free_over: int | None,
    undeliverable: list[str],
    rules: list[dict],
    is_default: bool = False,
) -> FreightTemplate:
    """Create or replace a template with its rules. `rules`: [{provinces, first_units, first_fee,
    additional_units, additional_fee}], exactly one with no provinces (everywhere else); a province in at
    most one rule and never both in a rule and undeliverable. Making it the default unsets the old one.
    Units are pieces (count) or grams (weight); fees fen."""
    if not may_manage_freight(staff):
        raise DomainError(FulfilmentError.FREIGHT_NOT_PERMITTED)
    name = (name or "").strip()
    if not 1 <= len(name) <= 40:
        raise DomainError(FulfilmentError.INVALID_TEMPLATE, "请填写模板名称（最多 40 字）")
    if method not in FreightMethod.values:
        raise DomainError(FulfilmentError.INVALID_TEMPLATE, "请选择计费方式")
    free_over = None if free_over is None else _fen(free_over, low=1)
    undeliverable = _provinces(undeliverable)
    if not 1 <= len(rules) <= MAX_RULES:
        raise DomainError(FulfilmentError.INVALID_TEMPLATE, f"运费规则应为 1 到 {MAX_RULES} 条")
    cleaned, seen = [], set(undeliverable)
    for rule in rules:
        provinces = _provinces(rule.get("provinces"))
        if seen & set(provinces):
            raise DomainError(
                FulfilmentError.INVALID_TEMPLATE, f"省份重复：{'、'.join(sorted(seen & set(provinces)))}"
            )
        seen |= set(provinces)
        units = [rule.get("first_units"), rule.get("additional_units")]
        if any(not isinstance(u, int) or isinstance(u, bool) or not 1 <= u <= 1_000_000 for u in units):
            raise DomainError(FulfilmentError.INVALID_TEMPLATE, "首件/首重、续件/续重须为正整数")
        cleaned.append(
            {
                "provinces": provinces,
                "first_units": units[0],
                "first_fee": _fen(rule.get("first_fee")),
                "additional_units": units[1],
                "additional_fee": _fen(rule.get("additional_fee")),
            }
        )
    if sum(1 for r in cleaned if not r["provinces"]) != 1:
        raise DomainError(FulfilmentError.INVALID_TEMPLATE, "须有且只有一条「其他地区」的默认运费规则")
    fields = {"name": name, "method": method, "free_over": free_over, "undeliverable": undeliverable}
    try:
        with transaction.atomic():
            if template_id is None:
                template = FreightTemplate.objects.create(**fields)
            else:
                template = FreightTemplate.objects.select_for_update().filter(pk=template_id).first()
                if template is None:
                    raise DomainError(FulfilmentError.TEMPLATE_NOT_FOUND)
                FreightTemplate.objects.filter(pk=template.pk).update(**fields)
                template.rules.all().delete()
            if is_default:
                FreightTemplate.objects.filter(is_default=True).exclude(pk=template.pk).update(
                    is_default=False
                )
                FreightTemplate.objects.filter(pk=template.pk).update(is_default=True)
            FreightRule.objects.bulk_create(FreightRule(template=template, **r) for r in cleaned)
            audit.record(
                staff,
                "freight.save",
                template,
                f"{'新建' if template_id is None else '修改'}运费模板「{name}」",
                {
                    "rules": cleaned,
                    "free_over": free_over,
                    "undeliverable": undeliverable,
                    "default": is_default,
                },
            )
    except IntegrityError as exc:  # the unique name, or a racing default
        raise DomainError(FulfilmentError.INVALID_TEMPLATE, "模板名称已存在") from exc
    return FreightTemplate.objects.prefetch_related("rules").get(pk=template.pk)


def delete_template(staff, template_id: int) -> None:
    if not may_manage_freight(staff):
        raise DomainError(FulfilmentError.FREIGHT_NOT_PERMITTED)
    with transaction.atomic():
        template = FreightTemplate.objects.select_for_update().filter(pk=template_id).first()
        if template is None:
            raise DomainError(FulfilmentError.TEMPLATE_NOT_FOUND)
        if template.is_default or ProductFreight.objects.filter(template=template).exists():
            raise DomainError(FulfilmentError.TEMPLATE_IN_USE)
        audit.record(staff, "freight.delete", template, f"删除运费模板「{template.name}」")
        template.delete()


def set_product_freight(
    staff, product_id: int, *, template_id: int | None, weight_grams: int
) -> ProductFreight:
    """Point a product at a template (None: the default one) and set its per-piece weight in grams."""
    if not may_manage_freight(staff):
        raise DomainError(FulfilmentError.FREIGHT_NOT_PERMITTED)
    if (
        not isinstance(weight_grams, int)
        or isinstance(weight_grams, bool)
        or not 0 <= weight_grams <= 1_000_000
    ):
        raise DomainError(FulfilmentError.INVALID_TEMPLATE, "重量须为 0 到 1000 千克之间")
    if template_id is not None and not FreightTemplate.objects.filter(pk=template_id).exists():
        raise DomainError(FulfilmentError.TEMPLATE_NOT_FOUND)
    setting, _ = ProductFreight.objects.update_or_create(
        product_id=product_id, defaults={"template_id": template_id, "weight_grams": weight_grams}
    )
    return setting
