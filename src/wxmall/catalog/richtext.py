"""The product description's HTML, as the rich-text editor (Quill) writes it, cleaned server-side with
nh3 (Ammonia) before it is stored: only the tags and attributes the editor produces survive, links get
rel="noopener noreferrer nofollow", and images must be the shop's own (uploaded) pictures or https."""

from __future__ import annotations

import nh3

MAX_HTML_CHARS = 60_000
TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "h2", "h3", "h4", "blockquote", "ol", "ul", "li",
    "a", "img", "span", "pre", "code",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "target"}, "img": {"src", "alt", "width", "height"}, "*": {"class"}}
CLASSES_ALLOWED_PREFIX = "ql-"  # Quill's alignment/indent classes only


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    if name == "class":
        kept = " ".join(c for c in value.split() if c.startswith(CLASSES_ALLOWED_PREFIX))
        return kept or None
    if tag == "img" and name == "src" and not (value.startswith("/media/") or value.startswith("https://")):
        return None
    return value


def clean(html: str) -> str:
    """Sanitised description HTML; text that is not HTML comes back escaped."""
    return nh3.clean(
        (html or "")[:MAX_HTML_CHARS],
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def is_html(text: str) -> bool:
    """Descriptions written by the rich-text editor are HTML; older ones (demo data) are plain text."""
    return (text or "").lstrip().startswith("<")


def plain_text(text: str) -> str:
    """The description without markup, for places that take text only (the WeChat Store's detail)."""
    if not is_html(text):
        return text or ""
    spaced = text.replace("</p>", "</p>\n").replace("<br>", "\n")
    return nh3.clean(spaced, tags=set()).replace("&nbsp;", " ").replace("&amp;", "&").strip()
