"""A small developer-side client for the sandbox's WeChat Store API, over real HTTP (httpx), as a shop's
back end would call it: stable_token with the shop's AppID/AppSecret, then ``?access_token=`` on every call.
Also decrypts the pushes a shop's server receives (with wechatpy's crypto, an independent implementation)."""

from __future__ import annotations

import json
from typing import Any

from wechatpy.crypto import WeChatCrypto

from wxsandbox.config import STORE
from wxsandbox.mp import msgcrypt

IMG = "https://mmecimage.cn/p/wx5b1f0a7c3e9d0c03/"


def product_body(**overrides: Any) -> dict[str, Any]:
    """A valid desktop-PC SPU with two SKUs (reference §4.3's example, adjusted to the sandbox tree)."""
    body = {
        "out_product_id": "PC-ASSEMBLY-001",
        "title": "家用办公台式电脑主机 i5 16G 512G",
        "head_imgs": [IMG + "AAA", IMG + "BBB", IMG + "CCC"],
        "desc_info": {"imgs": [IMG + "DDD"], "desc": "整机三年质保"},
        "cats_v2": [{"cat_id": "10000111"}, {"cat_id": "10000113"}, {"cat_id": "6091"}],
        "attrs": [{"attr_key": "品牌", "attr_value": "自有"}],
        "brand_id": "2100000000",
        "deliver_method": 0,
        "express_info": {"template_id": "47428464001", "weight": 8000},
        "extra_service": {"seven_day_return": 1, "freight_insurance": 0},
        "skus": [
            {
                "out_sku_id": "PC-001-16G",
                "thumb_img": IMG + "AAA",
                "sale_price": 399900,
                "market_price": 459900,
                "stock_num": 20,
                "sku_code": "PC00116G",
                "sku_attrs": [{"attr_key": "内存容量", "attr_value": "16G"}],
            },
            {
                "out_sku_id": "PC-001-32G",
                "thumb_img": IMG + "BBB",
                "sale_price": 469900,
                "market_price": 529900,
                "stock_num": 5,
                "sku_code": "PC00132G",
                "sku_attrs": [{"attr_key": "内存容量", "attr_value": "32G"}],
            },
        ],
    }
    body.update(overrides)
    return body


class StoreClient:
    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.app = handle.app_of_kind(STORE)
        self.refresh_token()

    def refresh_token(self) -> None:
        """A stable_token (again: after advancing the sandbox clock past its 7200 s)."""
        answer = self.handle.client.post(
            "/cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": self.app.appid, "secret": self.app.secret},
        ).json()
        self.token = answer["access_token"]

    def call(self, path: str, body: Any = None, *, method: str = "POST", **params: Any) -> dict[str, Any]:
        """The raw JSON answer of ``/channels/ec/<path>`` (or of an absolute path: ``/cgi-bin/…``)."""
        response = self.handle.client.request(
            method,
            path if path.startswith("/") else "/channels/ec/" + path,
            params={"access_token": self.token, **params},
            content=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
        )
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        answer = self.call(path, body, **kwargs)
        assert answer["errcode"] == 0, answer
        return answer

    def errcode(self, path: str, body: Any = None, **kwargs: Any) -> int:
        answer = self.call(path, body, **kwargs)
        if answer["errcode"]:
            assert " rid: " in answer["errmsg"]
        return answer["errcode"]

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.handle.control(method, "store/" + path, **kwargs)

    # -- products --------------------------------------------------------------------------------------------
    def add_product(self, listing: int = 1, **overrides: Any) -> str:
        return self.ok("product/add", product_body(listing=listing, **overrides))["data"]["product_id"]

    def product(self, product_id: str, data_type: int = 3) -> dict[str, Any]:
        return self.ok("product/get", {"product_id": product_id, "data_type": data_type})

    def sku_ids(self, product_id: str) -> list[str]:
        return [s["sku_id"] for s in self.product(product_id)["edit_product"]["skus"]]

    def events(self, **filters: Any) -> list[dict[str, Any]]:
        return self.control("GET", "events", params=filters)["events"]

    def event_names(self, business_id: str) -> list[str]:
        return [e["event"] for e in self.events(business_id=business_id)]


def decrypt_push(app: Any, request: Any) -> dict[str, Any]:
    """What the shop's server does with a safe-mode JSON push: check both signatures, decrypt (wechatpy)."""
    q = request.query
    assert q["signature"] == msgcrypt.signature(app.token, q["timestamp"], q["nonce"])
    assert q["encrypt_type"] == "aes"
    envelope = json.loads(request.body)
    assert set(envelope) == {"ToUserName", "Encrypt"}
    # wechatpy's decrypt_message takes the envelope as a dict too: the JSON body fits as it is.
    crypto = WeChatCrypto(app.token, app.encoding_aes_key, app.appid)
    plain = crypto.decrypt_message(envelope, q["msg_signature"], q["timestamp"], q["nonce"])
    return json.loads(plain)
