"""Category rules by shop type (the seeds' risk section and the Store reference §3): a personal shop
(个体/个人) may not sell food, cosmetics, medical devices or infant formula, and some categories need a
qualification the merchant must hold (COMPLIANCE_QUALIFICATIONS lists the ones it has, by name).

A local category matches a rule when its name, or an ancestor's, contains one of the rule's words.
Enforced when a product is saved in the console (forms.refuse_restricted_category) and before the Store
sync (queries.category_problem), each with a Chinese reason."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings

PERSONAL, ENTERPRISE = "personal", "enterprise"


@dataclass(frozen=True)
class CategoryRule:
    code: str
    name: str
    words: tuple[str, ...]
    personal_allowed: bool
    qualifications: tuple[str, ...]


RULES: tuple[CategoryRule, ...] = (
    CategoryRule(
        "food", "食品", ("食品", "零食", "饮料", "酒水", "茶叶", "保健食品"), False, ("食品经营许可证",)
    ),
    CategoryRule("cosmetics", "化妆品", ("化妆品", "美妆", "护肤", "彩妆"), False, ("化妆品备案凭证",)),
    CategoryRule(
        "medical", "医疗器械", ("医疗器械", "血压计", "体温计", "血糖仪"), False, ("医疗器械经营备案凭证",)
    ),
    CategoryRule("infant_formula", "婴幼儿配方食品", ("奶粉", "婴幼儿配方"), False, ("食品经营许可证",)),
    # Chargers and power banks are under China Compulsory Certification: any shop needs the CCC certificate.
    CategoryRule(
        "ccc_power", "电源类 3C 产品", ("充电器", "移动电源", "充电宝", "电源适配器"), True, ("3C 认证证书",)
    ),
)


def category_names(category) -> list[str]:
    names, seen = [], set()
    while category is not None and category.pk not in seen:
        seen.add(category.pk)
        names.append(category.name)
        category = category.parent
    return names


def shop_type() -> str:
    """The setting, else the bound Store shop's type, else personal (the stricter rules)."""
    if settings.STORE_SHOP_TYPE:
        return settings.STORE_SHOP_TYPE
    if "store" in apps.app_configs:
        appid = (settings.WECHAT_APPS.get("store") or {}).get("appid", "")
        found = (
            apps.get_model("store", "StoreShop")
            .objects.filter(appid=appid)
            .values_list("shop_type", flat=True)
        )
        if appid and found.exists():
            return found.first()
    return PERSONAL


def problem(names: list[str], shop: str, held: list[str] | None = None) -> str:
    """Why a product in a category with these names may not be sold by this shop ("" when it may)."""
    held_set = set(settings.COMPLIANCE_QUALIFICATIONS if held is None else held)
    for rule in RULES:
        if not any(word in name for name in names for word in rule.words):
            continue
        if shop != ENTERPRISE and not rule.personal_allowed:
            return f"个人店不能经营“{rule.name}”类目，请升级为企业店"
        missing = [q for q in rule.qualifications if q not in held_set]
        if missing:
            return f"经营“{rule.name}”类目需要资质：{'、'.join(missing)}（在 COMPLIANCE_QUALIFICATIONS 中登记已取得的资质）"
    return ""
