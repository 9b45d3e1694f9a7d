"""Why a shipping or freight operation was refused. Value: (wire code, HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class FulfilmentError(ErrorCode):
    ORDER_NOT_FOUND = ("fulfilment_order_not_found", 404, "订单不存在")
    NOT_SHIPPABLE = ("fulfilment_not_shippable", 409, "订单未支付、已取消或正在退款，不能发货或填写运单号")
    INVALID_COURIER = ("fulfilment_invalid_courier", 400, "请选择快递公司")
    INVALID_TRACKING = ("fulfilment_invalid_tracking", 400, "运单号应为 6–32 位字母、数字或短横线")
    INVALID_QUANTITY = ("fulfilment_invalid_quantity", 400, "发货数量须为不小于 0 的整数")
    OVER_SHIPPED = ("fulfilment_over_shipped", 409, "发货数量超过该商品未发货的数量")
    NOTHING_TO_SHIP = ("fulfilment_nothing_to_ship", 409, "没有待发货的商品")
    NO_SPLIT = ("fulfilment_no_split", 409, "微信小店和小程序订单须一次发出全部商品，暂不支持拆单发货")
    NOT_PERMITTED = ("fulfilment_not_permitted", 403, "没有发货权限")
    FREIGHT_NOT_PERMITTED = ("freight_not_permitted", 403, "没有管理运费模板的权限")
    UNDELIVERABLE = ("freight_undeliverable", 409, "收货地区不在配送范围内")
    INVALID_TEMPLATE = ("freight_invalid_template", 400, "运费模板填写不完整或格式不正确")
    TEMPLATE_NOT_FOUND = ("freight_template_not_found", 404, "运费模板不存在")
    TEMPLATE_IN_USE = ("freight_template_in_use", 409, "默认模板或仍有商品使用的模板不能删除")
    SYNC_FAILED = ("fulfilment_courier_sync_failed", 502, "未能从微信小店同步快递公司")
