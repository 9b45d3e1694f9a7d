"""The FAQ bot: answers a customer's question from the merchant's FAQ, the catalogue (specs and
compatibility) or the asking customer's orders, or says it should go to a human.

Ranking is BM25 (rank-bm25) over jieba terms. Each process keeps one index per FAQ version and per
catalogue stamp (``lru_cache`` keyed by them: a pure memo of the database at that version, rebuilt when
an edit moves the version), so answering costs two tiny queries and an in-memory ranking.

Confidence is the share of the question's information (the idf mass of its terms) the best FAQ phrasing
covers, together with the raw BM25 score; below the thresholds the bot hands off instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.db.models import Count, Max, Min, Sum
from rank_bm25 import BM25Plus

from wxmall.catalog.models import Category, Product
from wxmall.orders.models import Order

from . import text
from .models import FaqEntry, FaqIndexVersion

# Tuned on tests/support/data/faq_questions.tsv (see the accuracy test's report).
FAQ_MIN_COVERAGE = 0.3
FAQ_MIN_SCORE = 2.0
UNKNOWN_TERM_WEIGHT = 0.5  # × the median idf

# Words naming a kind of product, not one product ("笔记本" must not pick the one notebook titled so).
GENERIC_PRODUCT_WORDS = (
    "笔记本",
    "电脑",
    "主机",
    "游戏",
    "无线",
    "版",
    "英寸",
    "处理器",
    "内存",
    "内存条",
    "显卡",
    "显示器",
    "键盘",
    "鼠标",
    "耳机",
    "硬盘",
    "固态",
    "电源",
    "主板",
    "摄像头",
    "一体机",
    "台式机",
    "商用",
    "办公",
    "电竞",
)
HANDOFF_ACK = "已为您转接人工客服，请稍候，客服会尽快回复您（人工服务时间 9:00–22:00）。"
HANDOFF_WORDS = ("转人工", "找人工", "要人工", "真人", "投诉", "举报", "12315", "消协", "律师")
HANDOFF_EXACT = re.compile(r"\W*(人工|人工客服|人工服务|客服|找客服)\W*")
ORDER_WORDS = ("订单", "我买的", "我的快递", "我的包裹", "我的货", "我下的单", "我的单")
ORDER_CUES = (
    "到哪",
    "状态",
    "发货了",
    "发了吗",
    "发了没",
    "进度",
    "查",
    "物流",
    "到了吗",
    "还没到",
    "还没发",
    "怎么样了",
    "什么时候到",
    "什么时候发",
    "发出",
    "送到",
)
ORDER_NO = re.compile(r"[A-Za-z]{0,4}\d{14,22}")

# Question words → spec keys they ask about (a key also matches when it appears literally).
SPEC_ALIASES: dict[str, tuple[str, ...]] = {
    "重量": ("多重", "重量", "几斤", "多沉", "轻"),
    "电池": ("电池", "续航", "待机"),
    "续航": ("续航", "电池", "用多久", "待机"),
    "接口": (
        "接口",
        "雷电",
        "雷雳",
        "usb",
        "hdmi",
        "type-c",
        "typec",
        "网口",
        "dp",
        "主板",
        "插槽",
        "几个口",
    ),
    "建议电源": ("电源", "功率", "多少瓦", "几瓦", "带得动"),
    "屏幕": ("屏幕", "屏", "oled", "尺寸"),
    "刷新率": ("刷新率", "hz", "高刷", "帧"),
    "分辨率": ("分辨率", "4k", "2k", "清晰"),
    "兼容": ("兼容", "支持", "mac", "windows", "ipad", "能用", "适配"),
    "连接": ("蓝牙", "无线", "有线", "连接", "接收器"),
    "系统": ("系统", "windows", "mac"),
    "显存": ("显存",),
    "显卡": ("显卡", "独显"),
    "尺寸": ("尺寸", "多大", "大小", "体积"),
    "散热": ("散热", "温度", "风扇", "噪音"),
    "保修": ("保修", "质保"),
    "质保": ("保修", "质保"),
    "长度": ("长度", "多长", "机箱"),
    "顺序读取": ("读取", "读速", "速度", "多快"),
    "顺序写入": ("写入", "写速", "速度", "多快"),
    "面板": ("面板", "ips", "va", "oled"),
    "色域": ("色域", "设计", "修图", "调色"),
    "dpi": ("dpi",),
}
SPEC_CUES = (
    "配置",
    "参数",
    "规格",
    "多少",
    "几个",
    "支持",
    "兼容",
    "能不能",
    "能用",
    "可以用",
    "有没有",
    "是什么",
)
SKU_AXES = {
    "cpu": ("处理器", "cpu", "芯片"),
    "memory": ("内存",),
    "storage": ("硬盘", "存储", "容量"),
    "colour": ("颜色", "配色"),
}

# CPU socket → motherboard chipsets that take it (compatibility answers).
SOCKET_CHIPSETS = {
    "AM5": ("AMD A620", "AMD B650", "AMD B850", "AMD X670", "AMD X870"),
    "LGA1700": ("Intel H610", "Intel B660", "Intel B760", "Intel Z690", "Intel Z790"),
    "LGA1851": ("Intel B860", "Intel Z890"),
}

ORDER_STATUS_TEXT = {
    "pending_payment": "待支付，请在支付截止前完成付款",
    "paid": "已付款，仓库正在备货，24 小时内发货",
    "shipped": "已发货，正在运输途中",
    "delivered": "已签收",
    "completed": "已完成",
    "cancelled": "已取消",
    "refund_requested": "退款处理中",
    "refunded": "已退款",
}


@dataclass(frozen=True)
class BotAnswer:
    kind: str  # faq | product | order | handoff
    text: str  # the reply to send ("" for a hand-off: the caller acknowledges)
    intent: str  # FAQ intent, "product:<slug>", "order_status" or "handoff"
    confidence: float
    reason: str = ""  # why a hand-off happened (low_confidence, asked_for_human, empty)

    @property
    def handoff(self) -> bool:
        return self.kind == "handoff"


@dataclass(frozen=True)
class _Index:
    bm25: BM25Plus | None
    owners: tuple[int, ...]  # document → FAQ entry id / product id
    docs: tuple[frozenset[str], ...]
    unknown_idf: float  # weight of a term no document has: it still counts as unanswered information
    # term → (documents holding it, its frequency in each), and each document's length normalisation
    # k1·(1 − b + b·len/avgdl): rank_bm25 scores a term by looping over every document in Python, which
    # on a 1,000-entry FAQ cost tens of milliseconds a question; the postings touch only the documents
    # that hold the term and give the same BM25+ scores.
    postings: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
    norm: np.ndarray | None = None

    def idf(self, term: str) -> float:
        if self.bm25 is None:
            return 0.0
        return max(self.bm25.idf.get(term, self.unknown_idf), 0.0)

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25+ of every document for ``query`` (each repeated term counted again, as rank_bm25 does)."""
        bm25 = self.bm25
        weights = [bm25.idf.get(term) or 0.0 for term in query]
        # A term adds idf·δ to every document, holding it or not; the rest only where it occurs.
        score = np.full(bm25.corpus_size, bm25.delta * sum(weights))
        for term, weight in zip(query, weights, strict=True):
            posting = self.postings.get(term)
            if posting is None or not weight:
                continue
            ids, freq = posting
            score[ids] += weight * (freq * (bm25.k1 + 1)) / (self.norm[ids] + freq)
        return score

    def best(self, query: list[str]) -> tuple[int | None, float, float]:
        """(document index, BM25 score, coverage) of the best document for ``query``."""
        if self.bm25 is None or not query:
            return None, 0.0, 0.0
        scores = self.scores(query)
        best = int(scores.argmax())
        unique = set(query)
        total = sum(self.idf(t) for t in unique) or 1.0
        covered = sum(self.idf(t) for t in unique & self.docs[best])
        return best, float(scores[best]), covered / total


