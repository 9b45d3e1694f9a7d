"""The hub's side of the WeChat Store (微信小店): the bound shop and its Channels accounts, the mapping of
local categories/products/SKUs to Store ones with their sync state, the raw pushes, the orders and
after-sales that came from the Store, and the stock reconciliation log.

Concurrency: the Channels binding count is a guarded counter on the shop row; a product's pending sync is
one outbox row per `(product, sync_generation)`; pushes are unique on (Event, business id, CreateTime);
Store orders are unique on the Store's order id."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ShopType(models.TextChoices):
    ENTERPRISE = "enterprise", "企业店"
    PERSONAL = "personal", "个人店"


class StoreShop(models.Model):
    appid = models.CharField("小店 AppID", max_length=32, unique=True)
    shop_type = models.CharField("主体类型", max_length=16, choices=ShopType.choices)
    nickname = models.CharField("店铺名称", max_length=64, blank=True)
    username = models.CharField("原始 ID", max_length=64, blank=True)
    status = models.CharField("店铺状态", max_length=32, blank=True)
    # Guarded counter: binding is `UPDATE … SET channels_count = channels_count + 1 WHERE channels_count < limit`.
    channels_count = models.PositiveIntegerField("已绑定视频号", default=0)
    refreshed_at = models.DateTimeField("信息更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "微信小店"

    def __str__(self) -> str:
        return self.nickname or self.appid


class ChannelsAccount(models.Model):
    shop = models.ForeignKey(
        StoreShop, verbose_name="小店", on_delete=models.CASCADE, related_name="channels"
    )
    finder_id = models.CharField("视频号 ID", max_length=64)
    nickname = models.CharField("视频号名称", max_length=64, blank=True)
    bound_at = models.DateTimeField("绑定时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "绑定视频号"
        constraints = [models.UniqueConstraint(fields=["shop", "finder_id"], name="store_channels_once")]

    def __str__(self) -> str:
        return self.nickname or self.finder_id


class CategoryMapping(models.Model):
    """A local category sold on the Store under a Store category path (root → leaf ids)."""

    category = models.OneToOneField(
        "catalog.Category", verbose_name="本地分类", on_delete=models.CASCADE, related_name="store_mapping"
    )
    store_path = models.JSONField("小店类目路径")  # ["10000111", "10000113", "6091"]
    store_names = models.CharField("小店类目名称", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "类目映射"

    def __str__(self) -> str:
        return f"{self.category} → {self.store_names or '/'.join(self.store_path)}"

    @property
    def leaf_id(self) -> str:
        return self.store_path[-1]


class SyncState(models.TextChoices):
    PENDING = "pending", "待同步"
    AUDITING = "auditing", "审核中"
    LIVE = "live", "已上架"
    REJECTED = "rejected", "审核未通过"
    DELISTED = "delisted", "已下架"
    FAILED = "failed", "同步失败"
    BLOCKED = "blocked", "不允许推送"


class StoreProduct(models.Model):
    """A local SPU as a Store product. `wanted_version` grows with each local change; the outbox row
    that pushes it is keyed by `sync_generation`, which the handler advances when it takes the row, so
    changes made while a row waits fold into it and changes made after it was taken get a new row."""

    product = models.OneToOneField(
        "catalog.Product", verbose_name="商品", on_delete=models.CASCADE, related_name="store_listing"
    )
    store_product_id = models.CharField("小店商品 ID", max_length=24, unique=True, null=True, blank=True)  # noqa: DJ001
    state = models.CharField("同步状态", max_length=16, choices=SyncState.choices, default=SyncState.PENDING)
    reason = models.TextField("原因", blank=True)  # rejection reason, or why it failed / is blocked
    wanted_version = models.PositiveIntegerField("待同步版本", default=1)
    pushed_version = models.PositiveIntegerField("已推送版本", default=0)
    sync_generation = models.PositiveIntegerField("同步批次", default=0)
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    # Set just before `product/add` is called: if its answer is lost, a retry looks the product up first.
    add_started_at = models.DateTimeField("创建请求时间", null=True, blank=True)
    audit_checked_at = models.DateTimeField("审核查询时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "小店商品"
        indexes = [models.Index(fields=["state", "submitted_at"], name="store_product_state_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} → {self.store_product_id or '-'}"


class StoreSku(models.Model):
    sku = models.OneToOneField(
        "catalog.SKU", verbose_name="SKU", on_delete=models.CASCADE, related_name="store_sku"
    )
    store_product = models.ForeignKey(
        StoreProduct, verbose_name="小店商品", on_delete=models.CASCADE, related_name="skus"
    )
    store_sku_id = models.CharField("小店 SKU ID", max_length=24, unique=True, null=True, blank=True)  # noqa: DJ001
    stock_generation = models.PositiveIntegerField("库存同步批次", default=0)
    # Local stock changes not yet sent to the Store (summed; the push sends it as one add/subtract).
    pending_delta = models.IntegerField("待同步库存变化", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "小店 SKU"

    def __str__(self) -> str:
        return f"{self.sku_id} → {self.store_sku_id or '-'}"


class StoreImage(models.Model):
    """Images already uploaded through the media API, so a resync does not upload them again."""

    source = models.CharField("本地地址", max_length=300, unique=True)
    img_url = models.CharField("小店图片地址", max_length=300)
    media_id = models.CharField("media_id", max_length=128, blank=True)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "小店图片"

    def __str__(self) -> str:
        return self.source


class StoreEvent(models.Model):
    """A push as received (decrypted JSON text), unique on WeChat's dedupe key (§9.4)."""

    appid = models.CharField("AppID", max_length=32)
    event = models.CharField("事件", max_length=64)
    business_id = models.CharField("业务 ID", max_length=64)
    create_time = models.BigIntegerField("CreateTime")
    raw = models.TextField("原文")
    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    processed_at = models.DateTimeField("处理时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("处理次数", default=0)
    error = models.TextField("处理错误", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "小店推送"
        constraints = [
            models.UniqueConstraint(fields=["event", "business_id", "create_time"], name="store_event_once")
        ]
        indexes = [models.Index(fields=["processed_at", "received_at"], name="store_event_todo_idx")]

    def __str__(self) -> str:
        return f"{self.event} {self.business_id}"


class StoreOrder(models.Model):
    """A Store order and the local order it became. Unique on the Store's id: a pushed and a polled copy
    of one order insert one row."""

    store_order_id = models.CharField("小店订单号", max_length=24, unique=True)
    order = models.OneToOneField(
        "orders.Order", verbose_name="本地订单", on_delete=models.PROTECT, related_name="store_order"
    )
    shop = models.ForeignKey(StoreShop, verbose_name="小店", on_delete=models.PROTECT, related_name="orders")
    openid = models.CharField("买家 openid", max_length=128, blank=True)
    store_status = models.PositiveIntegerField("小店状态")
    store_update_time = models.BigIntegerField("小店更新时间", default=0)
    finder_id = models.CharField("视频号", max_length=64, blank=True)
    live_id = models.CharField("直播", max_length=128, blank=True)
    content_id = models.CharField("短视频/内容", max_length=128, blank=True)
    order_scene = models.PositiveSmallIntegerField("下单场景", default=0)
    sharer_openid = models.CharField("分享员", max_length=128, blank=True)
    source = models.JSONField("来源", default=dict, blank=True)  # source_infos / sharer_info as received
    delivery = models.JSONField("发货信息", default=dict, blank=True)
    created_at = models.DateTimeField("同步时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "小店订单"

    def __str__(self) -> str:
        return self.store_order_id


class StoreAfterSale(models.Model):
    after_sale_order_id = models.CharField("售后单号", max_length=24, unique=True)
    store_order = models.ForeignKey(
        StoreOrder, verbose_name="小店订单", on_delete=models.CASCADE, related_name="after_sales"
    )
    status = models.CharField("状态", max_length=48)
    type = models.CharField("类型", max_length=16)
    store_sku_id = models.CharField("小店 SKU ID", max_length=24, blank=True)
    count = models.PositiveIntegerField("数量", default=0)
    refund_amount = models.PositiveIntegerField("退款金额", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "小店售后"

    def __str__(self) -> str:
        return self.after_sale_order_id


class StockRun(models.Model):
    """One stock reconciliation: every synced SKU listed from the Store and diffed against local stock."""

    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    checked = models.PositiveIntegerField("核对 SKU", default=0)
    drifted = models.PositiveIntegerField("不一致", default=0)
    repaired = models.PositiveIntegerField("已修复", default=0)
    failed = models.PositiveIntegerField("修复失败", default=0)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "库存对账"
        ordering = ("-started_at", "-id")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.drifted}/{self.checked}"


class StockDrift(models.Model):
    run = models.ForeignKey(StockRun, verbose_name="对账", on_delete=models.CASCADE, related_name="drifts")
    store_sku = models.ForeignKey(
        StoreSku, verbose_name="小店 SKU", on_delete=models.CASCADE, related_name="+"
    )
    local_stock = models.IntegerField("本地库存")
    store_stock = models.IntegerField("小店库存")
    repaired = models.BooleanField("已修复", default=False)
    error = models.CharField("错误", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "库存差异"
        ordering = ("-id",)
        constraints = [
            models.CheckConstraint(condition=~Q(local_stock=models.F("store_stock")), name="drift_differs")
        ]

    def __str__(self) -> str:
        return f"{self.store_sku_id}: {self.local_stock} vs {self.store_stock}"


class MpShipment(models.Model):
    """The parcel of an order paid in the Mini Program, reported to WeChat (`upload_shipping_info`):
    without it the merchant's funds for that payment do not settle."""

    order = models.OneToOneField(
        "orders.Order", verbose_name="订单", on_delete=models.CASCADE, related_name="mp_shipment"
    )
    delivery_id = models.CharField("快递公司编码", max_length=32)
    waybill_id = models.CharField("运单号", max_length=64)
    created_at = models.DateTimeField("发货时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "小程序发货信息"

    def __str__(self) -> str:
        return f"{self.order_id} {self.delivery_id} {self.waybill_id}"


class CompassKind(models.TextChoices):
    OVERALL = "overall", "店铺总览"
    PRODUCT = "product", "商品"
    PROFILE = "profile", "买家画像"


class CompassSnapshot(models.Model):
    """One day's compass (罗盘) figures as pulled: one row per (day, kind, product); a re-pull updates it."""

    ds = models.DateField("日期")
    kind = models.CharField("类型", max_length=16, choices=CompassKind.choices)
    store_product_id = models.CharField("小店商品 ID", max_length=24, blank=True, default="")
    pay_gmv = models.BigIntegerField("成交金额", default=0)
    pay_uv = models.PositiveIntegerField("成交人数", default=0)
    pay_cnt = models.PositiveIntegerField("成交件数/单数", default=0)
    data = models.JSONField("原始数据", default=dict)
    pulled_at = models.DateTimeField("拉取时间")

    class Meta:
        verbose_name = verbose_name_plural = "罗盘数据"
        constraints = [
            models.UniqueConstraint(fields=["ds", "kind", "store_product_id"], name="store_compass_once")
        ]

    def __str__(self) -> str:
        return f"{self.ds} {self.get_kind_display()} {self.store_product_id}".rstrip()
