"""Chinese text → search terms for the FAQ bot: jieba segmentation (search mode, so 保修期 also yields 保修),
a shop's domain words, stop words and a few colloquial synonyms folded together."""

from __future__ import annotations

import logging
import re
import tempfile
from functools import lru_cache
from pathlib import Path

import jieba
from django.conf import settings

# Words jieba's dictionary splits but customers use as one idea.
DOMAIN_WORDS = (
    "七天无理由",
    "无理由退货",
    "以旧换新",
    "价保",
    "退差价",
    "花呗",
    "顺丰",
    "京东快递",
    "专票",
    "普票",
    "电子发票",
    "发票抬头",
    "雷电",
    "雷雳",
    "坏点",
    "亮点",
    "漏光",
    "拆封",
    "激活",
    "转人工",
    "人工客服",
    "到货通知",
    "保价",
    "全国联保",
    "上门取件",
    "预装系统",
    "以旧换新",
    "刷新率",
    "分辨率",
    "续航",
)

STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "啊",
        "吧",
        "呀",
        "哦",
        "么",
        "嘛",
        "噢",
        "喔",
        "我",
        "我们",
        "你",
        "你们",
        "您",
        "他",
        "她",
        "它",
        "请问",
        "问下",
        "问一下",
        "一下",
        "想",
        "想问",
        "是",
        "和",
        "与",
        "这",
        "那",
        "个",
        "这个",
        "那个",
        "怎么",
        "怎样",
        "如何",
        "能",
        "可以",
        "会",
        "要",
        "还",
        "就",
        "都",
        "也",
        "请",
        "下",
        "有",
        "没",
        "没有",
        "吗?",
        "一个",
        "些",
        "一些",
        "么",
        "么样",
        "啥",
        "什么",
        "哪",
        "哪个",
        "哪些",
        "为什么",
        "麻烦",
        "谢谢",
        "好的",
        "好",
        "呃",
        "嗯",
        "就是",
        "一",
        "不",
        "不能",
        "我要",
        "帮",
        "帮我",
        "给",
        "去",
        "用",
        "需要",
        "一般",
        "已经",
        "现在",
        "之前",
        "之后",
        "以后",
        "的话",
        "还是",
        "一直",
        "大概",
        "觉得",
        "直接",
        "找",
        "做",
        "说",
        "点",
        "个",
        "里面",
        "时候",
        "时间",
        "如果",
        "然后",
        "但是",
        "因为",
        "所以",
        "应该",
        "能不能",
        "可不可以",
        "是不是",
        "有没有",
        "怎么办",
        "怎么弄",
        "？",
        "。",
        "，",
        "！",
        "、",
        "~",
        "…",
        ":",
        "：",
        ";",
        "；",
        "(",
        ")",
        "（",
        "）",
    ]
)

# Colloquial → canonical term (applied after segmentation).
SYNONYMS = {
    "质保": "保修",
    "保修期": "保修",
    "保固": "保修",
    "联保": "保修",
    "邮费": "运费",
    "快递费": "运费",
    "运费险": "运费",
    "退钱": "退款",
    "开票": "发票",
    "专票": "专用发票",
    "增值税": "专用发票",
    "普票": "普通发票",
    "几天": "多久",
    "多长时间": "多久",
    "多少天": "多久",
    "什么时候": "多久",
    "啥时候": "多久",
    "多久能": "多久",
    "雷雳": "雷电",
    "苹果电脑": "mac",
    "macos": "mac",
    "macbook": "mac",
    "笔记本电脑": "笔记本",
    "换货": "换新",
    "更换": "换新",
    "退掉": "退货",
    "退回": "退货",
    "退换": "退货",
    "瑕疵": "质量问题",
    "故障": "质量问题",
    "坏了": "质量问题",
    "损坏": "质量问题",
    "水货": "正品",
    "行货": "正品",
    "假货": "正品",
    "翻新": "正品",
    "付钱": "付款",
    "支付": "付款",
    "开发票": "发票",
    "补开": "补开发票",
    "提醒": "到货通知",
    "降价": "退差价",
    "发出": "发货",
    "能发": "发货",
    "寄出": "发货",
    "送达": "收到",
    "到手": "收到",
    "修": "维修",
    "送修": "维修",
}

_ALNUM = re.compile(r"[a-z]+|\d+")
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    """One jieba tokenizer per process, with the domain words (its own, not jieba's global one). Its
    dictionary cache goes under VAR_DIR (or the system temp folder if that cannot be written)."""
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    folder = Path(settings.VAR_DIR) / "cache"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tk.tmp_dir = str(folder)
    except OSError:
        tk.tmp_dir = tempfile.gettempdir()
    for word in DOMAIN_WORDS:
        tk.add_word(word, freq=20000)
    return tk


def terms(text: str) -> list[str]:
    """Search terms of ``text``: lower-cased, stop words dropped, synonyms folded; a Latin/digit run such as
    ``rtx4070super`` also yields its parts (``rtx``, ``4070``, ``super``) so model names match either way."""
    out: list[str] = []
    for raw in tokenizer().lcut_for_search(text.lower()[:500]):
        word = raw.strip()
        if not word or word in STOP_WORDS or not _KEEP.search(word):
            continue
        word = SYNONYMS.get(word, word)
        out.append(word)
        if word.isascii() and len(word) > 2:
            parts = _ALNUM.findall(word)
            if len(parts) > 1:
                out.extend(p for p in parts if len(p) > 1 or p.isdigit())
    return out
