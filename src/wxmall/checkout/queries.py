"""Read side of checkout: the cart with live prices, quotes, coupons a customer can use, flash sales.
Nothing here writes. `quote` prices and checks exactly like `actions.place_order`: both go through
`price`, which applies the rules in `pricing`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from wxmall.accounts.errors import AccountError
from wxmall.accounts.points import balance_of
from wxmall.catalog.models import SKU
from wxmall.core.errors import DomainError
from wxmall.fulfilment import freight
from wxmall.orders.models import Order
from wxmall.orders.state import PAID_STATUSES

from . import pricing
from .errors import CheckoutError
from .models import (
    CartLine,
    Coupon,
    CouponAudience,
    CouponGrant,
    CouponRedemption,
    FlashSale,
    FlashSalePurchase,
    GrantSource,
)
from .pricing import PricedLine


# --- cart ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CartLineView:
    sku_id: int
    product_id: int
    title: str
    spec_label: str
    image: str
    unit_price: int
    list_price: int
    quantity: int
    stock: int
    available: bool  # listed, active and enough stock for `quantity`
    problem: str  # why not available, in Chinese; "" when available

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class CartView:
    lines: list[CartLineView]

    @property
    def subtotal(self) -> int:
        """Of the lines that can be bought now."""
        return sum(line.line_total for line in self.lines if line.available)

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(not line.available for line in self.lines)

    @property
    def items(self) -> list[tuple[int, int]]:
        """(sku_id, quantity) of the buyable lines, ready for `quote` / `place_order`."""
        return [(line.sku_id, line.quantity) for line in self.lines if line.available]


def cart_for(user) -> CartView:
    """The customer's cart at live prices and stock, newest line first. One query."""
    rows = CartLine.objects.filter(user=user).select_related("sku__product").order_by("-created_at", "-id")
    return CartView(lines=[_cart_line_view(row) for row in rows])


def _cart_line_view(row: CartLine) -> CartLineView:
    sku = row.sku
    if not sku.is_purchasable:
        problem = "商品已下架"
    elif sku.stock == 0:
        problem = "已售罄"
    elif sku.stock < row.quantity:
        problem = f"库存不足，仅剩 {sku.stock} 件"
    else:
        problem = ""
    return CartLineView(
        sku_id=sku.pk,
        product_id=sku.product_id,
        title=sku.product.title,
        spec_label=sku.spec_label,
        image=sku.product.cover,
        unit_price=sku.price,
        list_price=sku.list_price,
        quantity=row.quantity,
        stock=sku.stock,
        available=not problem,
        problem=problem,
    )


def cart_items(user) -> list[tuple[int, int]]:
    return list(CartLine.objects.filter(user=user).order_by("sku_id").values_list("sku_id", "quantity"))


# --- pricing an order -----------------------------------------------------------------------------------
def load_lines(items: list[tuple[int, int]], flash_sale: FlashSale | None = None) -> list[PricedLine]:
    """Price normalized items at live prices (one query; none for a flash-sale-only order, whose SKU
    `flash_sale_for` already read in the same transaction). Unknown SKU → 404, unlisted/inactive → 409."""
    skus = {}
    if (
        flash_sale is not None
        and FlashSale.sku.is_cached(flash_sale)
        and SKU.product.is_cached(flash_sale.sku)
    ):
        skus[flash_sale.sku_id] = flash_sale.sku
    if missing := [sku_id for sku_id, _ in items if sku_id not in skus]:
        skus.update(SKU.objects.select_related("product", "product__freight").in_bulk(missing))
    lines = []
    for sku_id, quantity in items:
        sku = skus.get(sku_id)
        if sku is None:
            raise DomainError(CheckoutError.SKU_NOT_FOUND, sku_id=sku_id)
        if not sku.is_purchasable:
            raise DomainError(
                CheckoutError.SKU_UNAVAILABLE, f"{sku.product.title} 已下架或暂不可售", sku_id=sku_id
            )
        on_sale = flash_sale is not None and flash_sale.sku_id == sku_id
        lines.append(
            PricedLine(
                sku=sku,
                quantity=quantity,
                unit_price=flash_sale.price if on_sale else sku.price,
                flash_sale=flash_sale if on_sale else None,
            )
        )
    return lines


def find_coupon(code: str) -> Coupon | None:
    code = (code or "").strip().upper()
    return Coupon.objects.filter(code=code).first() if code and len(code) <= 32 else None


def coupon_uses(coupon: Coupon, user) -> int:
    return CouponRedemption.objects.filter(coupon=coupon, user=user).count()


def holds_coupon(coupon: Coupon, user) -> bool:
    return CouponGrant.objects.filter(coupon=coupon, user=user.pk).exists()


