"""Checkout: what is being bought (the cart, or one SKU from 立即购买 / a flash sale), delivery to an
address or collection at a pickup store (门店自提, offered when the merchant has active stores), a coupon,
the note, and 提交订单. Prices come from `checkout.queries.quote`, the order from
`checkout.actions.place_order`; this view only carries the customer's choices between them.

Double submits are harmless: each render of the page carries a fresh idempotency key, and
`place_order` returns the first order for a key it has seen."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from wxmall.accounts import actions as accounts
from wxmall.accounts import queries as account_queries
from wxmall.accounts.errors import AccountError
from wxmall.catalog import queries as catalog
from wxmall.channels.actions.commissions import attribute_h5
from wxmall.checkout import actions, admission, queries
from wxmall.checkout.errors import CheckoutError
from wxmall.core.errors import DomainError
from wxmall.core.validation import TextRefused, clean_text
from wxmall.marketing import touch
from wxmall.pickup import queries as pickup_queries

from ..forms import AddressForm
from .common import customer_required, positive_int

NEW_ADDRESS = "new"
PICKUP = "pickup"
POINTS_ERRORS = frozenset(
    e.code
    for e in (
        AccountError.POINTS_INSUFFICIENT,
        AccountError.POINTS_INVALID_AMOUNT,
        CheckoutError.POINTS_OVER_LIMIT,
    )
)


class _ReplayedOrder(Exception):
    """place_order answered with an order placed earlier under the same key: undo this request's
    writes (the address it just saved) and show that order."""

    def __init__(self, order) -> None:
        self.order = order


class Purchase:
    """What this checkout buys, read from the query string or the form: one SKU (buy now / flash sale)
    or, without `sku`, the customer's whole cart."""

    def __init__(self, data: QueryDict) -> None:
        self.sku_id = positive_int(data.get("sku"))
        raw_quantity = data.get("qty")
        self.quantity = positive_int(raw_quantity) if raw_quantity not in (None, "") else 1
        self.flash_sale_id = positive_int(data.get("flash_sale"))
        self.bad_flash_sale = data.get("flash_sale") not in (None, "") and self.flash_sale_id is None
        self.coupon_code = (data.get("coupon") or "").strip()[:32]
        # Points to spend: a whole number; anything else (negative, text, huge) is refused, not guessed.
        raw_points = (data.get("points") or "").strip()
        self.points = positive_int(raw_points) if raw_points not in ("", "0") else 0
        self.bad_points = self.points is None
        self.raw_sku = data.get("sku")
        # Flash-sale orders are placed by the admission worker, to an address: pickup is not offered there.
        self.pickup = data.get("fulfilment") == PICKUP and self.flash_sale_id is None

    @property
    def from_cart(self) -> bool:
        return self.raw_sku in (None, "")

    @property
    def items(self) -> list[tuple[int, int]] | None:
        if self.bad_flash_sale:  # never fall back to the normal price
            raise DomainError(CheckoutError.FLASH_SALE_NOT_FOUND)
        if self.from_cart:
            return None
        if self.sku_id is None:
            raise DomainError(CheckoutError.SKU_NOT_FOUND)
        if self.quantity is None:
            raise DomainError(CheckoutError.INVALID_QUANTITY)
        return [(self.sku_id, self.quantity)]

    def back_url(self) -> str:
        """Where to send the customer when this purchase cannot go ahead: the cart, or the product."""
        if self.from_cart:
            return reverse("storefront:cart")
        try:
            return reverse("storefront:product", args=[catalog.sku_detail(self.sku_id).product_id])
        except DomainError:
            return reverse("storefront:home")

    def values(self, **changes) -> dict:
        """The choices of this purchase (what the page's links and forms carry), with `changes` applied."""
        values = {
            "sku": self.sku_id,
            "qty": self.quantity if self.sku_id else None,
            "flash_sale": self.flash_sale_id,
            "coupon": self.coupon_code,
            "fulfilment": PICKUP if self.pickup else None,
            "points": self.points,
        } | changes
        return {k: v for k, v in values.items() if v}

    def params(self, **changes) -> str:
        """Query string of this purchase (for coupon and points links), with `changes` applied."""
        return urlencode(self.values(**changes))


