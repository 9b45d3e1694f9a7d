"""Why a customers-desk action was refused (form input errors are the forms' own Chinese messages)."""

from wxmall.core.errors import ErrorCode


class CustomerError(ErrorCode):
    CUSTOMER_NOT_FOUND = ("customer_not_found", 404, "顾客不存在")
    SEGMENT_NAME_TAKEN = ("segment_name_taken", 409, "已有同名分群")
    SEGMENT_EMPTY = ("segment_empty", 409, "该分群当前没有顾客，未发放")
    CAMPAIGN_COUPON_UNUSABLE = ("campaign_coupon_unusable", 409, "优惠券已停用或已过期，不能发放")
    OA_NOT_CONFIGURED = ("oa_not_configured", 409, "未配置微信公众号，不能群发")
    NO_FOLLOWERS = ("segment_no_followers", 409, "该分群中没有关注公众号的顾客，未群发")
