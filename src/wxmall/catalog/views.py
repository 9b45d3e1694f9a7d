"""The console's product editor (商品管理): the list with search, filters, listing/delisting and bulk
price and stock edits; the create/edit page (pictures, rich-text description, spec matrix); CSV/XLSX
import (preview, then apply) and export; picture uploads. Staff with Django's catalog permissions only
(view_product to look, change_product to edit, add_product to create and import)."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from wxmall.core.errors import DomainError
from wxmall.core.money import format_yuan

from . import actions, queries, transfer, uploads
from .editor import matrix_rows, spec_sheet_text
from .forms import BulkForm, ImportForm, ProductEditorForm
from .models import Category, Product

PAGE_SIZE = 30
IMPORT_FOLDER = "catalog/imports"
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def _can(permission: str):
    """Staff only (else the admin login), then the Django permission (else 403)."""

    def wrap(view):
        return staff_member_required(permission_required(permission, raise_exception=True)(view))

    return wrap


def _filters(request: HttpRequest) -> dict:
    category = request.GET.get("category", "")
    return {
        "q": request.GET.get("q", "").strip()[:64],
        "category": int(category) if category.isdigit() and len(category) < 12 else None,
        "listed": request.GET.get("listed", "") if request.GET.get("listed") in ("yes", "no") else "",
    }


def _filtered(filters: dict):
    return queries.staff_products(filters["q"], filters["category"], filters["listed"])


def _without_page(request: HttpRequest) -> str:
    """The list's filters as a query string, for the pager, the exports and the way back from a bulk edit."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@_can("catalog.view_product")
def product_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = Paginator(_filtered(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/console/product_list.html",
        {
            "page": page,
            "filters": filters,
            "categories": Category.objects.order_by("sort_order", "id"),
            "bulk_form": BulkForm(),
            "query": _without_page(request),
        },
    )


@require_POST
@_can("catalog.change_product")
def product_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    back = reverse("console:products") + ("?" + request.POST["query"] if request.POST.get("query") else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"批量操作未执行：{error}")
        return redirect(back)
    ids, action, amount = (
        form.cleaned_data["ids"],
        form.cleaned_data["action"],
        form.cleaned_data.get("amount"),
    )
    try:
        if action in ("list", "delist"):
            changed = actions.set_listed(ids, action == "list", actor=request.user)
            messages.success(request, f"已{'上架' if action == 'list' else '下架'} {len(changed)} 个商品")
        elif action == "price_set":
            count = actions.bulk_price(ids, set_to=amount, actor=request.user)
            messages.success(request, f"已将 {count} 个 SKU 的售价设为 {format_yuan(amount)}")
        elif action == "price_change":
            count = actions.bulk_price(ids, change_by=amount, actor=request.user)
            messages.success(
                request, f"已调整 {count} 个 SKU 的售价（{'+' if amount > 0 else ''}{format_yuan(amount)}）"
            )
        else:
            count, refused = actions.bulk_stock(ids, amount)
            messages.success(request, f"已调整 {count} 个 SKU 的库存（{amount:+d} 件）")
            if refused:
                messages.error(request, f"以下 SKU 库存不足，未减少：{'、'.join(refused[:20])}")
    except DomainError as error:
        messages.error(request, f"批量操作未执行：{error.message}")
    return redirect(back)


def _posted_json(form: ProductEditorForm, name: str, default: list) -> list:
    """What the editor's script posted, to show it again after a refusal (garbage shows as empty)."""
    try:
        value = json.loads(form[name].value() or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else default


def _editor(
    request: HttpRequest, product: Product, form: ProductEditorForm, status: int = 200
) -> HttpResponse:
    if form.is_bound:
        images, skus = _posted_json(form, "image_list", []), _posted_json(form, "sku_matrix", [])
    else:
        images = list(product.images or [])
        skus = matrix_rows(product.skus.order_by("id")) if product.pk else []
    return render(
        request,
        "catalog/console/product_form.html",
        {
            "product": product,
            "form": form,
            "editor_data": {
                "images": [
                    {"url": u, "thumbnail": uploads.thumbnail_url(u)} for u in images if isinstance(u, str)
                ],
                "skus": skus,
                "upload_url": reverse("console:product_image_upload"),
            },
        },
        status=status,
    )


def _save(request: HttpRequest, product: Product) -> HttpResponse:
    if request.method != "POST":
        initial = {"spec_sheet": spec_sheet_text(product.specs)}
        return _editor(request, product, ProductEditorForm(instance=product, initial=initial))
    form = ProductEditorForm(request.POST, instance=product)
    if not form.is_valid():
        return _editor(request, product, form, status=400)
    try:
        result = actions.save_product(form.save(), form.sku_rows, actor=request.user)
    except DomainError as error:
        form.add_error(None, error.message)
        return _editor(request, product, form, status=400)
    messages.success(request, f"已保存商品“{result.product.title}”")
    if result.stock_refused:
        messages.error(
            request,
            f"库存在编辑期间已变化，以下 SKU 减少后将小于 0，未修改库存：{'、'.join(result.stock_refused)}",
        )
    return redirect("console:product_edit", product_id=result.product.pk)


@_can("catalog.add_product")
def product_create(request: HttpRequest) -> HttpResponse:
    return _save(request, Product(is_listed=False))


@_can("catalog.change_product")
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    return _save(request, get_object_or_404(Product, pk=product_id))


@require_POST
@_can("catalog.change_product")
def image_upload(request: HttpRequest) -> JsonResponse:
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"code": "catalog_image_invalid", "message": "请选择图片文件"}, status=400)
    try:
        url = uploads.save_image(upload)
    except DomainError as error:
        return JsonResponse({"code": error.code, "message": error.message}, status=error.status)
    return JsonResponse({"url": url, "thumbnail": uploads.thumbnail_url(url)}, status=201)


