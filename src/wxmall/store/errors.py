"""Error codes of the store app (binding and sync refusals shown in the console and the API)."""

from wxmall.core.errors import ErrorCode


class StoreError(ErrorCode):
    NOT_CONFIGURED = ("store_not_configured", 503, "未配置微信小店（WECHAT_STORE_APPID）")
    NOT_BOUND = ("store_not_bound", 409, "尚未连接微信小店，请先在「微信小店」页面连接")
    UNAVAILABLE = ("store_unavailable", 503, "微信小店接口暂不可用，请稍后重试")
    CHANNELS_LIMIT = ("store_channels_limit", 409, "已达到该店铺类型可绑定的视频号数量上限")
    CHANNELS_DUPLICATE = ("store_channels_duplicate", 409, "该视频号已绑定")
    CHANNELS_INVALID = ("store_channels_invalid", 400, "视频号 ID 格式不正确（应以 sph 开头）")
    CATEGORY_NOT_MAPPED = ("store_category_not_mapped", 409, "商品分类尚未对应到微信小店类目")
    CATEGORY_RESTRICTED = (
        "store_category_restricted",
        409,
        "个人店不能经营该类目（如食品、美妆），请升级为企业店",
    )
    PAYMENT_LIMIT = (
        "store_personal_payment_limit",
        409,
        "个人店的支付额度受限于个人银行卡交易限额，该商品价格超过单笔限额，未推送到微信小店",
    )
    COMPLIANCE_BLOCKED = ("store_compliance_blocked", 409, "商品文案未通过合规检查，未推送到微信小店")
    PRODUCT_INCOMPLETE = ("store_product_incomplete", 409, "商品信息不完整，不能推送到微信小店")
    NOT_SYNCED = ("store_not_synced", 409, "该商品尚未同步到微信小店")
    REFUND_INVALID = (
        "store_refund_invalid",
        400,
        "退款的商品、数量或金额不正确（不能超过可退数量和实付金额）",
    )
    REFUND_FORM_EXPIRED = ("store_refund_form_expired", 400, "退款表单已失效，请刷新页面后重试")
    LOST_ADD_UNRESOLVED = (
        "store_lost_add_unresolved",
        409,
        "上次在微信小店创建该商品的应答丢失，且未能在小店商品中找到它：请在小店后台核对，避免重复创建",
    )
    WAYBILL_REQUIRED = ("store_waybill_required", 400, "微信小店订单发货需要填写物流公司和运单号")
    ORDER_NOT_FROM_STORE = ("store_order_not_from_store", 409, "该订单不是微信小店订单")
