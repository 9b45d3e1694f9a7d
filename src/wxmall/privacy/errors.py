from wxmall.core.errors import ErrorCode


class PrivacyError(ErrorCode):
    NOT_A_CUSTOMER = ("privacy_not_a_customer", 404, "用户不存在")
    STAFF_ACCOUNT = ("privacy_staff_account", 409, "员工账号不能在此处理，请在管理后台操作")
    ALREADY_ERASED = ("privacy_already_erased", 409, "该用户的个人信息已删除")
