from wxmall.core.errors import ErrorCode


class GrowthError(ErrorCode):
    DEAL_NOT_FOUND = ("group_deal_not_found", 404, "拼团活动不存在或已结束")
    GROUP_NOT_FOUND = ("group_not_found", 404, "团不存在")
    GROUP_CLOSED = ("group_closed", 409, "该团已成团或已结束，无法加入")
    GROUP_FULL = ("group_full", 409, "该团名额已满")
    ALREADY_JOINED = ("group_already_joined", 409, "你已参加过这个团")
    BAD_DEAL = ("group_deal_invalid", 400, "拼团设置不正确：拼团价须低于原价，成团人数 2–50，时限 1–72 小时")
    DEAL_SIZE_LOCKED = ("group_deal_size_locked", 409, "该活动还有拼团中的团，不能修改成团人数")
    CAMPAIGN_NOT_FOUND = ("referral_campaign_not_found", 404, "邀请活动不存在")
    BAD_CAMPAIGN = ("referral_campaign_invalid", 400, "邀请活动设置不正确")
    CAMPAIGN_NOT_STARTABLE = ("referral_campaign_not_startable", 409, "该邀请活动当前不能开始")
    CAMPAIGN_COPY_BLOCKED = ("referral_copy_blocked", 422, "活动文案或机制含诱导分享内容，不能开始")
    CAMPAIGN_NOT_RUNNING = ("referral_campaign_not_running", 409, "邀请活动未在进行中")
    SELF_INVITE = ("referral_self_invite", 400, "不能邀请自己")
    NOT_NEW_CUSTOMER = ("referral_not_new_customer", 409, "只有尚未下过单的新顾客可以接受邀请")
