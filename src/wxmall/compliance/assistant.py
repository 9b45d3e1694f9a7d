"""Copy assistant (AI 带货助手): drafts of product titles, selling points, live-script segments and OA
article intros from a product's specs and category, in several tones. Every draft passes the scanner
before it is offered; drafts with any hit are dropped (and counted).

Generators are pluggable by setting (COMPLIANCE_ASSISTANT_GENERATOR): `template` (default, deterministic,
works offline) fills curated templates with the product's facts; `http` asks a local model behind an
OpenAI-compatible `/v1/chat/completions` endpoint (COMPLIANCE_ASSISTANT_URL). If the model fails, the
template generator answers and the page says so."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from django.conf import settings

from wxmall.compliance.actions import check_copy

KINDS = {
    "title": "商品标题",
    "selling_points": "卖点",
    "live_segment": "直播脚本片段",
    "oa_intro": "公众号文章导语",
}
TONES = {"professional": "专业", "friendly": "亲切", "lively": "活泼"}
MAX_DRAFTS = 5
MAX_DRAFT_CHARS = 600
MAX_FACT_CHARS = 64
_ENUMERATOR = re.compile(r"^\s*(?:\d{1,2}\s*[.、)）:：]|[-•*·])\s*")  # models number their lines


@dataclass(frozen=True)
class Brief:
    """What a generator may use: plain facts about one product (never customer data)."""

    title: str
    category: str
    brand: str = ""
    specs: dict[str, str] = field(default_factory=dict)
    price_yuan: str = ""


@dataclass(frozen=True)
class Drafts:
    offered: list[str]
    dropped: int  # drafts the scanner refused
    generator: str
    notice: str = ""


class Generator(Protocol):
    name: str

    def generate(self, brief: Brief, kind: str, tone: str) -> list[str]: ...


def brief_of(product) -> Brief:
    """Facts from a catalog product (passed in by the view; compliance imports no catalog module)."""
    sku = product.skus.filter(is_active=True).order_by("price").first()
    specs = {str(k)[:16]: str(v)[:MAX_FACT_CHARS] for k, v in (product.specs or {}).items() if v}
    if sku is not None:
        for label, value in (
            ("处理器", sku.cpu),
            ("内存", sku.memory),
            ("存储", sku.storage),
            ("颜色", sku.colour),
        ):
            if value:
                specs.setdefault(label, value[:MAX_FACT_CHARS])
    price = f"{product.min_price // 100}" if product.min_price else ""
    return Brief(
        product.title[:120],
        product.category.name[:64],
        product.brand[:64],
        dict(list(specs.items())[:8]),
        price,
    )


# Curated sentences (checked by tests against the scanner): no absolute claims, no efficacy, no sharing.
_OPENERS = {
    "professional": ("{brand}{title}，{spec}。", "面向{category}用户的{title}：{spec}。"),
    "friendly": (
        "给大家介绍一下{brand}{title}，{spec}，日常使用很省心。",
        "想换{category}的朋友可以看看{title}，{spec}。",
    ),
    "lively": ("新品来啦！{brand}{title}，{spec}，颜值与性能都在线～", "{title}上新！{spec}，一起来看看吧～"),
}
_CLOSERS = {
    "professional": "具体参数以商品详情页为准。",
    "friendly": "有问题随时问客服，我们帮你挑合适的配置。",
    "lively": "喜欢就点进详情页看看吧！",
}


class TemplateGenerator:
    name = "template"

    def generate(self, brief: Brief, kind: str, tone: str) -> list[str]:
        facts = [f"{k} {v}" for k, v in brief.specs.items()] or [brief.category]
        spec = "、".join(facts[:3])
        values = {
            "brand": f"{brief.brand} " if brief.brand else "",
            "title": brief.title,
            "category": brief.category,
            "spec": spec,
        }
        if kind == "title":
            base = " ".join(p for p in (brief.brand, brief.title) if p)
            return [
                f"{base} {' '.join(v for v in brief.specs.values())[:40]}".strip()[:60],
                f"{base} {brief.category}"[:60],
            ]
        if kind == "selling_points":
            return [f"{k}：{v}" for k, v in list(brief.specs.items())[:MAX_DRAFTS]] or [
                f"{brief.title}，{brief.category}"
            ]
        openers = [o.format(**values) for o in _OPENERS[tone]]
        if kind == "live_segment":
            price = f"今天直播间价格 {brief.price_yuan} 元，" if brief.price_yuan else ""
            return [f"{o}{price}{_CLOSERS[tone]}" for o in openers]
        return [f"{o}本文带你了解它的配置与适用场景。{_CLOSERS[tone]}" for o in openers]  # oa_intro


class HttpGenerator:
    """A local model behind an OpenAI-compatible chat-completions endpoint (e.g. llama.cpp's server)."""

    name = "http"

    def __init__(self, url: str, model: str, api_key: str = "", timeout: float = 20.0) -> None:
        self.url, self.model, self.api_key, self.timeout = url.rstrip("/"), model, api_key, timeout

    def _prompt(self, brief: Brief, kind: str, tone: str) -> str:
        facts = json.dumps(
            {"商品": brief.title, "类目": brief.category, "品牌": brief.brand, "规格": brief.specs},
            ensure_ascii=False,
        )
        return (
            f"请为以下电脑数码商品写{MAX_DRAFTS}条{KINDS[kind]}，语气{TONES[tone]}，每条一行，不要编号。"
            "遵守《广告法》：不用“最”“第一”“顶级”等绝对化用语，不做功效承诺，不诱导分享。\n" + facts
        )

    def generate(self, brief: Brief, kind: str, tone: str) -> list[str]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": self._prompt(brief, kind, tone)}],
            "temperature": 0.7,
        }
        with httpx.Client(timeout=self.timeout, trust_env=False) as client:
            response = client.post(f"{self.url}/v1/chat/completions", json=body, headers=headers)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise ValueError("completion content is not text")
        lines = [
            _ENUMERATOR.sub("", line).strip()
            for line in content[: MAX_DRAFTS * MAX_DRAFT_CHARS * 2].splitlines()
        ]
        return [line for line in lines if line]


