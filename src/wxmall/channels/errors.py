"""Error codes of the channels app (content commerce): shown in the console and the API."""

from wxmall.core.errors import ErrorCode


class ChannelsError(ErrorCode):
    SESSION_ENDED = ("channels_session_ended", 409, "直播已结束，不能再修改货架或讲解商品")
    SESSION_UNKNOWN = ("channels_session_unknown", 404, "直播场次不存在")
    NO_MP_OPENID = ("channels_no_mp_openid", 409, "请先在小程序中登录，才能收到开播提醒")
    NOT_ON_SHELF = ("channels_not_on_shelf", 409, "该商品不在本场直播的货架上")
    SHELF_FULL = ("channels_shelf_full", 409, "直播货架商品数已达上限")
    PRODUCT_UNKNOWN = ("channels_product_unknown", 404, "商品不存在或已下架")
    RULE_INVALID = (
        "channels_rule_invalid",
        400,
        "佣金规则不正确：比例须在 0–90% 之间，固定金额须大于 0，阶梯须按门槛递增",
    )
    RULE_SCOPE = ("channels_rule_scope", 400, "佣金规则须且只能指定一个商品或一个分类")
    SHARER_UNKNOWN = ("channels_sharer_unknown", 404, "分享员不存在或已解绑")
    RECEIVER_MISSING = ("channels_receiver_missing", 409, "分享员尚未添加为分账接收方")
    REAL_NAME_INVALID = (
        "channels_real_name_invalid",
        400,
        "请填写分享员本人的真实姓名（2–32 个字，不含数字和符号），并确认已取得其同意",
    )
    REAL_NAME_MISSING = (
        "channels_real_name_missing",
        409,
        "转账金额达到 2000 元，微信支付要求收款人实名：请先登记分享员的真实姓名（须经本人同意）后重新结算",
    )
    COMMISSION_UNKNOWN = ("channels_commission_unknown", 404, "佣金记录不存在")
    COMMISSION_STATE = ("channels_commission_state", 409, "佣金当前状态不允许该操作")
    PERIOD_INVALID = ("channels_period_invalid", 400, "对账周期不正确（格式 YYYY-MM，且不能晚于本月）")
    COUPON_TAKEN = ("channels_coupon_taken", 409, "您已领取过该奖励券")
    COUPON_WINDOW = ("channels_coupon_window", 409, "优惠券不在可领取时间内")
    CHALLENGE_UNKNOWN = ("channels_challenge_unknown", 404, "话题挑战不存在")
    CHALLENGE_CLOSED = ("channels_challenge_closed", 409, "话题挑战未开始或已结束")
    CHALLENGE_NO_POST = ("channels_challenge_no_post", 409, "未找到您在该话题下发布的作品")
    CHALLENGE_REWARD_GONE = ("channels_challenge_reward_gone", 409, "奖励券已停用或已过期，请联系商家")
    ENTRY_INVALID = ("channels_entry_invalid", 400, "填写的内容不完整或过长：类型、标题、ID 和时间必填")
    LIVE_DUPLICATE = ("channels_live_duplicate", 409, "该微信直播已关联到另一场次")
    VIDEO_DUPLICATE = ("channels_video_duplicate", 409, "该短视频已登记")
    ALLIANCE_RATIO = ("channels_alliance_ratio", 400, "联盟佣金比例须为 1–90 的整数")
