"""Browsing: home, the category index, product lists (category and search) and the product page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from wxmall.catalog import queries as catalog
from wxmall.checkout import queries as checkout
from wxmall.core.errors import DomainError

from .. import presenters
from ..forms import ListingFilterForm
from .common import not_found, positive_int

HOME_PRODUCTS = 20
PAGE_SIZE = 20
FACET_FILTERS = ("q", "min_price", "max_price", "cpu", "memory", "storage", "brand")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "storefront/home.html",
        {
            "categories": catalog.category_tree(),
            "flash_sales": checkout.active_flash_sales(timezone.now()),
            "hot_products": catalog.bestsellers(HOME_PRODUCTS),
            "active_tab": "home",
        },
    )


@require_GET
def category_index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "storefront/categories.html", {"tree": catalog.category_tree(), "active_tab": "category"}
    )


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        current = catalog.get_category(slug)
    except DomainError:
        return not_found(request, "分类不存在或已停用")
    return _listing(request, category=current)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    return _listing(request, category=None)


def _listing(request: HttpRequest, *, category) -> HttpResponse:
    """One product-list page for a category or a keyword search: facet chips, sort and pages."""
    form = ListingFilterForm(request.GET)
    filters = form.cleaned_filters()
    scope = {"category": category.slug if category else None}
    context = {
        "category": category,
        "breadcrumbs": catalog.category_path(category) if category else [],
        "subcategories": _children_of(category) if category else [],
        "search_q": filters["q"],
        "filters": filters,
        "form_errors": form.non_field_errors(),
        "sort_options": presenters.SORT_OPTIONS,
        "active_tab": "category" if category else "home",
    }
    status = 200
    try:
        result = catalog.search_products(page_size=PAGE_SIZE, **scope, **filters)
        facets = catalog.facets(catalog.filtered_products(**scope, **{k: filters[k] for k in FACET_FILTERS}))
    except DomainError as error:  # a filter the catalogue refuses: say so instead of a blank page
        result, facets, status = None, {}, error.status
        context["error_message"] = error.message
    context.update({"result": result, "facets": presenters.facet_groups(facets, filters)})
    return render(request, "storefront/product_list.html", context, status=status)


def _children_of(category) -> list:
    def find(nodes):
        for node in nodes:
            if node.id == category.pk:
                return node.children
            found = find(node.children)
            if found is not None:
                return found
        return None

    return find(catalog.category_tree()) or []


@require_GET
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    try:
        item = catalog.product_detail(product_id)
    except DomainError:
        return not_found(request, "商品不存在或已下架")
    sku_ids = {s.pk for s in item.active_skus}
    flash_sales = [sale for sale in checkout.active_flash_sales(timezone.now()) if sale.sku_id in sku_ids]
    highlighted = positive_int(request.GET.get("flash_sale"))
    flash_sales.sort(key=lambda sale: sale.pk != highlighted)
    return render(
        request,
        "storefront/product_detail.html",
        presenters.product_page(item)
        | {"flash_sales": flash_sales, "active_tab": "home", "max_quantity": presenters.max_quantity()},
    )
