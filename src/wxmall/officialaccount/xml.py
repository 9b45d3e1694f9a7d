"""WeChat's flat message XML: parsed with defusedxml (no DTDs, no entities), built with escaping.

Inbound pushes are `<xml><Field>text</Field>…</xml>`; only the root's direct children are read (nested
ones such as ScanCodeInfo keep their first level as text). Anything else is `BadXml`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# XML 1.0 cannot carry these; replies drop them rather than produce XML WeChat would refuse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_FIELDS = 64


class BadXml(ValueError):
    pass


def parse(body: bytes | str) -> dict[str, str]:
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise BadXml(type(exc).__name__) from exc
    if root.tag != "xml" or len(root) > MAX_FIELDS:
        raise BadXml("not a WeChat message")
    return {child.tag: (child.text or "").strip() for child in root}


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _fill(parent: ET.Element, fields: dict) -> None:
    for name, value in fields.items():
        node = ET.SubElement(parent, name)
        if isinstance(value, dict):
            _fill(node, value)
        elif isinstance(value, list):
            for item in value:
                _fill(ET.SubElement(node, "item"), item)
        else:
            node.text = clean(str(value))


def build(fields: dict) -> str:
    root = ET.Element("xml")
    _fill(root, fields)
    return ET.tostring(root, encoding="unicode")
