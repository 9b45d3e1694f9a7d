"""Why a payment operation was refused. Value: (wire code, HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class PaymentError(ErrorCode):
    NOT_PAYABLE = ("payment_not_payable", 409, "订单当前状态不能支付")
    METHOD_UNAVAILABLE = ("payment_method_unavailable", 400, "当前环境不支持该支付方式")
    OPENID_MISSING = ("payment_openid_missing", 400, "请先用微信登录后再支付")
    GATEWAY_ERROR = ("payment_gateway_error", 502, "微信支付暂时不可用，请稍后再试")
    OFFLINE_NOT_PERMITTED = ("payment_offline_not_permitted", 403, "没有登记线下收款的权限")
    OFFLINE_IN_FLIGHT = (
        "payment_offline_in_flight",
        409,
        "该订单有进行中的微信支付，不能登记线下收款；请等待支付结果或订单超时关闭",
    )
    OFFLINE_INVALID = (
        "payment_offline_invalid",
        400,
        "请填写收款说明（最多 100 字）和收款凭证号（最多 64 字）",
    )
    REFUND_NOT_ALLOWED = ("payment_refund_not_allowed", 409, "订单当前状态不能退款")
    REFUND_TOO_MUCH = ("payment_refund_too_much", 409, "退款金额超过可退金额")
    REFUND_INVALID_AMOUNT = ("payment_refund_invalid_amount", 400, "退款金额必须大于0")
    NOT_FOUND = ("payment_not_found", 404, "支付单不存在")
