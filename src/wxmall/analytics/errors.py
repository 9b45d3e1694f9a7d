from wxmall.core.errors import ErrorCode


class AnalyticsError(ErrorCode):
    FOREIGN_ORIGIN = ("events_foreign_origin", 403, "只接受本站页面上报的事件")
    BOT_REFUSED = ("events_bot_refused", 403, "自动化程序的访问不计入统计")
    EVENTS_RATE_LIMITED = ("events_rate_limited", 429, "事件上报过于频繁，请稍后再试")
    BAD_SPEND_FILE = ("ad_spend_bad_file", 400, "广告花费文件格式不正确")
    EXPERIMENT_NOT_FOUND = ("experiment_not_found", 404, "实验不存在")
    EXPERIMENT_NOT_RUNNING = ("experiment_not_running", 409, "实验已停止或已全量")
    UNKNOWN_VARIANT = ("experiment_unknown_variant", 400, "实验没有这个版本")
    ROLLOUT_NOT_FOUND = ("rollout_not_found", 404, "灰度发布不存在")
    BAD_ROLLOUT_PERCENT = ("rollout_bad_percent", 400, "比例应为 0 至 100 的整数")
    BAD_ROLLOUT_ALLOWLIST = (
        "rollout_bad_allowlist",
        400,
        "白名单应为顾客 ID（数字），以逗号或换行分隔，最多 200 个",
    )
    CAMPAIGN_NOT_FOUND = ("campaign_not_found", 404, "营销活动不存在")
    BAD_CAMPAIGN = ("campaign_invalid", 400, "营销活动填写不正确")
    CAMPAIGN_CODE_TAKEN = ("campaign_code_taken", 409, "活动标识已被其他活动使用")
    CAMPAIGN_ARCHIVED = ("campaign_archived", 409, "活动已归档，不能修改")
    CAMPAIGN_MEMBER_NOT_FOUND = (
        "campaign_member_not_found",
        404,
        "没有找到要关联的链接、优惠券、实验或话题挑战",
    )
