"""Why an after-sales operation was refused. Value: (wire code, HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class AfterSaleError(ErrorCode):
    NOT_FOUND = ("aftersale_not_found", 404, "售后申请不存在")
    NOT_ALLOWED = ("aftersale_not_allowed", 409, "订单当前状态不能申请售后")
    ALREADY_OPEN = ("aftersale_already_open", 409, "该订单已有处理中的售后申请")
    RETURN_NOT_SHIPPED = ("aftersale_return_not_shipped", 409, "订单尚未发货，请选择「仅退款」")
    NOT_REFUNDABLE = ("aftersale_not_refundable", 409, "该订单没有可原路退回的微信支付，请联系客服")
    INVALID_AMOUNT = ("aftersale_invalid_amount", 400, "退款金额须大于 0 且不超过可退金额")
    INVALID_REQUEST = ("aftersale_invalid_request", 400, "请选择售后类型和原因，描述最多 200 字")
    TOO_MANY_PHOTOS = ("aftersale_too_many_photos", 400, "上传的图片过多")
    PHOTO_TOO_BIG = ("aftersale_photo_too_big", 400, "图片过大")
    NOT_AN_IMAGE = ("aftersale_not_an_image", 400, "上传的文件不是有效的图片（支持 JPEG、PNG、WebP）")
    ALREADY_DECIDED = ("aftersale_already_decided", 409, "该售后申请已处理，不能重复操作")
    REASON_REQUIRED = ("aftersale_reason_required", 400, "请填写处理说明（最多 200 字）")
    INVALID_RETURN = ("aftersale_invalid_return", 400, "请选择退货快递公司并填写 6–32 位运单号")
    NOT_PERMITTED = ("aftersale_not_permitted", 403, "没有处理售后申请的权限")
