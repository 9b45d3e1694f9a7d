"""Mini Program 发货信息管理 (reference wechat-kf-security-shipping.md §4), as `client("mp").shipping`.

A Mini Program merchant's WeChat Pay funds settle only after the order's shipping is reported, so every
MP-paid order gets `upload_shipping_info` when it ships (the store app queues it through the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wxmall.wechat.services.base import Service

# logistics_type (§4.2)
EXPRESS, SAME_CITY, VIRTUAL, PICK_UP = 1, 2, 3, 4
UNIFIED_DELIVERY = 1


@dataclass(frozen=True)
class Shipment:
    """One unified shipment of a WeChat Pay order identified by its transaction id."""

    transaction_id: str
    payer_openid: str
    item_desc: str  # ≤ 120 characters
    tracking_no: str = ""
    express_company: str = ""  # carrier code, e.g. SF
    contact: str = ""  # masked phone, required by SF
    logistics_type: int = EXPRESS

    def wire(self, upload_time: datetime) -> dict:
        item: dict = {"item_desc": self.item_desc[:120]}
        if self.logistics_type == EXPRESS:
            item.update(tracking_no=self.tracking_no, express_company=self.express_company)
            if self.contact:
                item["contact"] = {"consignor_contact": self.contact}
        return {
            "order_key": {"order_number_type": 2, "transaction_id": self.transaction_id},
            "logistics_type": self.logistics_type,
            "delivery_mode": UNIFIED_DELIVERY,
            "shipping_list": [item],
            "upload_time": upload_time.isoformat(timespec="milliseconds"),
            "payer": {"openid": self.payer_openid},
        }


class ShippingService(Service):
    def upload(self, shipment: Shipment, *, upload_time: datetime) -> None:
        """`upload_time` must be timezone-aware (RFC 3339 with offset); a re-upload needs a newer one."""
        if upload_time.tzinfo is None:
            raise ValueError("upload_time must carry its UTC offset")
        self._client.post(
            "/wxa/sec/order/upload_shipping_info",
            api="shipping.upload_shipping_info",
            json=shipment.wire(upload_time),
        )
