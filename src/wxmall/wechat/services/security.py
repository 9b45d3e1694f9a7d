"""`/wxa/msg_sec_check` version 2: WeChat's text content security (wechat-kf-security-shipping.md §3.1).
Needs the Mini Program's access_token and the openid of a user who visited the Mini Program recently;
content ≤ 2500 characters. The check answers errcode 0 even for risky text: the verdict is `suggest`."""

from __future__ import annotations

from dataclasses import dataclass

from wxmall.wechat.errors import TransportError
from wxmall.wechat.services.base import Service

MAX_CHARS = 2500
SCENES = frozenset({1, 2, 3, 4})  # 资料 / 评论 / 论坛 / 社交日志
SUGGESTS = frozenset({"pass", "review", "risky"})


@dataclass(frozen=True)
class SecVerdict:
    suggest: str  # pass | review | risky
    label: int
    trace_id: str
    keywords: tuple[str, ...]


class SecurityService(Service):
    def msg_sec_check(self, content: str, *, openid: str, scene: int = 2, title: str = "") -> SecVerdict:
        if not content or len(content) > MAX_CHARS:
            raise ValueError(f"content must be 1–{MAX_CHARS} characters")
        if scene not in SCENES:
            raise ValueError("scene must be 1–4")
        body = {"content": content, "version": 2, "scene": scene, "openid": openid}
        if title:
            body["title"] = title
        answer = self._client.post("/wxa/msg_sec_check", api="security.msg_sec_check", json=body)
        result = answer.get("result")
        if not isinstance(result, dict) or result.get("suggest") not in SUGGESTS:
            raise TransportError("微信内容安全应答缺少 result.suggest", api="security")
        details = answer.get("detail") if isinstance(answer.get("detail"), list) else []
        keywords = tuple(
            str(d["keyword"])[:64]
            for d in details
            if isinstance(d, dict) and d.get("errcode") == 0 and d.get("keyword")
        )
        label = result.get("label")
        return SecVerdict(
            result["suggest"],
            label if isinstance(label, int) else 0,
            str(answer.get("trace_id", ""))[:64],
            keywords,
        )
