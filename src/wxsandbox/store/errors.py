"""The Store's business error codes (reference §4.5–4.6, §5.4, §6.4, §7.3, §10) on WeChat's JSON envelope.

``StoreError`` is a ``WxError`` (so ``wx_endpoint`` answers it as ``{"errcode", "errmsg": "… rid: …"}`` on
HTTP 200); the common codes (40001, 47001, 48001 …) keep the mp table's English texts, the business codes
carry the Chinese wording the store pages use.
"""

from __future__ import annotations

from wxsandbox.mp.errors import ERRMSG, WxError

STORE_ERRMSG: dict[int, str] = {
    43002: "require POST method",
    76003: "invalid cgi_path",
    76021: "cgi_path not found",
    76022: "no permission to query this cgi_path",
    # generic parameters (also reused by after-sales)
    10020000: "id 不合法",
    10020001: "状态不合法",
    10020003: "openid 不合法",
    10020004: "时间范围超过限制",
    # products (§4.6)
    10020008: "商品当前状态不可编辑",
    10020011: "类目路径长度不正确",
    10020012: "销售属性不属于该叶子类目",
    10020013: "sku 数量需在 1-500 之间",
    10020017: "类目不合法",
    10020018: "店铺没有该类目的资质",
    10020020: "标题不能为空",
    10020021: "标题过长",
    10020022: "主图不能为空或数量不足",
    10020023: "主图数量过多",
    10020024: "商品详情过长",
    10020025: "详情图片数量过多",
    10020026: "详情文字过长",
    10020027: "资质图片数量过多",
    10020028: "sku 价格过高",
    10020029: "sku 编码过长",
    10020031: "同一属性的值超过 100 个",
    10020032: "属性键过长",
    10020033: "属性值过长",
    10020035: "图片或视频链接需以 mmecimage.cn/p/ 开头",
    10020036: "out_product_id 过长",
    10020037: "out_sku_id 过长",
    10020038: "商品没有 sku，不能上架",
    10020039: "sku 价格不能为 0",
    10020040: "售卖价不能高于市场价",
    10020042: "标题过短",
    10020045: "标题不能只有数字、字母或符号",
    10020050: "没有该商品的权限",
    10020051: "参数错误",
    10020052: "商品不存在或从未上架",
    10020067: "商品上传中",
    10020112: "该 sku 库存更新过于频繁",
    10020217: "商品草稿审核中",
    10020218: "库存变化量不能为 0",
    10020219: "库存不足，无法扣减",
    10020289: "商品从未上架",
    # orders and delivery (§5.4)
    100002: "订单不存在",
    100003: "订单更新过于频繁，请重试",
    101100: "订单状态不允许发货",
    108009: "订单有未完成的售后，不能发货",
    109000: "商品或数量不合法",
    109001: "订单已全部发货",
    109002: "没有要发货的商品（product_infos 或 is_all_product）",
    # after-sales (§6.4) and coupons (§7.3)
    10021001: "优惠券状态不对",
    10021003: "优惠券还没过期",
    10021034: "优惠券重入失败",
    10021037: "优惠券不存在",
    10021041: "当前售后状态不支持该操作",
    10021043: "不是本店铺的售后单",
    10021044: "系统繁忙",
    10021045: "退款失败",
    10021046: "商家余额不足",
    10021050: "售后单不存在",
    10021051: "纠纷处理中",
    10021057: "售后单不存在",
    10021058: "退货需要填写退货地址 address_id",
    10021059: "同一订单一分钟内只能退款一次",
    10021060: "缺少退货地址",
    10021062: "退货地址不合法",
    10021068: "请先与买家协商再拒绝",
    # compass (§8.8; the not-ready code is a sandbox choice, settings.compass_not_ready_errcode)
    10024001: "数据尚未产出，请稍后再试",
    # sharers (§8.3)
    10070000: "微信号不合法",
    10070001: "该用户已是本店分享员",
    10070002: "分享员数量已达上限",
    10070004: "openid 不合法或不是本店分享员",
    10070005: "该用户已是店铺分享员",
    10070006: "参数错误",
    # promoters and alliance items (§8.4–8.5)
    10023000: "参数错误",
    10023001: "finder_id 不合法",
    10023004: "24 小时内已邀请过该达人",
    10023005: "当前状态不允许该操作",
    10023006: "达人已接受邀请",
    10023100: "计划类型错误",
    10023101: "product_id 重复",
    10023102: "数量超过限制",
    10023103: "商品不存在",
    10023104: "商品未上架",
    10023105: "普通/定向推广与专属推广互斥",
    10023106: "定向推广需先有生效的普通推广",
}


class StoreError(WxError):
    """A ``/channels/ec/*`` error; ``detail`` (e.g. the offending field) is appended to the message."""

    @property
    def errmsg_base(self) -> str:
        text = STORE_ERRMSG.get(self.errcode) or ERRMSG.get(self.errcode, "error")
        return f"{text} {self.detail}".rstrip() if self.detail else text
