"""What the review queue guards: the models whose copy is published, named by label so compliance
imports none of them (the other apps depend on compliance, not the reverse). `user_facing` copy is
shown to buyers as the shop's words (coupons, OA replies, campaigns) and also goes to msg_sec_check."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class Subject:
    label: str  # app_label.modelname
    name: str  # for people
    fields: tuple[str, ...]
    context: str  # actions.CONTEXTS
    user_facing: bool
    # False when the copy is not plain fields a reviewer can rewrite (a menu's names map to buttons):
    # it is approved or rejected here and changed in its own editor.
    editable: bool = True
    edit_hint: str = ""


SUBJECTS: dict[str, Subject] = {
    s.label: s
    for s in (
        Subject(
            "catalog.product", "商品", ("title", "subtitle", "description"), "product_description", False
        ),
        Subject("checkout.coupon", "优惠券", ("name",), "coupon", True),
        Subject("checkout.flashsale", "限时抢购", ("title",), "campaign", True),
        Subject(
            "officialaccount.replyrule", "公众号回复", ("text", "title", "description"), "oa_reply", True
        ),
        Subject("marketing.link", "推广链接", ("name",), "campaign", True),
        Subject(
            "officialaccount.menuversion",
            "公众号菜单",
            ("names",),
            "oa_reply",
            True,
            editable=False,
            edit_hint="菜单名称请在“自定义菜单”页面修改后重新发布",
        ),
    )
}


def installed() -> list[Subject]:
    return [s for s in SUBJECTS.values() if s.label.split(".")[0] in apps.app_configs]


def model(subject: Subject):
    return apps.get_model(subject.label)


def subject_of(obj) -> Subject | None:
    return SUBJECTS.get(obj._meta.label_lower)


def copy_of(subject: Subject, obj) -> dict[str, str]:
    return {f: str(getattr(obj, f, "") or "") for f in subject.fields}


def digest(copy: dict[str, str]) -> str:
    """What a verdict is pinned to: the exact copy, field by field."""
    return hashlib.sha256(json.dumps(copy, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
