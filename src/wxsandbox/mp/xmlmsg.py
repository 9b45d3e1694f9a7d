"""The XML dialect of WeChat's message server: ``<xml>`` root, CDATA strings, bare integers.

Building follows WeChat's own pushes (reference §2.4): strings in CDATA, numbers bare, nested
elements for structured replies, ``<item>`` for list entries. Parsing uses defusedxml with DTDs,
entities and external references forbidden, so a hostile reply cannot expand or fetch anything.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_XML_BYTES = 1024 * 1024


class XmlError(ValueError):
    """The body is not a WeChat ``<xml>`` document."""


def cdata(text: str) -> str:
    # "]]>" cannot appear inside one CDATA section: close it and reopen around the ">".
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _render(tag: str, value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError(f"{tag}: booleans have no WeChat XML form")
    if isinstance(value, int | float):
        return f"<{tag}>{value}</{tag}>"
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_render(k, v) for k, v in value.items()) + f"</{tag}>"
    if isinstance(value, list | tuple):
        return f"<{tag}>" + "".join(_render("item", v) for v in value) + f"</{tag}>"
    return f"<{tag}>{cdata(str(value))}</{tag}>"


def build(fields: dict[str, Any]) -> str:
    """``<xml>`` document for ``fields`` (insertion order kept; lists become ``<item>`` entries)."""
    return "<xml>" + "".join(_render(k, v) for k, v in fields.items() if v is not None) + "</xml>"


def _to_python(element: Element) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    result: dict[str, Any] = {}
    for child in children:
        value = _to_python(child)
        if child.tag in result:
            previous = result[child.tag]
            result[child.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[child.tag] = value
    return result


def parse(body: bytes | str) -> dict[str, Any]:
    """Fields of a ``<xml>`` document; raises XmlError for anything else (incl. DTDs and entities)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if len(body) > MAX_XML_BYTES:
        raise XmlError("XML body too large")
    if not body.strip():
        raise XmlError("empty body")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise XmlError(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise XmlError(f"root element is <{root.tag}>, expected <xml>")
    parsed = _to_python(root)
    return parsed if isinstance(parsed, dict) else {}


def items(value: Any) -> list[Any]:
    """The entries of a list element (``<Articles><item>…</item></Articles>``), whatever their count."""
    if isinstance(value, dict):
        value = value.get("item", [])
    if isinstance(value, list):
        return value
    return [] if value in (None, "") else [value]
