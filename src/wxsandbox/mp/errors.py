"""WeChat's JSON error envelope for api.weixin.qq.com: ``{"errcode": n, "errmsg": "… rid: …"}`` on HTTP 200.

``WxError`` is raised anywhere inside an mp handler and turned into that envelope by ``wx_endpoint``
(see ``mp/http.py``); the errmsg texts are WeChat's own English wording (reference §3.3, §4, §5 and
WxJava's errcode tables) with the request-id suffix real responses carry.
"""

from __future__ import annotations

import secrets

ERRMSG: dict[int, str] = {
    -1: "system error",
    0: "ok",
    # content security (wechat-kf-security-shipping.md §3.1)
    40129: "invalid scene",
    43104: "appid and openid not match",
    61010: "code is expired",
    # datacube (数据统计): unconfirmed wording; the codes are WeChat's global table's date errors
    61500: "date format error",
    61501: "date range error",  # msg_sec_check's alternative "no recent visit" answer (unconfirmed)
    43302: "http method not allowed, please use POST",
    87014: "risky content",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40006: "invalid meida size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40014: "invalid access_token",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40022: "invalid sub_menu level",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40029: "invalid code",
    40030: "invalid refresh_token",
    40037: "invalid template_id",
    40053: "invalid action info",
    40066: "invalid url",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    40164: "invalid ip",
    40165: "invalid weapp pagepath",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41005: "media data missing",
    41008: "missing code",
    41009: "missing openid",
    41030: "invalid page",
    42001: "access_token expired",
    42002: "refresh_token expired",
    42003: "code expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    44002: "empty post data",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45026: "template size out of limit",
    45035: "user list size out of limit",
    40032: "invalid openid list size",
    45056: "too many tags now, no need to add new",
    45057: "can't delete the tag that has too many fans",
    45058: "can't modify sys tag",
    45059: "user has too many tags",
    45157: "invalid tag name, duplicated",
    45158: "invalid tag name, too long",
    45159: "invalid tag id",
    45047: "out of response count limit",
    45028: "has no masssend quota",
    45065: "clientmsgid exist",
    46003: "menu no exist",
    47001: "data format error",
    47003: "argument invalid!",
    48001: "api unauthorized",
    48006: "forbid to clear quota because of reaching the limit",
    85401: "time limit between 1min and 1 year",
    85402: "expire_time must be greater than now",
    # Mini Program codes and link queries (wechat-kf-security-shipping.md §6.2-§6.4)
    40159: "invalid length for path, or the data is not json string",
    40169: "invalid length for scene, or the data is not json string",
    45029: "qrcode count out of limit",
    85096: "not allow include scancode_time field",
    85403: "scheme or url link not exist",
    85406: "visit quota of the day reached",
    # e-invoice (card/invoice, invoice reference §1.12)
    72015: "unauthorized create invoice",
    72017: "invalid invoice title",
    72018: "duplicate order id, invoice had inserted to user",
    72024: "invoice status error",
    72027: "invoice action error",
    72029: "invoice never set auth field",
    72031: "invalid params",
    72035: "biz reject insert",
    72038: "invoice order never auth",
    72040: "invoice pdf error",
    72042: "billing_code and billing_no repeated",
    72044: "scan text out of time",
    72045: "check_code is empty",
    72053: "user never auth",
    72060: "this invoice has been cancelled, check the reimburse_status please",
    72061: "this invoice has been closed, check the reimburse_status please",
    72063: "biz contact is empty, set contact first please",
    72070: "BIZ_TITLE_KEY_OUT_TIME",
    40073: "invalid card id",
    40078: "invalid card status",
}


def rid() -> str:
    """A request id shaped like WeChat's (``6004f3da-1529ba72-5c345f67``)."""
    return "-".join(secrets.token_hex(4) for _ in range(3))


class WxError(Exception):
    """An api.weixin.qq.com error; ``detail`` is appended to the standard errmsg (e.g. a field name)."""

    def __init__(self, errcode: int, detail: str = ""):
        self.errcode = errcode
        self.detail = detail
        super().__init__(f"{errcode} {self.errmsg_base}")

    @property
    def errmsg_base(self) -> str:
        text = ERRMSG.get(self.errcode, "error")
        return f"{text} {self.detail}".rstrip() if self.detail else text

    def body(self) -> dict:
        return {"errcode": self.errcode, "errmsg": f"{self.errmsg_base} rid: {rid()}"}
