"""`/wxa/business/getuserphonenumber`: the Mini Program's phone-number code exchange (reference §5.3).
Authenticated with the app's access_token (from the token service); the code travels in a JSON body.
A used, expired or foreign code answers 40029, which the client raises as a `PermanentError`."""

from __future__ import annotations

from dataclasses import dataclass

from wxmall.wechat.errors import TransportError
from wxmall.wechat.services.base import Service


@dataclass(frozen=True)
class PhoneInfo:
    phone_number: str  # as WeChat shows it: +86 numbers without the country code
    pure_phone_number: str
    country_code: str


class PhoneService(Service):
    def number(self, code: str) -> PhoneInfo:
        body = self._client.post(
            "/wxa/business/getuserphonenumber", api="phone.getuserphonenumber", json={"code": code}
        )
        info = body.get("phone_info")
        if not isinstance(info, dict):
            raise TransportError("微信应答缺少 phone_info", api="phone")
        values = [info.get(k) for k in ("phoneNumber", "purePhoneNumber", "countryCode")]
        if not all(isinstance(v, str) and 0 < len(v) <= 32 for v in values):
            raise TransportError("微信应答的手机号格式不正确", api="phone")
        return PhoneInfo(*values)
