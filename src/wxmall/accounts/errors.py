"""Why an address-book change, a login, link, merge or points operation was refused. Value: (wire code, HTTP status, Chinese message).
Messages never echo what the caller sent."""

from wxmall.core.errors import ErrorCode


class AccountError(ErrorCode):
    INVALID_ADDRESS = ("invalid_address", 400, "收货地址信息不完整或格式不正确")
    REGION_MISMATCH = ("address_region_mismatch", 400, "省、市、区县不匹配，请从列表中重新选择")
    ADDRESS_NOT_FOUND = ("address_not_found", 404, "收货地址不存在")
    ADDRESS_LIMIT = ("address_limit", 409, "收货地址最多保存 20 个")
    OAUTH_STATE_MISMATCH = ("oauth_state_mismatch", 400, "登录请求已失效，请重新进入页面")
    OAUTH_CODE_USED = ("oauth_code_used", 400, "该登录链接已使用过，请重新进入页面")
    OAUTH_CODE_EXPIRED = ("oauth_code_expired", 400, "登录链接已过期，请重新进入页面")
    OAUTH_CODE_INVALID = ("oauth_code_invalid", 400, "登录凭证无效，请重新进入页面")
    OAUTH_DENIED = ("oauth_denied", 400, "您未同意授权，无法使用微信登录")
    WECHAT_UNAVAILABLE = ("login_wechat_unavailable", 503, "微信服务暂时不可用，请稍后再试")
    WECHAT_REFUSED = ("login_wechat_refused", 502, "微信拒绝了本次请求，请稍后再试")
    WECHAT_NOT_CONFIGURED = ("login_wechat_not_configured", 503, "商家尚未配置微信登录")
    MINIPROGRAM_SESSION_INVALID = ("miniprogram_session_invalid", 401, "小程序登录已失效，请重新登录")
    PHONE_CODE_INVALID = ("phone_code_invalid", 400, "手机号授权已失效，请重新授权")
    LINK_BAD_CREDENTIALS = ("link_bad_credentials", 400, "用户名或密码不正确")
    LINK_NOT_WECHAT = ("link_not_wechat", 400, "请先使用微信登录，再关联已有账号")
    MERGE_INTO_SELF = ("merge_into_self", 409, "不能把用户合并到自己")
    MERGE_TARGET_MERGED = ("merge_target_merged", 409, "目标用户已被合并到其他用户")
    MERGE_SOURCE_MERGED = ("merge_source_merged", 409, "该用户已被合并过")
    MERGE_STAFF = ("merge_staff", 409, "员工账号不能参与合并")
    MERGE_NOT_REVERSIBLE = ("merge_not_reversible", 409, "该合并已撤销或已超过可撤销期限")
    MERGE_REVERSE_POINTS_SPENT = ("merge_reverse_points_spent", 409, "合并后积分已被使用，无法撤销合并")
    POINTS_INSUFFICIENT = ("points_insufficient", 409, "积分不足")
    POINTS_INVALID_AMOUNT = ("points_invalid_amount", 400, "积分数量不正确")
