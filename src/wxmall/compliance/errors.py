from wxmall.core.errors import ErrorCode


class ComplianceError(ErrorCode):
    STAFF_ONLY = ("compliance_staff_only", 403, "仅限商家员工使用")