def _postings(bm25: BM25Plus) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    found: dict[str, tuple[list[int], list[int]]] = {}
    for doc, freqs in enumerate(bm25.doc_freqs):
        for term, freq in freqs.items():
            ids, counts = found.setdefault(term, ([], []))
            ids.append(doc)
            counts.append(freq)
    return {
        term: (np.array(ids, dtype=np.intp), np.array(counts, dtype=float))
        for term, (ids, counts) in found.items()
    }


def _build(docs: list[tuple[int, list[str]]]) -> _Index:
    docs = [(owner, terms) for owner, terms in docs if terms]
    if not docs:
        return _Index(None, (), (), 0.0)
    bm25 = BM25Plus([terms for _, terms in docs])
    idfs = sorted(bm25.idf.values())
    lengths = np.array(bm25.doc_len, dtype=float)
    return _Index(
        bm25,
        tuple(owner for owner, _ in docs),
        tuple(frozenset(terms) for _, terms in docs),
        UNKNOWN_TERM_WEIGHT * idfs[len(idfs) // 2],
        _postings(bm25),
        bm25.k1 * (1 - bm25.b + bm25.b * lengths / bm25.avgdl),
    )


@dataclass(frozen=True)
class _Faq:
    index: _Index
    entries: dict[int, tuple[str, str]]  # id → (intent, answer)


@lru_cache(maxsize=2)
def _faq(stamp: str) -> _Faq:
    entries: dict[int, tuple[str, str]] = {}
    docs: list[tuple[int, list[str]]] = []
    for entry in FaqEntry.objects.filter(is_active=True).only(
        "id", "intent", "question", "variants", "answer", "tags"
    ):
        entries[entry.id] = (entry.intent, entry.answer)
        tag_terms = [t for tag in entry.tags for t in text.terms(tag)] if entry.tags else []
        docs.extend((entry.id, text.terms(phrasing) + tag_terms) for phrasing in entry.phrasings())
    return _Faq(_build(docs), entries)


@dataclass(frozen=True)
class _ProductInfo:
    slug: str
    title: str
    subtitle: str
    specs: dict
    options: dict[str, tuple[str, ...]]
    min_price: int
    stock: int
    is_cpu: bool


@dataclass(frozen=True)
class _Catalog:
    index: _Index
    products: dict[int, _ProductInfo]
    boards: tuple[tuple[str, str], ...]  # (title, chipset) of listed motherboards
    rare: frozenset[str]  # terms naming at most two products: a question with one names a product


@lru_cache(maxsize=2)
def _catalog(stamp: tuple) -> _Catalog:
    products: dict[int, _ProductInfo] = {}
    raw: list[tuple[int, list[str]]] = []
    boards = []
    listed = Product.objects.filter(is_listed=True).select_related("category").prefetch_related("skus")
    generic = set(GENERIC_PRODUCT_WORDS)
    for name in Category.objects.values_list("name", flat=True):
        generic.update(text.terms(name))
    for p in listed:
        skus = [s for s in p.skus.all() if s.is_active]
        options = {
            axis: tuple(dict.fromkeys(getattr(s, axis) for s in skus if getattr(s, axis)))
            for axis in ("cpu", "memory", "storage", "colour")
        }
        products[p.id] = _ProductInfo(
            p.slug or str(p.id),
            p.title,
            p.subtitle,
            dict(p.specs or {}),
            options,
            p.min_price,
            sum(s.stock for s in skus),
            "接口" in (p.specs or {}) and str(p.specs["接口"]) in SOCKET_CHIPSETS,
        )
        if "芯片组" in (p.specs or {}):
            boards.append((p.title, str(p.specs["芯片组"])))
        slug_words = (p.slug or "").replace("-", " ")
        raw.append((p.id, text.terms(f"{p.title} {slug_words}")))
    # Words many products share (brands, 显示器, pro, 14…) say nothing about which product is meant.
    df: dict[str, int] = {}
    for _, terms in raw:
        for t in set(terms):
            df[t] = df.get(t, 0) + 1
    limit = max(3, len(raw) // 20)
    docs = [(pid, [t for t in terms if df[t] <= limit and t not in generic]) for pid, terms in raw]
    rare = frozenset(t for t, n in df.items() if n <= 2 and len(t) >= 2 and t not in generic)
    return _Catalog(_build(docs), products, tuple(boards), rare)


def faq_stamp() -> str:
    return FaqIndexVersion.objects.filter(pk=1).values_list("stamp", flat=True).first() or ""


def catalog_stamp() -> tuple:
    """What the catalogue index depends on, JSON-able (the fast path keeps it in Redis for a while)."""
    # One query: the SKU join repeats a product per SKU, which Count(distinct), Max and Min do not mind.
    agg = Product.objects.filter(is_listed=True).aggregate(
        n=Count("id", distinct=True), at=Max("updated_at"), stock=Sum("skus__stock"), low=Min("min_price")
    )
    return (agg["n"], agg["at"].isoformat() if agg["at"] else None, agg["stock"], agg["low"])


@dataclass(frozen=True)
class Stamps:
    faq: str
    catalog: tuple

    @classmethod
    def read(cls) -> Stamps:
        return cls(faq_stamp(), catalog_stamp())


def warm() -> None:
    """Load jieba's dictionary and build both indexes now (a web worker calls it when it starts): the first
    question after a deploy must not spend seconds of WeChat's 5 s on them."""
    text.tokenizer().initialize()
    _faq(faq_stamp())
    _catalog(catalog_stamp())


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}" + (f".{fen % 100:02d}" if fen % 100 else "")


def _spec_lines(info: _ProductInfo, question: str, catalog: _Catalog) -> list[str]:
    """The product's facts the question asks about (its specs, SKU options, CPU↔motherboard fit). Words of
    the product's own title (处理器 in "…9800X3D 游戏处理器") do not count as asking about a spec."""
    q = question.lower()
    title = info.title.lower()

    def asks(words: tuple[str, ...]) -> bool:
        return any(w in q and w not in title for w in words)

    lines: list[str] = []
    for key, value in info.specs.items():
        if asks(SPEC_ALIASES.get(key, ()) + (key.lower(),)):
            lines.append(f"{key}：{value}")
    for axis, words in SKU_AXES.items():
        if info.options.get(axis) and asks(words):
            lines.append(f"可选{words[0]}：" + "、".join(info.options[axis]))
    if info.is_cpu and asks(("主板", "搭配", "配什么")):
        socket = str(info.specs["接口"])
        fits = [title for title, chipset in catalog.boards if chipset in SOCKET_CHIPSETS[socket]]
        lines.append(
            f"{socket} 接口，需搭配 {'/'.join(c.split()[-1] for c in SOCKET_CHIPSETS[socket])} 等芯片组主板"
            + (f"，本店有：{'、'.join(fits)}" if fits else "")
        )
    return lines


def _product_answer(info: _ProductInfo, question: str, catalog: _Catalog) -> str:
    lines = _spec_lines(info, question, catalog)
    if not lines:
        lines = [f"{k}：{v}" for k, v in list(info.specs.items())[:5]]
        if info.subtitle:
            lines.insert(0, info.subtitle)
    stock = "现货" if info.stock > 0 else "暂时缺货，可在商品页订阅到货通知"
    return f"【{info.title}】\n" + "\n".join(lines) + f"\n售价 {_yuan(info.min_price)} 起，{stock}。"


def _order_answer(user_id: int | None, question: str) -> str:
    if user_id is None:
        return "查询订单需要先关联您的商城账号：请在公众号菜单「商城」中用微信登录一次，再发送「订单」查询。"
    orders = Order.objects.filter(user_id=user_id)
    wanted = ORDER_NO.search(question)
    if wanted:
        orders = orders.filter(order_no__iexact=wanted.group(0))
    recent = list(orders.order_by("-created_at")[:3])
    if not recent:
        return "没有查到相关订单。如果订单号无误，请稍候，客服会为您人工核实。"
    parts = [
        f"订单 {o.order_no}（{o.created_at:%m-%d} 下单，{_yuan(o.total)}）：{ORDER_STATUS_TEXT.get(o.status, o.status)}"
        for o in recent
    ]
    return "\n".join(["为您查到最近的订单：", *parts])


def _asks_about_order(question: str) -> bool:
    if ORDER_NO.search(question):
        return True
    return any(w in question for w in ORDER_WORDS) and any(c in question for c in ORDER_CUES)


def asks_about_order(question: str) -> bool:
    """Whether ``answer`` would look up the customer's orders (the database) for this question."""
    return _asks_about_order((question or "").strip()[:500])


def answer(question: str, *, user_id: int | None = None, stamps: Stamps | None = None) -> BotAnswer:
    """The bot's answer to ``question`` from the customer ``user_id`` (None when the OA user is not linked
    to a shop account). Pure read side: nothing is written. With ``stamps`` (the versions of the FAQ and
    catalogue, as the fast path holds them) a question about anything but orders reads no table."""
    question = (question or "").strip()[:500]
    if not question:
        return BotAnswer("handoff", "", "handoff", 0.0, "empty")
    if any(w in question for w in HANDOFF_WORDS) or HANDOFF_EXACT.fullmatch(question):
        return BotAnswer("handoff", "", "handoff", 1.0, "asked_for_human")
    if _asks_about_order(question):
        return BotAnswer("order", _order_answer(user_id, question), "order_status", 1.0)

    query = text.terms(question)
    stamps = stamps or Stamps.read()
    faq = _faq(stamps.faq)
    catalog = _catalog(tuple(stamps.catalog))
    doc, score, coverage = faq.index.best(query)
    confident = doc is not None and coverage >= FAQ_MIN_COVERAGE and score >= FAQ_MIN_SCORE

    product_doc, _, _ = catalog.index.best(query)
    product = None
    if product_doc is not None and set(query) & catalog.index.docs[product_doc] & catalog.rare:
        product = catalog.products[catalog.index.owners[product_doc]]
    if product is not None and (
        not confident
        or _spec_lines(product, question, catalog)
        or any(c in question.lower() for c in SPEC_CUES)
    ):
        return BotAnswer(
            "product", _product_answer(product, question, catalog), f"product:{product.slug}", 1.0
        )
    if confident:
        intent, reply = faq.entries[faq.index.owners[doc]]
        return BotAnswer("faq", reply, intent, round(coverage, 3))
    return BotAnswer("handoff", "", "handoff", round(coverage, 3), "low_confidence")
