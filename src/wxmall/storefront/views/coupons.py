"""The claim page of a coupon the merchant shares (a link or QR code): shows the deal, and a logged-in
customer takes one (once each, while stock lasts). Visitors are sent to log in and come back here."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from wxmall.checkout.actions.coupons import claim
from wxmall.checkout.models import Coupon, CouponGrant
from wxmall.core.errors import DomainError

from .common import customer_required, not_found


def _claimable(token: str) -> Coupon | None:
    if not token or len(token) > 32:
        return None
    return Coupon.objects.filter(
        claim_token=token, claim_quota__isnull=False, is_active=True, ends_at__gt=timezone.now()
    ).first()


@customer_required
def claim_page(request: HttpRequest, token: str) -> HttpResponse:
    coupon = _claimable(token)
    if coupon is None:
        return not_found(request, "领券活动不存在或已结束")
    status = 200
    if request.method == "POST":
        try:
            claim(token, request.user)
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, "领取成功，下单时可直接使用")
            return redirect("storefront:coupon_claim", token=token)
        coupon.refresh_from_db()
    held = CouponGrant.objects.filter(coupon=coupon, user=request.user).exists()
    left = max(coupon.claim_quota - coupon.claimed_count, 0)
    return render(
        request, "storefront/coupon_claim.html", {"coupon": coupon, "held": held, "left": left}, status=status
    )
