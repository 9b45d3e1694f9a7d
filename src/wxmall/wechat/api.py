"""/api/wechat: the JS-SDK config the storefront's pages need for share and pay (no login: anonymous
visitors share pages too; nothing here calls WeChat per request, the ticket is shared and cached)."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from wxmall.core.errors import DomainError
from wxmall.core.schemas import errors
from wxmall.wechat import jssdk
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WechatApiError, WeChatError

router = Router(tags=["微信"])


class JssdkQuery(Schema):
    url: str = Field(
        ..., min_length=1, max_length=jssdk.MAX_URL_CHARS, description="当前页面完整 URL（# 之后不参与签名）"
    )


class JssdkConfigOut(Schema):
    appId: str  # noqa: N815 - wx.config's own field names
    timestamp: int
    nonceStr: str  # noqa: N815
    signature: str


@router.get(
    "/jssdk-config",
    response={200: JssdkConfigOut, **errors(400, 503)},
    summary="JS-SDK wx.config 签名",
    description="只为本店域名（SITE_URL 或 ALLOWED_HOSTS 中明确列出的域名）下的页面签名；其他 URL 返回 400。",
)
def jssdk_config(request, query: Query[JssdkQuery]):
    try:
        return jssdk.config_for(query.url)
    except jssdk.UrlNotAllowed:
        raise DomainError(WechatApiError.JSSDK_URL_NOT_ALLOWED) from None
    except NotConfigured:
        raise DomainError(WechatApiError.NOT_CONFIGURED) from None
    except WeChatError:
        raise DomainError(WechatApiError.UNAVAILABLE) from None
