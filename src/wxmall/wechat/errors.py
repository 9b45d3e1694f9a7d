"""WeChat errcodes mapped to exceptions, and the error codes of this app's own API.

Every call through the client either returns the decoded JSON or raises a `WeChatError` subclass chosen
from `ERRCODES` (reference §3.3, §4, §5):

  RetryableError     worth trying again soon (-1 system busy, transport failures, HTTP 5xx)
  QuotaError         a quota is spent (45009 daily, 45011 per minute): back off, never loop
  TokenInvalidError  the access_token was refused (40001, 40014, 42001) even after one refresh
  PermanentError     retrying cannot help (bad openid, bad argument, no permission, wrong credentials)

Unknown errcodes are permanent: an unknown answer is not a reason to hammer WeChat.
"""

from __future__ import annotations

from wxmall.core.errors import ErrorCode


class WeChatError(Exception):
    """An api.weixin.qq.com call failed. `errcode` is WeChat's (0 for transport failures)."""

    retryable = False

    def __init__(self, errcode: int, errmsg: str, *, api: str = "", appid: str = "") -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.api = api
        self.appid = appid
        super().__init__(f"{api or 'wechat'}: errcode {errcode}: {errmsg}")


class RetryableError(WeChatError):
    retryable = True


class TransportError(RetryableError):
    """WeChat could not be reached, timed out, or answered something that is not its JSON envelope."""

    def __init__(self, errmsg: str, *, api: str = "", appid: str = "") -> None:
        super().__init__(0, errmsg, api=api, appid=appid)


class QuotaError(RetryableError):
    """Retryable only later (next minute / next day): callers must back off, not loop."""


class TokenInvalidError(WeChatError):
    retryable = True  # a later attempt gets a fresh token


class PermanentError(WeChatError):
    pass


class ConfigurationError(PermanentError):
    """Credentials or permissions are wrong (bad appid/secret, IP not whitelisted, API not granted)."""


# errcode → (exception class, what it means, in Chinese for the console)
ERRCODES: dict[int, tuple[type[WeChatError], str]] = {
    -1: (RetryableError, "微信系统繁忙"),
    40001: (TokenInvalidError, "access_token 无效或不是最新"),
    40014: (TokenInvalidError, "access_token 不合法"),
    42001: (TokenInvalidError, "access_token 已过期"),
    41001: (TokenInvalidError, "缺少 access_token"),
    45009: (QuotaError, "接口调用超过每日限额"),
    45011: (QuotaError, "接口调用超过每分钟限额"),
    40002: (ConfigurationError, "grant_type 不正确"),
    40013: (ConfigurationError, "AppID 无效"),
    40125: (ConfigurationError, "AppSecret 无效"),
    40164: (ConfigurationError, "调用 IP 不在白名单中"),
    41002: (ConfigurationError, "缺少 AppID"),
    41004: (ConfigurationError, "缺少 AppSecret"),
    48001: (ConfigurationError, "接口未授权"),
    40003: (PermanentError, "openid 无效"),
    40029: (PermanentError, "code 无效"),
    40163: (PermanentError, "code 已被使用"),
    42003: (PermanentError, "code 已过期"),
    40037: (PermanentError, "模板 ID 无效"),
    43004: (PermanentError, "用户未关注"),
    43101: (PermanentError, "用户未订阅该消息"),
    45015: (PermanentError, "超出 48 小时客服消息时限或用户已取消关注"),
    45047: (PermanentError, "客服消息条数超过上限"),
    45002: (PermanentError, "消息内容过长"),
    47001: (PermanentError, "数据格式错误"),
    47003: (PermanentError, "参数不合法"),
    40066: (PermanentError, "接口地址无效"),
    # Content security (wechat-kf-security-shipping.md §3.1)
    40129: (PermanentError, "内容安全检测场景值错误"),
    43104: (PermanentError, "openid 与 AppID 不匹配"),
    87014: (PermanentError, "内容含有违法违规内容"),
    # Mini Program codes and link queries (wechat-kf-security-shipping.md §6.2-§6.4); 45029 is a lifetime
    # total, so waiting does not help
    40159: (PermanentError, "小程序码路径过长"),
    40169: (PermanentError, "小程序码 scene 长度不对（1–32 个字符）"),
    41030: (PermanentError, "小程序页面不存在或尚未发布"),
    45029: (PermanentError, "小程序码总数已达上限"),
    85096: (PermanentError, "小程序码 scene 不能包含 scancode_time"),
    85403: (PermanentError, "小程序链接不存在"),
    # WeChat Store (wechat-store-channels.md §10): 100003 "updated too often, retry" is worth retrying
    100003: (RetryableError, "微信小店订单更新过于频繁"),
    100002: (PermanentError, "微信小店订单不存在"),
    10020052: (PermanentError, "微信小店商品不存在或从未上架"),
    10020217: (PermanentError, "微信小店商品草稿审核中"),
    10020112: (QuotaError, "微信小店 SKU 库存更新过于频繁"),
    10021059: (
        QuotaError,
        "同一订单一分钟内只能退款一次",
    ),  # the next minute succeeds: back off, don't dead-letter
}

TOKEN_INVALID_CODES = frozenset(code for code, (cls, _) in ERRCODES.items() if cls is TokenInvalidError)


def error_for(errcode: int, errmsg: str, *, api: str = "", appid: str = "") -> WeChatError:
    cls = ERRCODES.get(errcode, (PermanentError, ""))[0]
    return cls(errcode, errmsg, api=api, appid=appid)


def describe(errcode: int) -> str:
    """Chinese description for the console ("" when unknown)."""
    return ERRCODES.get(errcode, (PermanentError, ""))[1]


class WechatApiError(ErrorCode):
    """Errors of the hub's own /api/wechat endpoints."""

    JSSDK_URL_NOT_ALLOWED = ("wechat_jssdk_url_not_allowed", 400, "只能为本店页面生成 JS-SDK 配置")
    NOT_CONFIGURED = ("wechat_not_configured", 503, "未配置微信公众号")
    UNAVAILABLE = ("wechat_unavailable", 503, "微信接口暂不可用，请稍后重试")
