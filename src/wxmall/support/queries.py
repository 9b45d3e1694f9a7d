"""Read side of customer service."""

from __future__ import annotations

from wxmall.accounts.models import WeChatIdentity


def customer_for(appid: str, openid: str) -> int | None:
    """The shop customer an OA user is (by the WeChat identity their login left), or None if not linked."""
    return WeChatIdentity.objects.filter(appid=appid, openid=openid).values_list("user_id", flat=True).first()