def generator_from_settings() -> Generator:
    if settings.COMPLIANCE_ASSISTANT_GENERATOR == "http":
        return HttpGenerator(
            settings.COMPLIANCE_ASSISTANT_URL,
            settings.COMPLIANCE_ASSISTANT_MODEL,
            settings.COMPLIANCE_ASSISTANT_API_KEY,
            settings.COMPLIANCE_ASSISTANT_TIMEOUT_SECONDS,
        )
    return TemplateGenerator()


def _passes(text: str) -> bool:
    return check_copy(text, context="assistant").status == "pass"


def draft(brief: Brief, kind: str, tone: str, generator: Generator | None = None) -> Drafts:
    """Drafts that passed the scanner, de-duplicated and bounded, in a stable order."""
    if kind not in KINDS or tone not in TONES:
        raise ValueError("unknown kind or tone")
    generator = generator or generator_from_settings()
    notice = ""
    try:
        raw = generator.generate(brief, kind, tone)
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
        notice = f"本地模型不可用（{type(exc).__name__}），已改用模板生成"
        generator = TemplateGenerator()
        raw = generator.generate(brief, kind, tone)
    seen, offered, dropped = set(), [], 0
    for text in raw[: MAX_DRAFTS * 3]:
        text = text.strip()[:MAX_DRAFT_CHARS]
        key = hashlib.sha1(text.encode()).hexdigest()
        if not text or key in seen:
            continue
        seen.add(key)
        if _passes(text):
            offered.append(text)
        else:
            dropped += 1
    return Drafts(offered[:MAX_DRAFTS], dropped, generator.name, notice)
