"""Mini Program phone number: ``POST /wxa/business/getuserphonenumber`` (reference §5.3).

The user taps ``<button open-type="getPhoneNumber">`` — played by ``POST /sandbox/mp/phone-code`` — and the
Mini Program's back end exchanges the single-use, 5-minute code. The body must be JSON (a form body is
47001; a code only in the query string is 40029, as field reports describe).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import MINI_PROGRAM
from wxsandbox.mp import codes
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import ControlError, caller, control_endpoint, json_body, ok, read_json, wx_endpoint
from wxsandbox.mp.oauth import mini_program, user_or_error

SCHEMA = ""


def split_phone(phone: str) -> tuple[str, str, str]:
    """(phoneNumber, purePhoneNumber, countryCode): +86 numbers are shown without the country code."""
    phone = phone.strip().replace(" ", "")
    if phone.startswith("+"):
        for cc in ("852", "853", "886", "86", "1"):
            if phone[1:].startswith(cc):
                pure = phone[1 + len(cc) :]
                return (pure if cc == "86" else phone), pure, cc
    return phone, phone, "86"


@wx_endpoint
async def getuserphonenumber(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in content_type or "multipart/form-data" in content_type:
        raise WxError(47001)
    if not (await request.body()).strip():
        raise WxError(40029)  # the code was sent in the query string (or not at all)
    data = await json_body(request)
    # §5.3 documents only 40029 for the phone code, reused or not (40163 there is unconfirmed).
    grant = codes.consume(sandbox, "phone", data.get("code"), who.appid, used=40029)
    openid = data.get("openid")
    if openid and openid != sandbox.users.openid(grant["user_id"], who.appid):
        raise WxError(40003)
    user = sandbox.users.require(grant["user_id"])
    phone_number, pure, country = split_phone(user["phone"])
    return ok(
        {
            "phone_info": {
                "phoneNumber": phone_number,
                "purePhoneNumber": pure,
                "countryCode": country,
                "watermark": {"timestamp": sandbox.clock.timestamp(), "appid": who.appid},
            }
        }
    )


@control_endpoint
async def control_phone_code(request: Request, sandbox: Any) -> dict:
    """``POST /sandbox/mp/phone-code {"user", "appid"?}`` — the user allowed sharing their phone number."""
    data = await read_json(request)
    app = mini_program(sandbox, data.get("appid"))
    user = user_or_error(sandbox, data.get("user"))
    if not user["phone"]:
        raise ControlError("no_phone", f"模拟用户 {user['id']} 没有手机号", 409)
    ttl = mp_settings.load(sandbox).phone_code_ttl_seconds
    return {"code": codes.issue(sandbox, "phone", app.appid, user["id"], ttl, length=64), "expires_in": ttl}


routes = [
    Route("/wxa/business/getuserphonenumber", getuserphonenumber, methods=["POST"], name="mp.wxa.phone"),
]
control_routes = [
    Route("/sandbox/mp/phone-code", control_phone_code, methods=["POST"], name="sandbox.mp.phone_code"),
]
