"""The custom-menu editor (reference §4.1): 3 top-level buttons × 5 sub-buttons, WeChat's byte limits,
click / view / miniprogram buttons. Every URL the menu opens is the hub's own tracked link (`marketing`),
so menu taps are counted by the redirect; CLICK taps arrive as events and are recorded per follower.

Publishing writes the version and its `menu.create` outbox row in one transaction; what is live is read
back from WeChat (`menu/get`) on the console page.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import transaction

from wxmall.core.validation import CleanCharField
from wxmall.marketing.actions import create_link
from wxmall.wechat.actions import queue_call

from .models import MenuVersion

MAX_TOP, MAX_SUB = 3, 5
TOP_NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES, URL_BYTES = 16, 60, 128, 1024
TYPES = [
    ("", "（有子菜单 / 不用）"),
    ("click", "点击推事件"),
    ("view", "跳转网页"),
    ("miniprogram", "打开小程序"),
]


def slots() -> list[tuple[str, bool]]:
    """(prefix, is_sub) for every button position, top-level ones first in each column."""
    out = []
    for i in range(MAX_TOP):
        out.append((f"b{i}", False))
        out.extend((f"b{i}s{j}", True) for j in range(MAX_SUB))
    return out


class MenuForm(forms.Form):
    """One row of fields per position; a row without a name is absent."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for prefix, _sub in slots():
            self.fields[f"{prefix}_name"] = CleanCharField(max_length=60, required=False)
            self.fields[f"{prefix}_type"] = forms.ChoiceField(choices=TYPES, required=False)
            self.fields[f"{prefix}_key"] = CleanCharField(max_length=128, required=False)
            self.fields[f"{prefix}_url"] = forms.URLField(
                max_length=URL_BYTES, required=False, assume_scheme="https"
            )
            self.fields[f"{prefix}_appid"] = forms.RegexField(regex=r"^wx[0-9a-f]{16}$", required=False)
            self.fields[f"{prefix}_pagepath"] = CleanCharField(max_length=256, required=False)

    def rows(self):
        """For the template: [(top fields, [sub fields…])…], each a dict name → bound field."""

        def bound(prefix):
            return {k: self[f"{prefix}_{k}"] for k in ("name", "type", "key", "url", "appid", "pagepath")}

        return [(bound(f"b{i}"), [bound(f"b{i}s{j}") for j in range(MAX_SUB)]) for i in range(MAX_TOP)]

    def _leaf(self, prefix: str, sub: bool) -> dict | None:
        data = self.cleaned_data
        name, kind = data.get(f"{prefix}_name") or "", data.get(f"{prefix}_type") or ""
        limit = SUB_NAME_BYTES if sub else TOP_NAME_BYTES
        if len(name.encode("utf-8")) > limit:
            self.add_error(f"{prefix}_name", f"名称最多 {limit} 字节（一个汉字 3 字节）")
        button = {"type": kind, "name": name}
        if kind == "click":
            key = data.get(f"{prefix}_key") or ""
            if not key:
                self.add_error(f"{prefix}_key", "点击菜单需要填写 key")
            button["key"] = key
        elif kind in ("view", "miniprogram"):
            if not data.get(f"{prefix}_url"):
                self.add_error(f"{prefix}_url", "需要填写网页地址（小程序菜单为旧版微信的备用网页）")
            button["target"] = data.get(f"{prefix}_url") or ""
            if kind == "miniprogram":
                if not data.get(f"{prefix}_appid") or not data.get(f"{prefix}_pagepath"):
                    self.add_error(f"{prefix}_appid", "小程序菜单需要 AppID 和页面路径")
                button |= {
                    "appid": data.get(f"{prefix}_appid") or "",
                    "pagepath": data.get(f"{prefix}_pagepath") or "",
                }
        else:
            self.add_error(f"{prefix}_type", "请选择菜单类型")
        return button

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        buttons = []
        for i in range(MAX_TOP):
            top = f"b{i}"
            subs = [f"{top}s{j}" for j in range(MAX_SUB) if cleaned.get(f"{top}s{j}_name")]
            if not cleaned.get(f"{top}_name"):
                if subs:
                    self.add_error(f"{top}_name", "有子菜单的一级菜单需要名称")
                continue
            name = cleaned[f"{top}_name"]
            if subs:
                if len(name.encode("utf-8")) > TOP_NAME_BYTES:
                    self.add_error(f"{top}_name", f"名称最多 {TOP_NAME_BYTES} 字节（一个汉字 3 字节）")
                buttons.append({"name": name, "sub_button": [self._leaf(s, True) for s in subs]})
            else:
                buttons.append(self._leaf(top, False))
        if not buttons:
            raise forms.ValidationError("菜单至少需要一个按钮")
        from wxmall.compliance.forms import refuse_blocking_copy

        # Button names are the shop's words to every follower: blocking ad-law hits refuse the menu.
        refuse_blocking_copy(cleaned, {name: "oa_reply" for name in self.fields if name.endswith("_name")})
        self.buttons = buttons
        return cleaned