@_can("catalog.view_product")
def product_export(request: HttpRequest) -> HttpResponse:
    products = _filtered(_filters(request))
    if request.GET.get("format") == "xlsx":
        body, kind, ext = (
            transfer.export_xlsx(products),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    else:
        body, kind, ext = transfer.export_csv(products), "text/csv; charset=utf-8", "csv"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="products.{ext}"'
    return response


def _stored_import(digest: str, ext: str) -> bytes | None:
    name = f"{IMPORT_FOLDER}/{digest}.{ext}"
    if not (len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)) or ext not in ("csv", "xlsx"):
        return None
    if not default_storage.exists(name):
        return None
    with default_storage.open(name) as handle:
        return handle.read()


@_can("catalog.add_product")
def product_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST with a file: check it and show the preview (nothing written). POST with
    `apply` and the previewed file's digest: check it again and write it, all or nothing."""
    context: dict = {"form": ImportForm(), "headers": transfer.HEADERS}
    if request.method != "POST":
        return render(request, "catalog/console/product_import.html", context)
    if not request.user.has_perm("catalog.change_product"):
        return HttpResponse("无权修改商品", status=403)
    if "apply" in request.POST:
        digest, ext = request.POST.get("digest", ""), request.POST.get("ext", "")
        data = _stored_import(digest, ext)
        if data is None:
            messages.error(request, "导入文件已失效，请重新上传")
            return redirect("console:product_import")
        try:
            written = transfer.apply(transfer.plan(transfer.read_table(f"x.{ext}", data)), actor=request.user)
        except transfer.ImportRefused as refused:
            context["errors"] = refused.errors
            return render(request, "catalog/console/product_import.html", context, status=400)
        default_storage.delete(f"{IMPORT_FOLDER}/{digest}.{ext}")
        messages.success(request, f"已导入 {len(written)} 个商品")
        return redirect("console:products")
    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "catalog/console/product_import.html", context, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read(settings.CATALOG_IMPORT_MAX_BYTES + 1)
    try:
        plan = transfer.plan(transfer.read_table(upload.name, data))
    except transfer.ImportRefused as refused:
        context["errors"] = refused.errors
        return render(request, "catalog/console/product_import.html", context, status=400)
    digest, ext = hashlib.sha256(data).hexdigest(), upload.name.lower().rsplit(".", 1)[-1]
    if not default_storage.exists(f"{IMPORT_FOLDER}/{digest}.{ext}"):
        default_storage.save(f"{IMPORT_FOLDER}/{digest}.{ext}", ContentFile(data))
    context.update({"plan": plan, "digest": digest, "ext": ext})
    return render(request, "catalog/console/product_import.html", context)


def media(request: HttpRequest, name: str) -> FileResponse:
    """Uploaded product pictures, served by the hub itself in the embedded setup (object storage serves
    its own URLs). Only the pictures folder, only the types the uploader writes."""
    ext = name.rsplit(".", 1)[-1]
    if not name.startswith(uploads.FOLDER + "/") or ".." in name or ext not in MEDIA_TYPES:
        raise Http404
    if not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name), content_type=MEDIA_TYPES[ext])
    response["Cache-Control"] = "public, max-age=31536000, immutable"  # names are content hashes
    response["X-Content-Type-Options"] = "nosniff"
    return response
