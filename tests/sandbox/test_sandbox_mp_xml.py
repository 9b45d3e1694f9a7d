"""WeChat's XML dialect: CDATA building, safe parsing (no DTDs, no entity expansion)."""

import pytest

from wxsandbox.mp import xmlmsg
from wxsandbox.mp.xmlmsg import XmlError


def test_build_uses_cdata_for_strings_and_bare_numbers():
    xml = xmlmsg.build(
        {
            "ToUserName": "gh_x",
            "CreateTime": 1348831860,
            "MsgType": "text",
            "Content": "a<b&c",
            "MsgId": 1234567890123456,
            "Skipped": None,
        }
    )
    assert xml == (
        "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><CreateTime>1348831860</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a<b&c]]></Content>"
        "<MsgId>1234567890123456</MsgId></xml>"
    )


def test_cdata_terminator_in_content_survives_a_round_trip():
    text = "x]]>y]]]]>z"
    assert xmlmsg.parse(xmlmsg.build({"Content": text}))["Content"] == text


def test_nested_and_list_elements_round_trip():
    fields = {
        "MsgType": "news",
        "ArticleCount": 2,
        "Articles": [{"Title": "一", "Url": "http://a"}, {"Title": "二", "Url": "http://b"}],
        "Image": {"MediaId": "m1"},
    }
    parsed = xmlmsg.parse(xmlmsg.build(fields))
    assert parsed["ArticleCount"] == "2"
    assert xmlmsg.items(parsed["Articles"]) == [
        {"Title": "一", "Url": "http://a"},
        {"Title": "二", "Url": "http://b"},
    ]
    assert parsed["Image"] == {"MediaId": "m1"}


def test_items_accepts_single_and_empty():
    single = xmlmsg.parse("<xml><Articles><item><Title>t</Title></item></Articles></xml>")
    assert xmlmsg.items(single["Articles"]) == [{"Title": "t"}]
    assert xmlmsg.items("") == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"not xml",
        b"<xml><a>unterminated</xml>",
        b"<root><a>1</a></root>",
        b'{"json": true}',
    ],
)
def test_malformed_documents_are_rejected(body):
    with pytest.raises(XmlError):
        xmlmsg.parse(body)


def test_entity_expansion_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b"<xml><Content>&b;</Content></xml>"
    )
    with pytest.raises(XmlError):
        xmlmsg.parse(bomb)


def test_external_entities_are_refused():
    xxe = b'<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'
    with pytest.raises(XmlError):
        xmlmsg.parse(xxe)


def test_oversized_document_is_rejected():
    with pytest.raises(XmlError):
        xmlmsg.parse(b"<xml><C>" + b"a" * (xmlmsg.MAX_XML_BYTES + 1) + b"</C></xml>")


def test_utf8_declaration_and_chinese_content():
    body = '<?xml version="1.0" encoding="UTF-8"?><xml><Content><![CDATA[你好]]></Content></xml>'.encode()
    assert xmlmsg.parse(body) == {"Content": "你好"}
