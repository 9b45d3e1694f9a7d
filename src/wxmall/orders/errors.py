"""Why an order operation was refused. Value: (wire code, HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class OrderError(ErrorCode):
    # Also for another customer's order: never reveal that an order number exists.
    NOT_FOUND = ("order_not_found", 404, "订单不存在")
    ILLEGAL_TRANSITION = ("illegal_transition", 409, "订单当前状态不允许此操作")
    TRANSITION_NOT_PERMITTED = ("transition_not_permitted", 403, "您无权对该订单执行此操作")
    AMOUNT_MISMATCH = ("amount_mismatch", 409, "支付金额与订单金额不一致")
    PAID_BY_OTHER_TRANSACTION = ("paid_by_other_transaction", 409, "订单已由另一笔支付完成")
    INVALID_STATUS = ("invalid_status", 400, "订单状态参数不正确")
