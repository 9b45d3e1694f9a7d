from wxmall.core.errors import ErrorCode


class MarketingError(ErrorCode):
    LINK_NOT_FOUND = ("marketing_link_not_found", 404, "推广链接不存在")
    NOT_A_MINI_PROGRAM_LINK = ("marketing_not_mini_program", 400, "该链接没有设置小程序页面")
    OTHER_MINI_PROGRAM = ("marketing_other_mini_program", 400, "该链接的小程序不是本店已接入的小程序")
    BAD_MP_KIND = ("marketing_bad_mp_kind", 400, "只能生成 URL Link 或 URL Scheme")
    WECHAT_REFUSED = ("marketing_wechat_refused", 502, "微信未能生成小程序链接，请稍后重试")
    MP_SCENE_TOO_LONG = (
        "marketing_mp_scene_too_long",
        400,
        "小程序码参数（页面参数加 wxl=短码）最多 32 个字符，请缩短小程序页面的参数",
    )
    MP_BAD_SCENE = (
        "marketing_mp_bad_scene",
        400,
        "小程序码参数只能包含字母、数字和 !#$&'()*+,/:;=?@-._~ 这些符号",
    )
    MP_PAGE_NOT_RELEASED = ("marketing_mp_page_not_released", 400, "小程序页面不存在或尚未发布")
    MP_CODE_QUOTA = ("marketing_mp_code_quota", 429, "小程序码生成过于频繁，请一分钟后再试")
    MP_CODE_REFUSED = ("marketing_mp_code_refused", 502, "微信未能生成小程序码，请稍后重试")
    MP_ENTRY_NOT_FOUND = ("marketing_mp_entry_not_found", 404, "该 URL Link 不存在")
    MP_ENTRY_UNKNOWN_TO_WECHAT = (
        "marketing_mp_entry_unknown",
        404,
        "微信查不到该 URL Link（可能不是本店小程序生成的）",
    )
    MP_QUERY_FAILED = ("marketing_mp_query_failed", 502, "微信未能查询该链接，请稍后重试")
