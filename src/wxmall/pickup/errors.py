"""Why a pickup operation was refused. Value: (wire code, HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class PickupError(ErrorCode):
    STORE_NOT_FOUND = ("pickup_store_not_found", 404, "自提门店不存在或已停用")
    CHOOSE_ONE = ("pickup_or_address_required", 400, "请选择收货地址或自提门店（二选一）")
    INVALID_CODE = ("pickup_code_invalid", 400, "核销码应为 12 位数字")
    CODE_NOT_FOUND = ("pickup_code_not_found", 404, "核销码不存在，请核对后重试")
    CODE_USED = ("pickup_code_used", 409, "该核销码已核销，不能重复使用")
    CODE_VOIDED = ("pickup_code_voided", 409, "订单已退款或取消，核销码已失效")
    NOT_VERIFIABLE = ("pickup_order_not_verifiable", 409, "订单当前状态不能核销（可能正在退款）")
    NOT_VERIFIED = ("pickup_not_verified", 409, "自提订单须在门店核销后才能完成")
    DELIVERY_NOT_SHIPPED = ("pickup_delivery_not_shipped", 409, "快递订单须发货、签收后才能完成")
    NO_SHIPPING = ("pickup_order_not_shippable", 409, "门店自提订单无需发货")
    NOT_PICKUP = ("pickup_order_not_found", 404, "该订单不是门店自提订单")
    NOT_PERMITTED = ("pickup_verify_not_permitted", 403, "没有核销自提订单的权限")
