from wxmall.core.errors import ErrorCode


class CustomerError(ErrorCode):
    CUSTOMER_NOT_FOUND = ("customer_not_found", 404, "顾客不存在")
    SEGMENT_NAME_REQUIRED = ("segment_name_required", 400, "请填写分群名称（不超过 40 个字）")
    SEGMENT_NAME_TAKEN = ("segment_name_taken", 409, "已有同名分群")
    SEGMENT_BAD_NUMBER = ("segment_bad_number", 400, "条件中的金额或天数格式不正确")
    SEGMENT_BAD_BAND = ("segment_bad_band", 400, "下限不能高于上限")
    SEGMENT_EMPTY = ("segment_empty", 409, "该分群当前没有顾客，未发放")
    CAMPAIGN_COUPON_UNUSABLE = ("campaign_coupon_unusable", 409, "优惠券已停用或已过期，不能发放")
