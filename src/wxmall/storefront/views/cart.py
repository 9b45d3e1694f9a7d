"""The cart page and the product page's two buttons (加入购物车 / 立即购买). Quantities, stock and
limits are checked by `checkout.actions`; a refusal re-renders the page it came from with the reason."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from wxmall.catalog import queries as catalog
from wxmall.checkout import actions, queries
from wxmall.checkout.errors import CheckoutError
from wxmall.core.errors import DomainError

from .. import presenters
from .common import customer_required, positive_int, refused


def _quantity(value) -> int:
    quantity = positive_int(value)
    if quantity is None:
        raise DomainError(CheckoutError.INVALID_QUANTITY)
    return quantity


def _sku_id(value) -> int:
    sku_id = positive_int(value)
    if sku_id is None:
        raise DomainError(CheckoutError.SKU_NOT_FOUND, "请选择商品规格")
    return sku_id


@require_POST
def add(request: HttpRequest) -> HttpResponse:
    """The product page's form. intent=cart adds to the cart; intent=buy and intent=flash go to checkout
    with just this SKU (the cart is left alone)."""
    product_id = positive_int(request.POST.get("product"))
    product_url = (
        reverse("storefront:product", args=[product_id]) if product_id else reverse("storefront:home")
    )
    intent = request.POST.get("intent", "cart")
    try:
        if not request.user.is_authenticated:
            if intent == "cart":  # kept in the session and added to the cart at login
                actions.keep_for_login(
                    request.session, _sku_id(request.POST.get("sku")), _quantity(request.POST.get("quantity"))
                )
                messages.success(request, "已加入购物车，登录后即可结算")
            return redirect_to_login(product_url)
        sku_id = _sku_id(request.POST.get("sku"))
        quantity = _quantity(request.POST.get("quantity"))
        if intent == "cart":
            actions.add_to_cart(request.user, sku_id, quantity)
            messages.success(request, "已加入购物车")
            return redirect(product_url)
        params = {"sku": sku_id, "qty": quantity}
        if intent == "flash":
            flash_sale_id = positive_int(request.POST.get("flash_sale"))
            if flash_sale_id is None:  # never fall back to buying at the normal price
                raise DomainError(CheckoutError.FLASH_SALE_NOT_FOUND)
            params["flash_sale"] = flash_sale_id
        else:
            catalog.purchasable_sku(sku_id, quantity)  # a friendly early "sold out" before checkout
        return redirect(f"{reverse('storefront:checkout')}?{urlencode(params)}")
    except DomainError as error:
        try:
            product = catalog.product_detail(product_id)
        except DomainError:
            messages.error(request, error.message)
            return redirect("storefront:home")
        context = presenters.product_page(product) | {
            "flash_sales": [],
            "active_tab": "home",
            "max_quantity": presenters.max_quantity(),
        }
        return refused(request, error, "storefront/product_detail.html", context)


@customer_required
@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/cart.html", _cart_context(request))


def _cart_context(request: HttpRequest) -> dict:
    view = queries.cart_for(request.user)
    return {"cart": view, "max_quantity": presenters.max_quantity(), "active_tab": "cart"}


@customer_required
@require_POST
def update(request: HttpRequest) -> HttpResponse:
    try:
        actions.set_cart_quantity(
            request.user, _sku_id(request.POST.get("sku")), _quantity(request.POST.get("quantity"))
        )
    except DomainError as error:
        return refused(request, error, "storefront/cart.html", _cart_context(request))
    return redirect("storefront:cart")


@customer_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    sku_id = positive_int(request.POST.get("sku"))
    if sku_id is not None and actions.remove_from_cart(request.user, sku_id):
        messages.success(request, "已从购物车删除")
    return redirect("storefront:cart")
