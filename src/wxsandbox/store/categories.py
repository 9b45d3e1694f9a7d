"""The platform's category tree (a small, realistic computer-goods slice) and its per-leaf rules (§3).

``category/all`` answers each leaf as its chain, leaf first (``{"cat_and_qua": [leaf, parent, root]}``),
which is how the live API shapes ``cats_v2``. Food and cosmetics leaves are *restricted*: they need a
qualification (``qua.need_to_apply``), and a personal shop (个体工商户) may not use them (10020018).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import AppConfig
from wxsandbox.store import settings as store_settings
from wxsandbox.store.errors import StoreError
from wxsandbox.store.http import id_of, store_api


@dataclass(frozen=True)
class Category:
    cat_id: str
    name: str
    f_cat_id: str  # "0" for a root
    level: int
    product_attrs: tuple[tuple[str, bool], ...] = ()  # (name, required) — product parameters (attrs)
    sale_attrs: tuple[str, ...] = ()  # SKU sale attribute keys (sku_attrs)
    qualification: str = ""  # the licence a restricted category needs ("" = none)
    fee_basis_point: int = 200  # technical service fee, 1/10000
    seven_day_return: bool = True


_PC_ATTRS = (("品牌", True), ("型号", False), ("处理器", False), ("操作系统", False))
_PC_SALE = ("颜色", "内存容量", "存储容量", "版本")
_PART_ATTRS = (("品牌", True), ("型号", False))
_PERIPHERAL_SALE = ("颜色", "版本", "规格")

TREE: tuple[Category, ...] = (
    Category("10000111", "电脑、办公", "0", 1),
    Category("10000113", "电脑整机", "10000111", 2),
    Category("6091", "台式机", "10000113", 3, _PC_ATTRS, _PC_SALE),
    Category("6092", "笔记本", "10000113", 3, _PC_ATTRS, _PC_SALE),
    Category("6093", "一体机", "10000113", 3, _PC_ATTRS, _PC_SALE),
    Category("10000114", "电脑组件", "10000111", 2),
    Category("6101", "显卡", "10000114", 3, _PART_ATTRS, ("显存容量", "版本")),
    Category("6102", "内存", "10000114", 3, _PART_ATTRS, ("内存容量", "规格")),
    Category("6103", "固态硬盘", "10000114", 3, _PART_ATTRS, ("存储容量", "规格")),
    Category("6104", "CPU", "10000114", 3, _PART_ATTRS, ("版本",)),
    Category("10000115", "外设产品", "10000111", 2),
    Category("6111", "键盘", "10000115", 3, _PART_ATTRS, _PERIPHERAL_SALE),
    Category("6112", "鼠标", "10000115", 3, _PART_ATTRS, _PERIPHERAL_SALE),
    Category("6113", "显示器", "10000115", 3, _PART_ATTRS, ("尺寸", "版本")),
    Category("6114", "数据线", "10000115", 3, (("品牌", False),), ("颜色", "规格")),
    Category("10000200", "食品饮料", "0", 1),
    Category("10000201", "休闲食品", "10000200", 2),
    Category(
        "6201",
        "坚果炒货",
        "10000201",
        3,
        (("品牌", True), ("保质期", True), ("生产许可证编号", True)),
        ("规格", "口味"),
        qualification="食品经营许可证",
        fee_basis_point=100,
        seven_day_return=False,
    ),
    Category("10000300", "美妆护肤", "0", 1),
    Category("10000301", "面部护肤", "10000300", 2),
    Category(
        "6301",
        "面霜",
        "10000301",
        3,
        (("品牌", True), ("功效", False), ("备案号", True)),
        ("规格",),
        qualification="化妆品备案凭证",
        fee_basis_point=300,
        seven_day_return=False,
    ),
)
BY_ID = {c.cat_id: c for c in TREE}
_PARENTS = {c.f_cat_id for c in TREE}


def is_leaf(category: Category) -> bool:
    return category.cat_id not in _PARENTS


def is_restricted(category: Category) -> bool:
    return bool(category.qualification)


def chain(leaf: Category) -> list[Category]:
    """Leaf first, up to the root."""
    found = [leaf]
    while found[-1].f_cat_id != "0":
        found.append(BY_ID[found[-1].f_cat_id])
    return found


def _qua(category: Category) -> dict[str, Any]:
    if not category.qualification:
        return {"qua_id": "0", "need_to_apply": False, "tips": "", "mandatory": False, "name": ""}
    return {
        "qua_id": "9" + category.cat_id,
        "need_to_apply": True,
        "tips": f"需上传{category.qualification}",
        "mandatory": True,
        "name": category.qualification,
    }


def _entry(category: Category) -> dict[str, Any]:
    return {
        "cat": {
            "cat_id": category.cat_id,
            "name": category.name,
            "f_cat_id": category.f_cat_id,
            "level": category.level,
            "leaf": is_leaf(category),
        },
        "qua": _qua(category),
        "product_qua": {"need_to_apply": False},
        "product_qua_list": [],
        "brand_qua": {"need_to_apply": False},
    }


def usable(sandbox: Any, category: Category) -> bool:
    """Whether the shop may list products in ``category`` (personal shops: no restricted categories)."""
    return not (is_restricted(category) and store_settings.load(sandbox).shop_type == "personal")


def leaf_path(sandbox: Any, cats: Any) -> Category:
    """Validate a product's ``cats_v2`` path (root → leaf, three levels) and return its leaf."""
    if not isinstance(cats, list) or not cats:
        raise StoreError(10020017)
    if len(cats) != 3:
        raise StoreError(10020011)
    ids = []
    for item in cats:
        if not isinstance(item, dict):
            raise StoreError(47001, "cats_v2")
        ids.append(id_of(item.get("cat_id"), 10020017))
    leaf = BY_ID.get(ids[-1])
    if leaf is None or not is_leaf(leaf) or [c.cat_id for c in reversed(chain(leaf))] != ids:
        raise StoreError(10020017)
    if not usable(sandbox, leaf):
        raise StoreError(10020018)
    return leaf


