"""The coupons centre (/console/coupons/): every coupon with its usage report (issued, claimed, used,
GMV), creating a coupon (new-customer gift and claim link included), and issuing one to a segment."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from wxmall.checkout import queries as checkout_queries
from wxmall.checkout.actions.coupons import create_coupon
from wxmall.checkout.models import Coupon
from wxmall.core.errors import DomainError
from wxmall.core.http import forbidden, staff_permission_required
from wxmall.core.validation import parse_positive_int

from . import actions
from .forms import CouponForm
from .models import CouponCampaign, Segment


def _page(request: HttpRequest, form: CouponForm, status: int = 200) -> HttpResponse:
    coupons = checkout_queries.coupon_usage()
    for coupon in coupons:
        coupon.claim_url = (
            request.build_absolute_uri(reverse("storefront:coupon_claim", args=[coupon.claim_token]))
            if coupon.claim_token
            else ""
        )
    return render(
        request,
        "customers/coupons.html",
        {
            "coupons": coupons,
            "segments": Segment.objects.order_by("name"),
            "campaigns": CouponCampaign.objects.select_related("coupon", "segment")[:20],
            "form": form,
        },
        status=status,
    )


@staff_permission_required("checkout.view_coupon", what="查看优惠券")
def coupon_centre(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, CouponForm())
    if not request.user.has_perm("checkout.add_coupon"):
        return forbidden(request, "新建优惠券")
    form = CouponForm(request.POST)
    if form.is_valid():
        try:
            coupon = create_coupon(staff=request.user, request=request, **form.coupon_fields())
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, f"已创建优惠券「{coupon.name}」，券码 {coupon.code}")
            return redirect("customers:coupons")
    return _page(request, form, status=400)


@require_POST
@staff_permission_required("checkout.add_coupongrant", what="发放优惠券")
def issue_to_segment(request: HttpRequest) -> HttpResponse:
    coupon = Coupon.objects.filter(pk=parse_positive_int(request.POST.get("coupon"), 0)).first()
    segment = Segment.objects.filter(pk=parse_positive_int(request.POST.get("segment"), 0)).first()
    if coupon is None or segment is None:
        messages.error(request, "请选择优惠券和分群")
        return redirect("customers:coupons")
    try:
        campaign = actions.start_campaign(coupon, segment, staff=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"已开始向「{segment.name}」的 {campaign.matched} 位顾客发放「{coupon.name}」"
        )
    return redirect("customers:coupons")