@customer_required
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _place(request)
    purchase = Purchase(request.GET)
    try:
        context = _context(request, purchase)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(purchase.back_url())
    return render(request, "storefront/checkout.html", context)


def _quote(request: HttpRequest, purchase: Purchase):
    """The quote with the points asked for; when those cannot be used (more than the balance or the cap,
    e.g. after the cart changed) the customer is told and sees the quote without points."""
    items, code = purchase.items, purchase.coupon_code or None
    if not purchase.bad_points and purchase.points:
        try:
            return queries.quote(
                request.user,
                items,
                code,
                purchase.flash_sale_id,
                points=purchase.points,
                pickup=purchase.pickup,
            )
        except DomainError as error:
            if error.code not in POINTS_ERRORS:
                raise
            messages.error(request, error.message)
    elif purchase.bad_points:
        messages.error(request, AccountError.POINTS_INVALID_AMOUNT.message)
    purchase.points = 0
    return queries.quote(request.user, items, code, purchase.flash_sale_id, pickup=purchase.pickup)


def _context(request: HttpRequest, purchase: Purchase, **extra) -> dict:
    stores = list(pickup_queries.active_stores())
    purchase.pickup = purchase.pickup and bool(stores)
    if purchase.flash_sale_id is not None:
        stores = []
    quote = _quote(request, purchase)
    addresses = account_queries.addresses_for(request.user)
    chosen = extra.pop("chosen_address", None) or (str(addresses[0].pk) if addresses else NEW_ADDRESS)
    return {
        "purchase": purchase,
        "quote": quote,
        "coupons": []
        if quote.flash_sale
        else [
            (offer, "?" + purchase.params(coupon=offer.coupon.code))
            for offer in queries.available_coupons(request.user, quote.subtotal, now=timezone.now())
        ],
        "no_coupon_url": "?" + purchase.params(coupon=None),
        "stores": stores,
        "chosen_store": extra.pop("chosen_store", None) or (str(stores[0].pk) if stores else ""),
        "delivery_url": "?" + purchase.params(fulfilment=None),
        "pickup_url": "?" + purchase.params(fulfilment=PICKUP),
        "max_points_url": "?" + purchase.params(points=quote.points_max),
        "no_points_url": "?" + purchase.params(points=None),
        "points_params": purchase.values(points=None).items(),
        "hundred_points_fen": 100 * settings.POINTS_VALUE_FEN,
        "addresses": addresses,
        "chosen_address": chosen,
        "address_form": extra.pop("address_form", None) or AddressForm(),
        "note": extra.pop("note", ""),
        "idempotency_key": extra.pop("idempotency_key", None) or secrets.token_urlsafe(24),
        "active_tab": "cart",
        **extra,
    }


