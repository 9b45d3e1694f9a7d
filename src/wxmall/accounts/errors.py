"""Why an address-book change was refused. Value: (wire code, HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class AccountError(ErrorCode):
    INVALID_ADDRESS = ("invalid_address", 400, "收货地址信息不完整或格式不正确")
    ADDRESS_NOT_FOUND = ("address_not_found", 404, "收货地址不存在")
    ADDRESS_LIMIT = ("address_limit", 409, "收货地址最多保存 20 个")
