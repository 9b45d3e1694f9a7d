"""Why an invoice operation was refused. Value: (wire code, HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class InvoiceError(ErrorCode):
    ORDER_NOT_FOUND = ("invoice_order_not_found", 404, "订单不存在")
    ORDER_UNPAID = ("invoice_order_unpaid", 409, "订单尚未支付，支付后才能开票")
    ORDER_REFUNDED = ("invoice_order_refunded", 409, "订单已全额退款，无需开票")
    ORDER_TOO_OLD = ("invoice_order_too_old", 409, "订单完成已超过可开票期限")
    ALREADY_INVOICED = ("invoice_already_requested", 409, "该订单已申请过发票")
    MIXED_CUSTOMERS = ("invoice_mixed_customers", 400, "合并开票的订单必须属于同一位顾客")
    TOO_MANY_ORDERS = ("invoice_too_many_orders", 400, "一次最多合并 20 个订单开票")
    TITLE_NAME_MISSING = ("invoice_title_name_missing", 400, "请填写发票抬头")
    TAX_ID_INVALID = ("invoice_tax_id_invalid", 400, "纳税人识别号不正确")
    SPECIAL_NEEDS_COMPANY = ("invoice_special_needs_company", 400, "增值税专用发票只能开给单位")
    SPECIAL_NEEDS_DETAILS = (
        "invoice_special_needs_details",
        400,
        "增值税专用发票须填写单位地址、电话、开户银行和银行账号",
    )
    FIELD_TOO_LONG = ("invoice_field_too_long", 400, "发票信息过长")
    NOT_FOUND = ("invoice_not_found", 404, "发票不存在")
    NOT_RETRYABLE = ("invoice_not_retryable", 409, "只有开票失败或一直在开票中的发票可以重试")
    NOT_ISSUED = ("invoice_not_issued", 409, "发票尚未开具")
    WECHAT_UNAVAILABLE = ("invoice_wechat_unavailable", 502, "微信卡包暂时不可用，请稍后再试")
    WECHAT_DONE = ("invoice_wechat_done", 409, "该发票已在微信卡包中或已被拒绝")