def _tracked(target: str, position: str) -> str:
    link = create_link(
        target_url=target, name=f"公众号菜单 {position}", channel="oa_menu", content_id=position
    )
    return f"{settings.SITE_URL.rstrip('/')}/l/{link.code}"


def _wechat_button(button: dict, position: str) -> dict:
    if "sub_button" in button:
        return {
            "name": button["name"],
            "sub_button": [
                _wechat_button(b, f"{position}.{j + 1}") for j, b in enumerate(button["sub_button"])
            ],
        }
    out = {k: v for k, v in button.items() if k != "target"}
    if "target" in button:
        out["url"] = _tracked(button["target"], position)
    return out


def _names(buttons: list[dict]) -> str:
    """Every button name, one per line, in menu order: the copy compliance judges."""
    out = []
    for b in buttons:
        out.append(b["name"])
        out.extend(s["name"] for s in b.get("sub_button", ()))
    return "\n".join(out)


def publish(form: MenuForm, staff) -> MenuVersion:
    """Turn the edited menu into WeChat's body (URLs become tracked links), store it (its save files the
    names in the review queue) and, when compliance cleared them, queue the `menu.create` call, all in
    one transaction. Otherwise the version is held until the review queue clears it (`on_copy_cleared`)."""
    from wxmall.compliance.queries import is_cleared

    with transaction.atomic():
        menu = {"button": [_wechat_button(b, str(i + 1)) for i, b in enumerate(form.buttons)]}
        version = MenuVersion.objects.create(
            menu=menu, form_data=dict(form.data.items()), names=_names(form.buttons), created_by=staff
        )
        if is_cleared(version):
            _queue(version)
    return version


def _queue(version: MenuVersion) -> None:
    queue_call("menu.create", version.menu, key=f"menu:{version.pk}")


def hold_reason(version: MenuVersion | None) -> str:
    """Why the version is not (yet) sent to WeChat, in Chinese ("" when it was queued)."""
    from wxmall.compliance.queries import hold_reason as reason
    from wxmall.compliance.queries import is_cleared

    if version is None or is_cleared(version):
        return ""
    return reason(version)


def on_copy_cleared(sender, subject: str, object_id: str, **kwargs) -> None:
    """A held menu version was approved (or cleared by external content security): publish it, unless
    a newer version was saved meanwhile (that one is what the merchant wants live)."""
    if subject != "officialaccount.menuversion" or not object_id.isdigit():
        return
    from wxmall.compliance.queries import is_cleared

    with transaction.atomic():
        latest = MenuVersion.objects.select_for_update().first()
        if latest is not None and latest.pk == int(object_id) and is_cleared(latest):
            _queue(latest)  # idempotent on the version: an auto-cleared one was queued by publish already


def live_menu() -> tuple[dict | None, str]:
    """What WeChat serves now (menu/get), or None and a Chinese reason."""
    from wxmall.wechat import client
    from wxmall.wechat.errors import WeChatError

    try:
        return client("oa").menu.get().get("menu"), ""
    except WeChatError as exc:
        if exc.errcode == 46003:
            return None, "公众号当前没有自定义菜单"
        return None, f"读取线上菜单失败（errcode {exc.errcode}）"
