"""Error codes of customer service. Value: (wire code, HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class SupportError(ErrorCode):
    CONVERSATION_NOT_FOUND = ("support_conversation_not_found", 404, "会话不存在")
    WINDOW_EXPIRED = ("support_window_expired", 409, "已超出客服消息时限（用户 48 小时内未互动），无法发送")
    WINDOW_COUNT_EXCEEDED = (
        "support_window_count_exceeded",
        409,
        "本次互动可发送的客服消息已用完，请等待用户再次发言",
    )
    CONVERSATION_CLOSED = ("support_conversation_closed", 409, "会话已关闭")
    CONVERSATION_AT_WECOM = ("support_conversation_at_wecom", 409, "会话已转企业微信客服，请在企业微信中回复")
    INVALID_REPLY = ("support_invalid_reply", 400, "回复内容不能为空且不超过 600 字")
    INVALID_AGENT = ("support_invalid_agent", 400, "请选择一位在职的客服人员")
    WECOM_NOT_CONFIGURED = ("support_wecom_not_configured", 409, "未配置企业微信客服（WECOM_CORP_ID 等）")
    WECOM_FAILED = ("support_wecom_failed", 502, "企业微信客服接口调用失败，请稍后重试")
