"""Why the Official Account side refused something. Value: (wire code, HTTP status, Chinese message).
The message server answers these as plain text (WeChat shows nothing of it to users)."""

from wxmall.core.errors import ErrorCode


class OfficialAccountError(ErrorCode):
    UNKNOWN_ACCOUNT = ("oa_unknown_account", 404, "不是本系统的公众号")
    BAD_SIGNATURE = ("oa_bad_signature", 403, "签名校验失败")
    STALE_TIMESTAMP = ("oa_stale_timestamp", 403, "时间戳超出允许范围")
    BAD_MESSAGE = ("oa_bad_message", 400, "消息格式不正确")
    WRONG_RECIPIENT = ("oa_wrong_recipient", 400, "消息的接收方不是本公众号")
    TOO_LARGE = ("oa_message_too_large", 413, "消息体过大")
    NOT_READY = ("oa_server_not_configured", 503, "公众号消息服务器尚未配置")
    INVALID_PATTERN = ("oa_invalid_pattern", 400, "关键词规则不合法")
    REPLY_BLOCKED = ("oa_reply_blocked", 400, "回复内容包含违规词")