def detail(category: Category) -> dict[str, Any]:
    attr = {
        "shop_no_shipment": False,
        "access_permit_required": is_restricted(category),
        "pre_sale": not is_restricted(category),
        "seven_day_return": category.seven_day_return,
        "is_limit_brand": False,
        "brand_list": [],
        "product_attr_list": [
            {
                "name": name,
                "type": "string",
                "type_v2": "input",
                "value": "",
                "is_required": required,
                "hint": f"请填写{name}",
                "append_allowed": True,
            }
            for name, required in category.product_attrs
        ],
        "sale_attr_list": [
            {
                "name": name,
                "type": "string",
                "type_v2": "select",
                "value": "",
                "is_required": False,
                "hint": f"请选择{name}",
                "append_allowed": True,
            }
            for name in category.sale_attrs
        ],
        "transactionfee_info": {
            "basis_point": category.fee_basis_point,
            "original_basis_point": category.fee_basis_point,
            "incentive_type": 0,
        },
        "coupon_rule": {"discount_ratio_limit": 8000, "discount_limit": 20000},
        "deposit": 200000 if is_restricted(category) else 0,
        "floor_price": 0,
        "confirm_receipt_days": [7, 10, 15],
        "product_requirement": {
            "product_title_requirement": "标题需包含品牌和型号",
            "product_img_requirement": "主图需为白底实物图",
            "product_desc_requirement": "",
        },
        "size_chart": {"is_support": False, "item_list": []},
        "is_confidence_require_bad_must_pay": False,
    }
    quas = [_qua(category) | {"qua_id": "8" + category.cat_id}] if is_restricted(category) else []
    return {
        "info": {"cat_id": category.cat_id, "name": category.name},
        "attr": attr,
        "product_qua_list": quas,
    }


# -- endpoints ------------------------------------------------------------------------------------------------


@store_api(get_ok=True)
async def category_all(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    leaves = [{"cat_and_qua": [_entry(c) for c in chain(leaf)]} for leaf in TREE if is_leaf(leaf)]
    return {"cats": leaves, "cats_v2": leaves}


@store_api()
async def available_sons(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    parent = data.get("f_cat_id", 0)
    parent_id = "0" if parent in (0, "0") else id_of(parent, 10020017)
    if parent_id != "0" and parent_id not in BY_ID:
        raise StoreError(10020017)
    sons = [
        {"cat_id": c.cat_id, "name": c.name, "f_cat_id": c.f_cat_id, "leaf": is_leaf(c)}
        for c in TREE
        if c.f_cat_id == parent_id
    ]
    return {"cat_list": sons, "cat_list_v2": sons}


@store_api()
async def category_detail(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    category = BY_ID.get(id_of(data.get("cat_id"), 10020017) or "")
    if category is None:
        raise StoreError(10020017)
    return detail(category)


@store_api(get_ok=True)
async def category_list(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    """The leaf categories this shop may use (``qua_id`` of the qualification it holds, "0" if none)."""
    return {
        "list": [
            {"cat_id": c.cat_id, "qua_id": _qua(c)["qua_id"]}
            for c in TREE
            if is_leaf(c) and usable(sandbox, c)
        ]
    }


routes = [
    Route("/channels/ec/category/all", category_all, methods=["GET", "POST"], name="store.category.all"),
    Route(
        "/channels/ec/category/availablesoncategories/get",
        available_sons,
        methods=["GET", "POST"],
        name="store.category.sons",
    ),
    Route(
        "/channels/ec/category/detail", category_detail, methods=["GET", "POST"], name="store.category.detail"
    ),
    Route(
        "/channels/ec/category/list/get", category_list, methods=["GET", "POST"], name="store.category.list"
    ),
]
