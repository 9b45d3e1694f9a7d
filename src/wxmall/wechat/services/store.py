"""WeChat Store (微信小店) `/channels/ec/*` (reference wechat-store-channels.md), as `client("store").store`.

Wire rules (§0) the service enforces so callers never see WeChat's quirks:
* 64-bit ids (product, sku, order, after-sale, category) are returned as `str`, whether WeChat sent a JSON
  string or a bare number; a float id (precision already lost) is refused as a malformed answer.
* money is integer fen; the service passes it through untouched.
* errors arrive as `errcode` and are raised by the client (`wxmall.wechat.errors`).

Results are small frozen dataclasses; whole objects WeChat documents loosely (an SPU, an order) are
returned as the decoded dict beside the typed fields the hub relies on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wxmall.wechat.errors import TransportError
from wxmall.wechat.services.base import Service
from wxmall.wechat.services.store_channels import ChannelsMixin
from wxmall.wechat.services.store_compass import CompassMixin

# Product stock `diff_type` (§4.5)
STOCK_ADD, STOCK_SUB, STOCK_SET = 1, 2, 3


def wire_id(value: Any, *, api: str, name: str) -> str:
    """A uint64 id from WeChat as a decimal string."""
    if isinstance(value, bool) or value is None:
        raise TransportError(f"微信应答的 {name} 缺失或格式不对", api=api)
    if isinstance(value, int) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isdigit() and len(value) <= 20:
        return value
    raise TransportError(f"微信应答的 {name} 格式不对", api=api)


def _ids(values: Any, *, api: str, name: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise TransportError(f"微信应答的 {name} 不是数组", api=api)
    return [wire_id(v, api=api, name=name) for v in values]


def _int(value: Any, default: int = 0) -> int:
    """WeChat's numbers come as numbers or (older pages) as digit strings; never floats."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return default


