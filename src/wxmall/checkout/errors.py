"""Why a cart change, quote or order placement was refused. Value: (wire code, HTTP status, Chinese
message). The address book's codes are in `accounts.errors`."""

from wxmall.core.errors import ErrorCode


class CheckoutError(ErrorCode):
    INVALID_QUANTITY = ("invalid_quantity", 400, "购买数量不正确")
    EMPTY_ORDER = ("empty_order", 400, "请选择要购买的商品")
    PRICE_NOT_ACCEPTED = ("price_not_accepted", 400, "价格由服务器计算，请勿提交价格字段")
    NOTE_TOO_LONG = ("note_too_long", 400, "留言不能超过 200 个字")
    INVALID_NOTE = ("invalid_note", 400, "留言不能包含控制字符或文字方向控制字符")
    INVALID_IDEMPOTENCY_KEY = ("invalid_idempotency_key", 400, "提交标识不正确")
    CART_FULL = ("cart_full", 409, "购物车已满，请先结算或删除部分商品")
    SKU_NOT_FOUND = ("sku_not_found", 404, "商品不存在")
    SKU_UNAVAILABLE = ("sku_unavailable", 409, "商品已下架或暂不可售")
    OUT_OF_STOCK = ("out_of_stock", 409, "商品库存不足")
    COUPON_NOT_FOUND = ("coupon_not_found", 404, "优惠券不存在")
    COUPON_INACTIVE = ("coupon_inactive", 409, "优惠券已停用")
    COUPON_NOT_STARTED = ("coupon_not_started", 409, "优惠券尚未生效")
    COUPON_EXPIRED = ("coupon_expired", 409, "优惠券已过期")
    COUPON_THRESHOLD_NOT_MET = ("coupon_threshold_not_met", 409, "未达到优惠券使用门槛")
    COUPON_EXHAUSTED = ("coupon_exhausted", 409, "优惠券已被领完")
    POINTS_OVER_LIMIT = ("checkout_points_over_limit", 409, "使用积分超过本单可抵扣上限")
    COUPON_USER_LIMIT = ("coupon_user_limit", 409, "您已达到该优惠券的使用次数上限")
    COUPON_CODE_TAKEN = ("coupon_code_taken", 409, "券码已被使用，请换一个")
    COUPON_NOT_GRANTED = ("coupon_not_granted", 409, "该优惠券仅限已领取的顾客使用")
    COUPON_ALREADY_CLAIMED = ("coupon_already_claimed", 409, "您已领取过该优惠券")
    COUPON_NOT_CLAIMABLE = ("coupon_not_claimable", 404, "领券活动不存在或已结束")
    COUPON_CLAIMS_EXHAUSTED = ("coupon_claims_exhausted", 409, "优惠券已被领完")
    COUPON_NOT_WITH_FLASH_SALE = ("coupon_not_with_flash_sale", 409, "秒杀商品不能使用优惠券")
    FLASH_SALE_NOT_FOUND = ("flash_sale_not_found", 404, "秒杀活动不存在")
    FLASH_SALE_NOT_ACTIVE = ("flash_sale_not_active", 409, "秒杀活动未开始或已结束")
    FLASH_SALE_SOLD_OUT = ("flash_sale_sold_out", 409, "秒杀商品已抢光")
    FLASH_SALE_USER_LIMIT = ("flash_sale_user_limit", 409, "超出秒杀每人限购数量")
    FLASH_SALE_ITEM_MISMATCH = ("flash_sale_item_mismatch", 400, "订单中没有该秒杀活动的商品")
    FLASH_TICKET_NOT_FOUND = ("flash_ticket_not_found", 404, "排队记录不存在或已过期")
    FLASH_SALE_BUSY = ("flash_sale_busy", 503, "抢购人数过多，请稍后再试")