def _place(request: HttpRequest) -> HttpResponse:
    purchase = Purchase(request.POST)
    chosen = NEW_ADDRESS if purchase.pickup else request.POST.get("address") or NEW_ADDRESS
    address_form = AddressForm(request.POST if chosen == NEW_ADDRESS and not purchase.pickup else None)
    key = (request.POST.get("idempotency_key") or "")[:64] or None
    raw_note = request.POST.get("note", "")
    store_id = positive_int(request.POST.get("pickup_store"), 0) if purchase.pickup else None
    keep = {"chosen_address": chosen, "note": raw_note[: actions.NOTE_MAX_LENGTH], "idempotency_key": key}
    if purchase.pickup:
        keep["chosen_store"] = str(store_id)
        chosen = PICKUP

    if purchase.bad_points:
        keep["address_form"] = address_form if chosen == NEW_ADDRESS else None
        return _refused(request, purchase, DomainError(AccountError.POINTS_INVALID_AMOUNT), keep)
    if chosen == NEW_ADDRESS and not address_form.is_valid():
        keep["address_form"] = address_form
        return _refused(request, purchase, DomainError(AccountError.INVALID_ADDRESS), keep)
    try:
        note = clean_text(raw_note, actions.NOTE_MAX_LENGTH, multiline=True)
    except TextRefused as refused:
        error = CheckoutError.NOTE_TOO_LONG if refused.too_long else CheckoutError.INVALID_NOTE
        keep["address_form"] = address_form if chosen == NEW_ADDRESS else None
        return _refused(request, purchase, DomainError(error), keep)
    if purchase.flash_sale_id is not None:
        return _admit(request, purchase, chosen, address_form, key, keep)
    try:
        with transaction.atomic():  # a new address is saved only together with the order it ships
            if chosen == PICKUP:
                address_id, started = None, None
            elif chosen == NEW_ADDRESS:
                address_id = accounts.add_address(request.user, **address_form.cleaned_data).pk
                started = timezone.now()
            else:
                address_id, started = positive_int(chosen, 0), None
            order = actions.place_order(
                request.user,
                items=purchase.items,
                from_cart=purchase.from_cart,
                address_id=address_id,
                pickup_store_id=store_id,
                coupon_code=purchase.coupon_code or None,
                flash_sale_id=purchase.flash_sale_id,
                note=note,
                idempotency_key=key,
                points=purchase.points,
            )
            if started is not None and order.created_at < started:
                raise _ReplayedOrder(order)
            # Came through a sharer's or a video's tracked link: the order is theirs (before the prepay,
            # which freezes the funds for the sharer's commission).
            touched = touch.read(request.COOKIES.get(touch.TOUCH_COOKIE))
            attribute_h5(order, touched.last_link if touched else None)
    except _ReplayedOrder as replay:
        order = replay.order
    except DomainError as error:
        keep["address_form"] = address_form if chosen == NEW_ADDRESS else None
        return _refused(request, purchase, error, keep)
    messages.success(request, "下单成功，请尽快完成支付")
    return redirect("storefront:order", order_no=order.order_no)


def _admit(request, purchase: Purchase, chosen: str, address_form, key, keep: dict) -> HttpResponse:
    """A flash sale: ask admission for a ticket (`checkout.admission`). Queued, the buyer waits on the
    ticket page (排队中…) until a worker has made the order; synchronous, the order exists already.
    A new address is saved first, on its own: a worker placing the order must be able to read it."""
    created = None
    try:
        if chosen == NEW_ADDRESS:
            created = accounts.add_address(request.user, **address_form.cleaned_data).pk
        address_id = created or positive_int(chosen, 0)
        items = purchase.items
        ticket = admission.admit(
            request.user,
            purchase.flash_sale_id,
            address_id=address_id,
            quantity=items[0][1] if items else 1,
            idempotency_key=key,
        )
    except DomainError as error:
        if created is not None:  # the address came with this attempt only: take it back
            accounts.delete_address(request.user, created)
        keep["address_form"] = address_form if chosen == NEW_ADDRESS else None
        return _refused(request, purchase, error, keep)
    if ticket.status == "ordered":
        messages.success(request, "下单成功，请尽快完成支付")
        return redirect("storefront:order", order_no=ticket.order_no)
    return redirect("storefront:flash_ticket", ticket=ticket.id)


@customer_required
@require_http_methods(["GET"])
def flash_ticket(request: HttpRequest, ticket: str) -> HttpResponse:
    """The flash-sale queue page: 排队中… while the order is being made, then the order (polled by
    storefront/flash.js)."""
    from .common import not_found

    if not admission.TICKET_ID.fullmatch(ticket):
        return not_found(request)
    try:
        state = admission.status(request.user, ticket)
    except DomainError as error:
        return not_found(request, error.message)
    return render(request, "storefront/flash_ticket.html", {"ticket": state, "active_tab": "home"})


def _refused(request: HttpRequest, purchase: Purchase, error: DomainError, keep: dict) -> HttpResponse:
    """The checkout page again with the reason and the customer's input, with the refusal's status."""
    messages.error(request, error.message)
    try:
        context = _context(request, purchase, **keep)
    except DomainError as quote_error:  # the purchase itself is no longer possible (sold out, ended…)
        if quote_error.message != error.message:
            messages.error(request, quote_error.message)
        return render(
            request,
            "storefront/checkout_unavailable.html",
            {"back_url": purchase.back_url(), "active_tab": "cart"},
            status=error.status,
        )
    return render(request, "storefront/checkout.html", context, status=error.status)