def _object(body: dict[str, Any], key: str, *, api: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise TransportError(f"微信应答缺少 {key}", api=api)
    return value


@dataclass(frozen=True)
class ShopInfo:
    nickname: str
    subject_type: str  # "企业" | "个体工商户" (personal)
    status: str  # opening | open_finished | closing | close_finished
    username: str  # original id gh_…
    headimg_url: str = ""

    @property
    def is_enterprise(self) -> bool:
        return self.subject_type == "企业"


@dataclass(frozen=True)
class StoreCategory:
    cat_id: str
    name: str
    f_cat_id: str
    leaf: bool


@dataclass(frozen=True)
class CategoryRules:
    """What product validation of a leaf category depends on (`category/detail` attr, §3.2)."""

    cat_id: str
    name: str
    required_attrs: tuple[str, ...]  # product parameters (`attrs`) that must be given
    product_attrs: tuple[str, ...]
    sale_attrs: tuple[str, ...]  # the only keys SKUs may use in `sku_attrs`


@dataclass(frozen=True)
class Image:
    media_id: str
    img_url: str  # https://mmecimage.cn/p/… : what product fields need


@dataclass(frozen=True)
class ProductWrite:
    product_id: str
    at: str  # "YYYY-MM-DD HH:MM:SS" as WeChat answers add/update


@dataclass(frozen=True)
class ProductCopy:
    """One copy of a product (online `product` or draft `edit_product`)."""

    raw: dict[str, Any]
    status: int
    edit_status: int
    sku_ids: dict[str, str]  # out_sku_id → sku_id

    @classmethod
    def parse(cls, raw: dict[str, Any], *, api: str) -> ProductCopy:
        skus = {}
        for sku in raw.get("skus") or []:
            if isinstance(sku, dict) and sku.get("sku_id") not in (None, "", "0", 0):
                skus[str(sku.get("out_sku_id", ""))] = wire_id(sku["sku_id"], api=api, name="sku_id")
        return cls(raw, _int(raw.get("status")), _int(raw.get("edit_status")), skus)


@dataclass(frozen=True)
class ProductDetail:
    product_id: str
    online: ProductCopy | None
    draft: ProductCopy | None

    @property
    def edit_status(self) -> int:
        return (self.draft or self.online).edit_status if (self.draft or self.online) else 0

    @property
    def status(self) -> int:
        return self.online.status if self.online else (self.draft.status if self.draft else 0)

    @property
    def out_product_id(self) -> str:
        copy = self.draft or self.online
        return str(copy.raw.get("out_product_id") or "") if copy else ""


@dataclass(frozen=True)
class SkuStock:
    product_id: str
    sku_id: str
    normal: int  # normal_stock_num: what the hub sets
    total: int


@dataclass(frozen=True)
class IdPage:
    ids: list[str]
    next_key: str
    has_more: bool
    total: int = 0


@dataclass(frozen=True)
class DeliveryCompany:
    delivery_id: str
    delivery_name: str


@dataclass(frozen=True)
class Parcel:
    """One parcel of `delivery/send` (§5.4): `items` are (product_id, sku_id, count)."""

    delivery_id: str
    waybill_id: str
    items: tuple[tuple[str, str, int], ...] = ()
    deliver_type: int = 1  # 1 自寄快递

    def wire(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "delivery_id": self.delivery_id,
            "waybill_id": self.waybill_id,
            "deliver_type": self.deliver_type,
        }
        if self.items:
            entry["product_infos"] = [
                {"product_id": p, "sku_id": s, "product_cnt": n} for p, s, n in self.items
            ]
        else:
            entry["is_all_product"] = True
        return entry


@dataclass(frozen=True)
class AfterSale:
    after_sale_order_id: str
    order_id: str
    status: str  # §6.3 string enum
    type: str  # REFUND | RETURN
    product_id: str
    sku_id: str
    count: int
    refund_amount: int  # fen
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


class StoreService(ChannelsMixin, CompassMixin, Service):
    # -- shop -------------------------------------------------------------------------------------------
    def shop_info(self) -> ShopInfo:
        api = "store.basics_info_get"
        info = _object(self._client.get("/channels/ec/basics/info/get", api=api), "info", api=api)
        return ShopInfo(
            nickname=str(info.get("nickname", "")),
            subject_type=str(info.get("subject_type", "")),
            status=str(info.get("status", "")),
            username=str(info.get("username", "")),
            headimg_url=str(info.get("headimg_url", "")),
        )

    # -- categories -------------------------------------------------------------------------------------
    def child_categories(self, parent_id: str | int = 0) -> list[StoreCategory]:
        api = "store.category_children"
        body = self._client.post(
            "/channels/ec/category/availablesoncategories/get", api=api, json={"f_cat_id": _num(parent_id)}
        )
        items = body.get("cat_list_v2") or body.get("cat_list") or []
        return [
            StoreCategory(
                cat_id=wire_id(c.get("cat_id"), api=api, name="cat_id"),
                name=str(c.get("name", "")),
                f_cat_id=str(c.get("f_cat_id", "0")),
                leaf=bool(c.get("leaf")),
            )
            for c in items
            if isinstance(c, dict)
        ]

    def category_detail(self, cat_id: str) -> CategoryRules:
        api = "store.category_detail"
        body = self._client.post("/channels/ec/category/detail", api=api, json={"cat_id": _num(cat_id)})
        info = body.get("info") if isinstance(body.get("info"), dict) else {}
        attr = body.get("attr") if isinstance(body.get("attr"), dict) else {}
        product = [a for a in attr.get("product_attr_list") or [] if isinstance(a, dict) and a.get("name")]
        sale = [a for a in attr.get("sale_attr_list") or [] if isinstance(a, dict) and a.get("name")]
        return CategoryRules(
            cat_id=str(info.get("cat_id", cat_id)),
            name=str(info.get("name", "")),
            required_attrs=tuple(str(a["name"]) for a in product if a.get("is_required")),
            product_attrs=tuple(str(a["name"]) for a in product),
            sale_attrs=tuple(str(a["name"]) for a in sale),
        )

    def shop_categories(self) -> list[str]:
        """Leaf category ids the shop may use (`category/list/get`)."""
        api = "store.category_list"
        body = self._client.get("/channels/ec/category/list/get", api=api)
        return [wire_id(c.get("cat_id"), api=api, name="cat_id") for c in body.get("list") or []]

    # -- media ------------------------------------------------------------------------------------------
    def upload_image(self, content: bytes, filename: str = "image.jpg") -> Image:
        """`basics/img/upload` with the file itself (upload_type 0), answering the mmecimage URL."""
        api = "store.img_upload"
        body = self._client.request(
            "POST",
            "/channels/ec/basics/img/upload",
            api=api,
            params={"upload_type": 0, "resp_type": 1},
            files={"media": (filename, content)},
        )
        return _image(body, api)

    def upload_image_url(self, img_url: str) -> Image:
        api = "store.img_upload"
        body = self._client.post(
            "/channels/ec/basics/img/upload",
            api=api,
            params={"upload_type": 1, "resp_type": 1},
            json={"img_url": img_url},
        )
        return _image(body, api)

    # -- products ---------------------------------------------------------------------------------------
    def product_add(self, spu: dict[str, Any]) -> ProductWrite:
        api = "store.product_add"
        data = _object(self._client.post("/channels/ec/product/add", api=api, json=spu), "data", api=api)
        return ProductWrite(
            wire_id(data.get("product_id"), api=api, name="product_id"), str(data.get("create_time", ""))
        )

    def product_update(self, product_id: str, spu: dict[str, Any]) -> ProductWrite:
        api = "store.product_update"
        body = self._client.post(
            "/channels/ec/product/update", api=api, json={**spu, "product_id": product_id}
        )
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        return ProductWrite(
            wire_id(data.get("product_id", product_id), api=api, name="product_id"),
            str(data.get("update_time", "")),
        )

    def product_get(self, product_id: str, data_type: int = 3) -> ProductDetail:
        api = "store.product_get"
        body = self._client.post(
            "/channels/ec/product/get", api=api, json={"product_id": product_id, "data_type": data_type}
        )
        online, draft = body.get("product"), body.get("edit_product")
        return ProductDetail(
            product_id=product_id,
            online=ProductCopy.parse(online, api=api) if isinstance(online, dict) and online else None,
            draft=ProductCopy.parse(draft, api=api) if isinstance(draft, dict) and draft else None,
        )

    def product_list(self, *, status: int | None = None, page_size: int = 30, next_key: str = "") -> IdPage:
        api = "store.product_list"
        req: dict[str, Any] = {"page_size": min(max(page_size, 1), 30)}
        if status is not None:
            req["status"] = status
        if next_key:
            req["next_key"] = next_key
        body = self._client.post("/channels/ec/product/list/get", api=api, json=req)
        ids = _ids(body.get("product_ids"), api=api, name="product_ids")
        key = str(body.get("next_key") or "")
        return IdPage(ids, key, bool(ids) and bool(key), _int(body.get("total_num")))

    def product_listing(self, product_id: str) -> None:
        self._client.post(
            "/channels/ec/product/listing", api="store.product_listing", json={"product_id": product_id}
        )

    def product_delisting(self, product_id: str) -> None:
        self._client.post(
            "/channels/ec/product/delisting", api="store.product_delisting", json={"product_id": product_id}
        )

    def stock_update(self, product_id: str, sku_id: str, diff_type: int, num: int) -> None:
        if diff_type not in (STOCK_ADD, STOCK_SUB, STOCK_SET) or num < 0:
            raise ValueError("diff_type must be 1/2/3 and num ≥ 0")
        self._client.post(
            "/channels/ec/product/stock/update",
            api="store.stock_update",
            json={"product_id": product_id, "sku_id": sku_id, "diff_type": diff_type, "num": num},
        )

    def stock_get(self, product_id: str, sku_id: str) -> SkuStock:
        api = "store.stock_get"
        body = self._client.post(
            "/channels/ec/product/stock/get", api=api, json={"product_id": product_id, "sku_id": sku_id}
        )
        return _stock(product_id, sku_id, _object(body, "data", api=api))

    def stock_batchget(self, product_ids: Iterable[str]) -> list[SkuStock]:
        api = "store.stock_batchget"
        body = self._client.post(
            "/channels/ec/product/stock/batchget", api=api, json={"product_ids": list(product_ids)}
        )
        found = []
        for spu in _object(body, "data", api=api).get("spu_stock_list") or []:
            pid = wire_id(spu.get("product_id"), api=api, name="product_id")
            for sku in spu.get("sku_stock") or []:
                found.append(_stock(pid, wire_id(sku.get("sku_id"), api=api, name="sku_id"), sku))
        return found

    # -- orders -----------------------------------------------------------------------------------------
    def order_list(
        self,
        *,
        update_range: tuple[int, int] | None = None,
        create_range: tuple[int, int] | None = None,
        status: int | None = None,
        page_size: int = 100,
        next_key: str = "",
    ) -> IdPage:
        """`order/list/get`: each range (unix seconds, ≤ 7 days) of create or update time."""
        api = "store.order_list"
        if update_range is None and create_range is None:
            raise ValueError("order_list needs a create or update time range")
        req: dict[str, Any] = {"page_size": min(max(page_size, 1), 100)}
        if update_range:
            req["update_time_range"] = {"start_time": update_range[0], "end_time": update_range[1]}
        if create_range:
            req["create_time_range"] = {"start_time": create_range[0], "end_time": create_range[1]}
        if status is not None:
            req["status"] = status
        if next_key:
            req["next_key"] = next_key
        body = self._client.post("/channels/ec/order/list/get", api=api, json=req)
        return IdPage(
            _ids(body.get("order_id_list"), api=api, name="order_id_list"),
            str(body.get("next_key") or ""),
            bool(body.get("has_more")),
        )

    def order_get(self, order_id: str) -> dict[str, Any]:
        api = "store.order_get"
        order = _object(
            self._client.post("/channels/ec/order/get", api=api, json={"order_id": order_id}),
            "order",
            api=api,
        )
        order["order_id"] = wire_id(order.get("order_id"), api=api, name="order_id")
        return order

    def order_search(self, condition: dict[str, Any], *, page_size: int = 100, next_key: str = "") -> IdPage:
        api = "store.order_search"
        req: dict[str, Any] = {"search_condition": condition, "page_size": min(max(page_size, 1), 100)}
        if next_key:
            req["next_key"] = next_key
        body = self._client.post("/channels/ec/order/search", api=api, json=req)
        return IdPage(
            _ids(body.get("orders"), api=api, name="orders"),
            str(body.get("next_key") or ""),
            bool(body.get("has_more")),
        )

    def delivery_send(self, order_id: str, parcels: Iterable[Parcel]) -> None:
        self._client.post(
            "/channels/ec/order/delivery/send",
            api="store.delivery_send",
            json={"order_id": order_id, "delivery_list": [p.wire() for p in parcels]},
        )

    def delivery_companies(self) -> list[DeliveryCompany]:
        body = self._client.post(
            "/channels/ec/order/deliverycompanylist/get", api="store.delivery_companies", json={}
        )
        return [
            DeliveryCompany(str(c.get("delivery_id", "")), str(c.get("delivery_name", "")))
            for c in body.get("company_list") or []
            if isinstance(c, dict) and c.get("delivery_id")
        ]

    # -- after-sales ------------------------------------------------------------------------------------
    def aftersale_list(self, begin: int, end: int, *, by_update: bool = True, next_key: str = "") -> IdPage:
        """`getaftersalelist` over ≤ 24 h of update (default) or create time."""
        api = "store.aftersale_list"
        prefix = "update" if by_update else "create"
        req: dict[str, Any] = {f"begin_{prefix}_time": begin, f"end_{prefix}_time": end}
        if next_key:
            req["next_key"] = next_key
        body = self._client.post("/channels/ec/aftersale/getaftersalelist", api=api, json=req)
        return IdPage(
            _ids(body.get("after_sale_order_id_list"), api=api, name="after_sale_order_id_list"),
            str(body.get("next_key") or ""),
            bool(body.get("has_more")),
        )

    def aftersale_get(self, after_sale_order_id: str) -> AfterSale:
        api = "store.aftersale_get"
        body = self._client.post(
            "/channels/ec/aftersale/getaftersaleorder",
            api=api,
            json={"after_sale_order_id": after_sale_order_id},
        )
        raw = _object(body, "after_sale_order", api=api)
        product = raw.get("product_info") if isinstance(raw.get("product_info"), dict) else {}
        refund = raw.get("refund_info") if isinstance(raw.get("refund_info"), dict) else {}
        return AfterSale(
            after_sale_order_id=wire_id(raw.get("after_sale_order_id"), api=api, name="after_sale_order_id"),
            order_id=wire_id(raw.get("order_id"), api=api, name="order_id"),
            status=str(raw.get("status", "")),
            type=str(raw.get("type", "")),
            product_id=str(product.get("product_id", "")),
            sku_id=str(product.get("sku_id", "")),
            count=_int(product.get("count")),
            refund_amount=_int(refund.get("amount")),
            raw=raw,
        )

    def aftersale_accept(
        self, after_sale_order_id: str, *, address_id: str = "", accept_type: int | None = None
    ) -> None:
        req: dict[str, Any] = {"after_sale_order_id": after_sale_order_id}
        if address_id:
            req["address_id"] = address_id
        if accept_type is not None:
            req["accept_type"] = accept_type
        self._client.post("/channels/ec/aftersale/acceptapply", api="store.aftersale_accept", json=req)

    def aftersale_generate(self, request: dict[str, Any]) -> str:
        """`genaftersaleorder`: an after-sale the merchant opens for the buyer (who must confirm it).
        `request_id` makes a retry return the same after-sale."""
        api = "store.aftersale_generate"
        body = self._client.post("/channels/ec/aftersale/genaftersaleorder", api=api, json=request)
        return wire_id(body.get("after_sale_order_id"), api=api, name="after_sale_order_id")

    def aftersale_reject(self, after_sale_order_id: str, *, reason: str, reason_type: int = 1) -> None:
        self._client.post(
            "/channels/ec/aftersale/rejectapply",
            api="store.aftersale_reject",
            json={
                "after_sale_order_id": after_sale_order_id,
                "reject_reason": reason,
                "reject_reason_type": reason_type,
            },
        )


def _num(value: str | int) -> int:
    return int(value)


def _image(body: dict[str, Any], api: str) -> Image:
    pic = _object(body, "pic_file", api=api)
    url = str(pic.get("img_url", ""))
    if not url.startswith("https://"):
        raise TransportError("微信应答缺少图片地址", api=api)
    return Image(str(pic.get("media_id", "")), url)


def _stock(product_id: str, sku_id: str, data: dict[str, Any]) -> SkuStock:
    return SkuStock(product_id, sku_id, _int(data.get("normal_stock_num")), _int(data.get("total_stock_num")))
