"""Why an order operation was refused. Value: (HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class OrderError(ErrorCode):
    # Also for another customer's order: never reveal that an order number exists.
    NOT_FOUND = (404, "订单不存在")
    ILLEGAL_TRANSITION = (409, "订单当前状态不允许此操作")
    TRANSITION_NOT_PERMITTED = (403, "您无权对该订单执行此操作")
    AMOUNT_MISMATCH = (409, "支付金额与订单金额不一致")
    PAID_BY_OTHER_TRANSACTION = (409, "订单已由另一笔支付完成")
    INVALID_STATUS = (400, "订单状态参数不正确")