def flash_sale_for(flash_sale_id, user) -> FlashSale | None:
    """The flash sale with its SKU and product, annotated with `user_bought` (units this customer
    already holds in orders), in one query."""
    if not isinstance(flash_sale_id, int) or isinstance(flash_sale_id, bool):
        return None
    bought = (
        FlashSalePurchase.objects.filter(flash_sale=OuterRef("pk"), user=user)
        .values("flash_sale")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return (
        FlashSale.objects.filter(pk=flash_sale_id)
        # The product's freight setting too: pricing's freight plan then reads only the rules.
        .select_related("sku__product__freight")
        .annotate(user_bought=Coalesce(Subquery(bought), 0))
        .first()
    )


def flash_sale_quantity(flash_sale: FlashSale, items: list[tuple[int, int]]) -> int:
    """How many units of the flash-sale SKU the order holds; refuses an order without that SKU."""
    quantity = dict(items).get(flash_sale.sku_id)
    if not quantity:
        raise DomainError(CheckoutError.FLASH_SALE_ITEM_MISMATCH)
    return quantity


@dataclass(frozen=True)
class Quote:
    lines: list[PricedLine]
    subtotal: int
    discount: int
    shipping_fee: int
    total: int
    coupon: Coupon | None  # the coupon applied (None when none was asked for or it does not apply)
    coupon_code: str = ""  # what was asked for
    coupon_problem: CheckoutError | None = None  # why the asked-for coupon does not apply
    flash_sale: FlashSale | None = None
    problems: list[str] = field(default_factory=list)  # e.g. stock shortages, in Chinese
    points: int = 0  # points spent
    points_discount: int = 0  # fen they take off
    points_balance: int = 0  # the customer's balance now
    points_max: int = 0  # the most points this order may use

    @property
    def coupon_message(self) -> str:
        return self.coupon_problem.message if self.coupon_problem else ""

    @property
    def can_place(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Priced:
    """An order priced and checked: what `quote` shows and `place_order` writes."""

    lines: list[PricedLine]
    totals: pricing.Totals
    flash_sale: FlashSale | None
    coupon: Coupon | None  # None when none was asked for, or when it does not apply
    coupon_code: str  # what was asked for, normalized ("" for none)
    coupon_problem: CheckoutError | None  # why the asked-for coupon does not apply
    points_balance: int = 0
    points_max: int = 0  # the most points this order may use
    shipping_problem: str = ""  # e.g. a line the address's province is not delivered to, in Chinese


def price(
    user,
    items: list[tuple[int, int]],
    *,
    coupon_code: str | None,
    flash_sale_id: int | None,
    now: datetime,
    points: int = 0,
    pickup: bool = False,
    province: str = "",
    show_points: bool = True,
) -> Priced:
    """The one validation and pricing path of both `quote` and `actions.place_order`, over normalized
    items. Raises DomainError for what makes the order impossible: an unknown/unlisted SKU, a flash sale
    that is unknown, not on, over its limits or not in the order. A coupon that does not apply is not an
    error here: it comes back as `coupon_problem` (the quote shows it, placement refuses it). A blank
    code means no coupon. Placement calls this under the customer's row lock, so per-customer counts
    (flash-sale units bought, coupon uses) cannot change before it commits.

    `points` to spend are refused (DomainError) beyond the balance or the order's cap
    (`pricing.max_points`); placement still debits them with a guarded UPDATE, which is what holds when
    the balance changes elsewhere (a staff adjustment, a merge) after this read. `show_points=False`
    (placement) skips reading the balance when no points are spent: nothing then needs it. `province` is
    where the order ships ("" before an address is chosen); freight comes from its templates."""
    if points < 0:
        raise DomainError(AccountError.POINTS_INVALID_AMOUNT)
    flash_sale = None
    if flash_sale_id is not None:
        flash_sale = flash_sale_for(flash_sale_id, user)
        if flash_sale is None:
            raise DomainError(CheckoutError.FLASH_SALE_NOT_FOUND)
        problem = pricing.flash_sale_problem(
            flash_sale,
            now=now,
            quantity=flash_sale_quantity(flash_sale, items),
            user_bought=flash_sale.user_bought,
        )
        if problem:
            raise DomainError(problem)
    lines = load_lines(items, flash_sale)
    subtotal = sum(line.line_total for line in lines)

    coupon, problem, code = None, None, (coupon_code or "").strip().upper()
    if code:
        coupon = find_coupon(code)
        if coupon is None:
            problem = CheckoutError.COUPON_NOT_FOUND
        else:
            problem = pricing.coupon_problem(
                coupon,
                subtotal=subtotal,
                now=now,
                user_uses=coupon_uses(coupon, user),
                has_flash_sale=flash_sale is not None,
                granted=holds_coupon(coupon, user),
            )
        if problem:
            coupon = None
    plan = (
        None if pickup else freight.plan_for([(line.sku.product, line.quantity) for line in lines], province)
    )
    totals = pricing.totals(lines, coupon, shipping_fee=plan.fee if plan else lambda goods: 0)
    balance = balance_of(user) if points or show_points else 0
    most = pricing.max_points(totals, balance)
    if points > balance:
        raise DomainError(AccountError.POINTS_INSUFFICIENT)
    if points > most:
        raise DomainError(CheckoutError.POINTS_OVER_LIMIT)
    return Priced(
        lines=lines,
        totals=pricing.with_points(totals, points) if points else totals,
        flash_sale=flash_sale,
        coupon=coupon,
        coupon_code=code,
        coupon_problem=problem,
        points_balance=balance,
        points_max=most,
        shipping_problem=plan.problem if plan else "",
    )


def quote(
    user,
    items: list[tuple[int, int]] | None = None,
    coupon_code: str | None = None,
    flash_sale_id: int | None = None,
    *,
    points: int = 0,
    now: datetime | None = None,
    pickup: bool = False,
    province: str = "",
) -> Quote:
    """Price an order before it is placed: subtotal, discount, shipping, total, and the reason a coupon
    does not apply (the quote still succeeds; the coupon is just not applied). `items=None` quotes the
    cart's lines; `pickup` prices collection at a store (no shipping fee). Raises DomainError for items that cannot be bought at all (unknown/unlisted SKU, bad
    quantity) and for a flash sale that is not on (see `price`)."""
    items = pricing.normalize_items(cart_items(user) if items is None else items)
    priced = price(
        user,
        items,
        coupon_code=coupon_code,
        flash_sale_id=flash_sale_id,
        now=now or timezone.now(),
        points=points,
        pickup=pickup,
        province=province,
    )
    problems = [
        f"{line.sku.product.title} 库存不足（剩余 {line.sku.stock} 件）"
        for line in priced.lines
        if not line.in_stock
    ]
    if priced.shipping_problem:
        problems.append(priced.shipping_problem)
    return Quote(
        lines=priced.lines,
        subtotal=priced.totals.subtotal,
        discount=priced.totals.discount,
        shipping_fee=priced.totals.shipping_fee,
        total=priced.totals.total,
        coupon=priced.coupon,
        coupon_code=priced.coupon_code,
        coupon_problem=priced.coupon_problem,
        flash_sale=priced.flash_sale,
        problems=problems,
        points=priced.totals.points,
        points_discount=priced.totals.points_discount,
        points_balance=priced.points_balance,
        points_max=priced.points_max,
    )


# --- coupons and flash sales ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CouponOffer:
    coupon: Coupon
    discount: int  # what it takes off `subtotal` (0 when not applicable)
    applicable: bool
    reason: str  # why not applicable, in Chinese; "" when applicable


def available_coupons(user, subtotal: int, *, now: datetime | None = None) -> list[CouponOffer]:
    """Coupons this customer may still use now (in window, active, quota left, under their own limit),
    best first; those whose threshold `subtotal` does not reach come last with the reason. One query."""
    now = now or timezone.now()
    coupons = (
        Coupon.objects.filter(is_active=True, starts_at__lte=now, ends_at__gt=now)
        .filter(Q(total_quota__isnull=True) | Q(used_count__lt=F("total_quota")))
        .filter(
            Q(audience=CouponAudience.PUBLIC)
            | Exists(CouponGrant.objects.filter(coupon=OuterRef("pk"), user=user.pk))
        )
        .annotate(user_uses=Count("redemptions", filter=Q(redemptions__user=user)))
        .filter(user_uses__lt=F("per_user_limit"))
    )
    offers = []
    for coupon in coupons:
        if subtotal >= coupon.threshold:
            offers.append(CouponOffer(coupon, pricing.coupon_discount(coupon, subtotal), True, ""))
        else:
            offers.append(CouponOffer(coupon, 0, False, CheckoutError.COUPON_THRESHOLD_NOT_MET.message))
    offers.sort(key=lambda o: (not o.applicable, -o.discount, o.coupon.threshold, o.coupon.pk))
    return offers


def active_flash_sales(now: datetime | None = None) -> list[FlashSale]:
    """Flash sales on right now whose SKU can be bought, ending soonest first. One query."""
    now = now or timezone.now()
    return list(
        FlashSale.objects.filter(
            is_active=True,
            starts_at__lte=now,
            ends_at__gt=now,
            sku__is_active=True,
            sku__product__is_listed=True,
        )
        .select_related("sku__product")
        .order_by("ends_at", "id")
    )


def coupon_usage() -> list[Coupon]:
    """Every coupon with its usage figures: `issued` (grants of any kind), `claimed` (from the claim
    page), `used` (orders paid with it, not refunded) and `gmv` (those orders' totals, fen)."""
    paid = Order.objects.filter(coupon=OuterRef("pk"), status__in=PAID_STATUSES).order_by().values("coupon")
    grants = CouponGrant.objects.filter(coupon=OuterRef("pk")).order_by().values("coupon")
    return list(
        Coupon.objects.annotate(
            issued=Coalesce(Subquery(grants.annotate(n=Count("id")).values("n")), 0),
            claimed=Coalesce(
                Subquery(grants.filter(source=GrantSource.CLAIM).annotate(n=Count("id")).values("n")), 0
            ),
            used=Coalesce(Subquery(paid.annotate(n=Count("id")).values("n")), 0),
            gmv=Coalesce(Subquery(paid.annotate(s=Sum("total")).values("s")), 0),
        ).order_by("-id")
    )
