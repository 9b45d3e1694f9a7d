"""The client's services, one API family each, attached to every `WeChatClient` under its name.

To add a service (e.g. `sns` for OAuth and jscode2session, `phone`, or `store` for `/channels/ec/*`):

1. Make sure wxsandbox emulates the API first, faithful to /work/shared/reference (add it there if not).
2. Write `services/<name>.py` with a `Service` subclass whose methods call `self._client.get/post(path,
   api="<family>.<call>", ...)`. `api` names the call in the console's stats; pass `token=False` for
   APIs authenticated by appid+secret (e.g. `/sns/jscode2session`) instead of the access_token.
   Return plain dicts or small dataclasses; raise nothing of your own for WeChat errors (the client maps
   errcodes to `errors.py` exceptions; add a new errcode to `errors.ERRCODES` if it needs a class).
3. Register it in `REGISTRY` below; it is then `client("oa").<name>`.
4. Test it against the `wxsandbox` fixture (tests/wechat), including its unhappy errcodes.
"""

from __future__ import annotations

from wxmall.wechat.services.base import Service
from wxmall.wechat.services.datacube import DatacubeService
from wxmall.wechat.services.invoice import InvoiceService
from wxmall.wechat.services.menu import MenuService
from wxmall.wechat.services.message import MessageService
from wxmall.wechat.services.phone import PhoneService
from wxmall.wechat.services.qrcode import QrcodeService
from wxmall.wechat.services.security import SecurityService
from wxmall.wechat.services.sns import SnsService
from wxmall.wechat.services.store import StoreService
from wxmall.wechat.services.store_shipping import ShippingService
from wxmall.wechat.services.tags import TagsService
from wxmall.wechat.services.user import UserService
from wxmall.wechat.services.wxa import WxaService

REGISTRY: dict[str, type[Service]] = {
    "menu": MenuService,
    "message": MessageService,
    "user": UserService,
    "qrcode": QrcodeService,
    "sns": SnsService,
    "tags": TagsService,
    "phone": PhoneService,
    "store": StoreService,
    "shipping": ShippingService,
    "invoice": InvoiceService,
    "wxa": WxaService,
    "security": SecurityService,
    "datacube": DatacubeService,
}
