from wxmall.core.errors import ErrorCode


class MarketingError(ErrorCode):
    LINK_NOT_FOUND = ("marketing_link_not_found", 404, "推广链接不存在")
    NOT_A_MINI_PROGRAM_LINK = ("marketing_not_mini_program", 400, "该链接没有设置小程序页面")
    OTHER_MINI_PROGRAM = ("marketing_other_mini_program", 400, "该链接的小程序不是本店已接入的小程序")
    BAD_MP_KIND = ("marketing_bad_mp_kind", 400, "只能生成 URL Link 或 URL Scheme")
    WECHAT_REFUSED = ("marketing_wechat_refused", 502, "微信未能生成小程序链接，请稍后重试")
