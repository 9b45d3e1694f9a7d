"""Menus, customer-service / template / subscribe messages, QR codes, links and JS-SDK (reference §4, §5.5)."""

import struct
import zlib

import pytest
import segno

from wxsandbox.mp.jssdk import jsapi_signature


class Api:
    """POST/GET with the right access token: ``api.post(app, path, json)``."""

    def __init__(self, handle):
        self.handle = handle

    def post(self, app, path, body=None, **kw):
        return self.handle.client.post(
            path, params={"access_token": self.handle.access_token(app)}, json=body, **kw
        ).json()

    def get(self, app, path, **params):
        return self.handle.client.get(
            path, params={"access_token": self.handle.access_token(app)} | params
        ).json()


@pytest.fixture
def api(wxsandbox):
    return Api(wxsandbox)


@pytest.fixture
def shared_api(sb):
    return Api(sb)


# -- menus ---------------------------------------------------------------------------------------------------


def leaf(name="菜单", **extra):
    return {"type": "click", "name": name, "key": "K"} | extra


@pytest.mark.parametrize(
    ("buttons", "errcode"),
    [
        ([], 40016),
        ([leaf()] * 4, 40016),
        ([leaf(type="swipe")], 40017),
        ([leaf(name="一二三四五六")], 40018),  # 18 bytes > 16
        ([leaf(name="")], 40018),
        ([leaf(key="k" * 129)], 40019),
        ([leaf(key="")], 40019),
        ([{"type": "view", "name": "网站", "url": "http://x/" + "a" * 1020}], 40020),
        ([{"name": "更多", "sub_button": [leaf()] * 6}], 40023),
        ([{"name": "更多", "sub_button": [leaf(type="bad")]}], 40024),
        ([{"name": "更多", "sub_button": [leaf(name="长" * 21)]}], 40025),  # 63 bytes > 60
        ([{"name": "更多", "sub_button": [leaf(key="k" * 129)]}], 40026),
        ([{"name": "更多", "sub_button": [{"type": "view", "name": "v", "url": ""}]}], 40027),
        ([{"name": "更多", "sub_button": [{"name": "三级", "sub_button": [leaf()]}]}], 40022),
        (
            [
                {
                    "type": "miniprogram",
                    "name": "小程序",
                    "url": "http://x",
                    "appid": "wxnotlinked",
                    "pagepath": "p",
                }
            ],
            40097,
        ),
    ],
)
def test_menu_limits(shared_api, oa, buttons, errcode):
    assert shared_api.post(oa, "/cgi-bin/menu/create", {"button": buttons})["errcode"] == errcode
    assert shared_api.get(oa, "/cgi-bin/menu/get")["errcode"] == 46003  # nothing was stored


def test_menu_at_the_limits_round_trips(api, oa, mp):
    menu = {
        "button": [
            leaf(name="一二三四五"),  # 15 bytes
            {
                "name": "商城",
                "sub_button": [leaf(name="长" * 20, key="k" * 128)] * 4
                + [
                    {
                        "type": "miniprogram",
                        "name": "小程序",
                        "url": "http://m",
                        "appid": mp.appid,
                        "pagepath": "pages/i",
                    }
                ],
            },
            {"type": "view", "name": "官网", "url": "http://shop.test/" + "a" * 1000},
        ]
    }
    assert api.post(oa, "/cgi-bin/menu/create", menu) == {"errcode": 0, "errmsg": "ok"}
    got = api.get(oa, "/cgi-bin/menu/get")["menu"]
    assert len(got["button"]) == 3 and len(got["button"][1]["sub_button"]) == 5
    assert got["button"][0]["sub_button"] == [] and isinstance(got["menuid"], int)
    assert api.get(oa, "/cgi-bin/menu/delete") == {"errcode": 0, "errmsg": "ok"}
    assert api.get(oa, "/cgi-bin/menu/get")["errcode"] == 46003


def test_menu_malformed_body(sb, oa):
    token = sb.access_token(oa)
    bad = sb.client.post("/cgi-bin/menu/create", params={"access_token": token}, content=b"{'button': []}")
    assert bad.json()["errcode"] == 47001
    empty = sb.client.post("/cgi-bin/menu/create", params={"access_token": token}, content=b"")
    assert empty.json()["errcode"] == 44002


# -- customer-service messages -----------------------------------------------------------------------------


def custom(api, app, sb, user="xiaoming", content="您的订单已发货"):
    return api.post(
        app,
        "/cgi-bin/message/custom/send",
        {"touser": sb.openid(user, app.appid), "msgtype": "text", "text": {"content": content}},
    )


def test_custom_message_after_a_user_message_and_unfollow(wxsandbox, api, oa):
    # The per-action window table is tested in test_sandbox_mp_cs_windows.py.
    wxsandbox.sandbox.users.openid("xiaoming", oa.appid)
    assert custom(api, oa, wxsandbox)["errcode"] == 45015  # never interacted
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    wxsandbox.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "还在吗"})
    assert custom(api, oa, wxsandbox)["errcode"] == 0
    chat = wxsandbox.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["messages"]
    assert [m["source"] for m in chat] == ["user", "custom"]
    wxsandbox.control("POST", "mp/oa/unfollow", json={"user": "xiaoming"})
    assert custom(api, oa, wxsandbox)["errcode"] == 45015


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"touser": "oNOBODY", "msgtype": "text", "text": {"content": "x"}}, 40003),
        ({"touser": "", "msgtype": "text", "text": {"content": "x"}}, 40003),
        ({"msgtype": "gif", "gif": {}}, 40008),
        ({"msgtype": "text", "text": {}}, 47003),
        ({"msgtype": "text", "text": {"content": "长" * 700}}, 45002),
    ],
)
def test_custom_message_errors(sb, shared_api, oa, body, errcode):
    sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    body = {"touser": sb.openid("xiaoming", oa.appid)} | body
    assert shared_api.post(oa, "/cgi-bin/message/custom/send", body)["errcode"] == errcode
    chat = sb.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["messages"]
    assert not [m for m in chat if m["source"] == "custom"]


# -- template messages ---------------------------------------------------------------------------------------


def template(api, app, sb, user="xiaoming", **extra):
    return api.post(
        app,
        "/cgi-bin/message/template/send",
        {
            "touser": sb.openid(user, app.appid),
            "template_id": "TPL_ORDER_SHIPPED",
            "data": {"first": {"value": "您的订单已发货"}, "keyword1": {"value": "顺丰 SF123"}},
        }
        | extra,
    )


def test_template_message_quota_and_follow_rule(wxsandbox, api, oa):
    wxsandbox.control("POST", "mp/settings", json={"daily_quotas": {"template.send": 2}})
    assert template(api, oa, wxsandbox)["errcode"] == 43004  # not following
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    first, second = template(api, oa, wxsandbox), template(api, oa, wxsandbox)
    assert first["errcode"] == second["errcode"] == 0 and second["msgid"] > first["msgid"] >= 200228333
    assert template(api, oa, wxsandbox)["errcode"] == 45009
    wxsandbox.advance_clock(86400)
    assert template(api, oa, wxsandbox)["errcode"] == 0


def test_template_client_msg_id_is_idempotent(wxsandbox, api, oa):
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    first = template(api, oa, wxsandbox, client_msg_id="ORDER-42-SHIPPED")
    again = template(api, oa, wxsandbox, client_msg_id="ORDER-42-SHIPPED")
    assert first["msgid"] == again["msgid"]
    chat = wxsandbox.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["messages"]
    assert sum(m["source"] == "template" for m in chat) == 1


@pytest.mark.parametrize(
    ("extra", "errcode"),
    [
        ({"template_id": ""}, 40037),
        ({"data": {}}, 47003),
        ({"data": {"keyword1": "plain string"}}, 47003),
        ({"miniprogram": {"appid": "wxnotlinked", "pagepath": "index"}}, 47003),
    ],
)
def test_template_message_argument_errors(sb, shared_api, oa, extra, errcode):
    sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    assert template(shared_api, oa, sb, **extra)["errcode"] == errcode


def test_strict_template_registry(wxsandbox, api, oa):
    wxsandbox.control(
        "POST", "mp/settings", json={"template_registry": "strict", "templates": {oa.appid: ["TPL_KNOWN"]}}
    )
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    assert template(api, oa, wxsandbox)["errcode"] == 40037
    assert template(api, oa, wxsandbox, template_id="TPL_KNOWN")["errcode"] == 0


def test_invalid_settings_are_refused(sb):
    response = sb.client.post("/sandbox/mp/settings", json={"template_registry": "loose"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_settings"
    response = sb.client.post("/sandbox/mp/settings", json={"no_such_knob": 1})
    assert response.status_code == 400
    assert sb.control("GET", "mp/settings")["template_registry"] == "auto"


# -- Mini Program subscribe messages ------------------------------------------------------------------------


def subscribe_send(api, app, sb, user="wangfang", **extra):
    return api.post(
        app,
        "/cgi-bin/message/subscribe/send",
        {
            "touser": sb.openid(user, app.appid),
            "template_id": "TPL_PAID",
            "page": "pages/order/detail?id=1",
            "data": {"character_string1": {"value": "WX2024"}, "amount2": {"value": "¥6999.00"}},
        }
        | extra,
    )


def test_subscribe_message_needs_a_grant_per_message(wxsandbox, api, mp):
    assert subscribe_send(api, mp, wxsandbox)["errcode"] == 43101
    granted = wxsandbox.control(
        "POST", "mp/subscriptions", json={"user": "wangfang", "template_id": "TPL_PAID", "count": 2}
    )
    assert granted["remaining"] == 2
    assert [subscribe_send(api, mp, wxsandbox)["errcode"] for _ in range(3)] == [0, 0, 43101]
    chat = wxsandbox.control("GET", "mp/oa/conversation", params={"user": "wangfang", "appid": mp.appid})
    assert [m["source"] for m in chat["messages"]] == ["subscribe", "subscribe"]


@pytest.mark.parametrize(
    ("extra", "errcode"),
    [
        ({"touser": "oNOBODY"}, 40003),
        ({"template_id": ""}, 40037),
        ({"data": {"x": {}}}, 47003),
        ({"miniprogram_state": "beta"}, 47003),
        ({"page": "/abs"}, 41030),
    ],
)
def test_subscribe_message_errors_do_not_consume_the_grant(sb, shared_api, mp, extra, errcode):
    sb.control("POST", "mp/subscriptions", json={"user": "wangfang", "template_id": "TPL_PAID"})
    assert subscribe_send(shared_api, mp, sb, **extra)["errcode"] == errcode
    assert subscribe_send(shared_api, mp, sb)["errcode"] == 0


def test_subscribe_send_is_a_mini_program_api(sb, shared_api, oa):
    assert subscribe_send(shared_api, oa, sb)["errcode"] == 48001


# -- QR codes ----------------------------------------------------------------------------------------------


def png_chunks(png: bytes) -> dict:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(kind + data)
        chunks[kind] = chunks.get(kind, b"") + data
        pos += 12 + length
    return chunks


def unfilter(rows: list[bytes]) -> list[bytes]:
    """Undo PNG's per-row filters (none, sub, up, average, Paeth) for 1-bit images (1 byte per pixel step)."""
    out, prior = [], bytes(len(rows[0]) - 1)
    for row in rows:
        kind, line = row[0], bytearray(row[1:])
        for i, value in enumerate(line):
            left = line[i - 1] if i else 0
            up, up_left = prior[i], prior[i - 1] if i else 0
            if kind == 1:
                line[i] = (value + left) & 0xFF
            elif kind == 2:
                line[i] = (value + up) & 0xFF
            elif kind == 3:
                line[i] = (value + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (value + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        out.append(bytes(line))
        prior = out[-1]
    return out


def assert_qr_of(png: bytes, url: str) -> None:
    """The image's pixels, read back module by module, are the QR code (level M) of ``url``."""
    chunks = png_chunks(png)
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert width == height and depth == 1 and colour in (0, 3)  # 1-bit greyscale or palette
    raw, stride = zlib.decompress(chunks[b"IDAT"]), 1 + (width + 7) // 8
    rows = unfilter([raw[i * stride : (i + 1) * stride] for i in range(height)])
    expected = segno.make(url, error="m", micro=False, boost_error=False).matrix
    scale = width // (len(expected) + 8)
    assert scale >= 1 and width == (len(expected) + 8) * scale
    dark_is_zero = colour == 0
    for y, line in enumerate(expected):
        row = rows[(y + 4) * scale]
        for x, module in enumerate(line):
            px = (x + 4) * scale
            bit = row[px // 8] >> (7 - px % 8) & 1
            assert bool(module) == (bit == 0 if dark_is_zero else bit == 1), (x, y)


def test_qrcode_kinds_and_image(wxsandbox, api, oa):
    temp = api.post(
        oa,
        "/cgi-bin/qrcode/create",
        {"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "poster-618"}}},
    )
    assert temp["expire_seconds"] == 30 and temp["url"].startswith("https://weixin.qq.com/q/")
    perm = api.post(
        oa,
        "/cgi-bin/qrcode/create",
        {
            "action_name": "QR_LIMIT_SCENE",
            "expire_seconds": 60,
            "action_info": {"scene": {"scene_id": 100000}},
        },
    )
    assert "expire_seconds" not in perm
    capped = api.post(
        oa,
        "/cgi-bin/qrcode/create",
        {"action_name": "QR_SCENE", "expire_seconds": 10**8, "action_info": {"scene": {"scene_id": 7}}},
    )
    assert capped["expire_seconds"] == 2592000
    image = wxsandbox.client.get("/cgi-bin/showqrcode", params={"ticket": temp["ticket"]})
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-wxsandbox-qr-url"] == temp["url"]
    assert_qr_of(image.content, temp["url"])
    resolved = wxsandbox.control("POST", "mp/qrcode/resolve", json={"url": temp["url"]})
    assert resolved["scene"] == "poster-618"
    wxsandbox.advance_clock(31)
    assert wxsandbox.client.get("/cgi-bin/showqrcode", params={"ticket": temp["ticket"]}).status_code == 404
    assert wxsandbox.client.get("/cgi-bin/showqrcode", params={"ticket": perm["ticket"]}).status_code == 200


def test_missing_scene_wrapper_silently_means_scene_zero(wxsandbox, api, oa):
    qr = api.post(oa, "/cgi-bin/qrcode/create", {"action_name": "QR_SCENE", "action_info": {"scene_id": 5}})
    assert wxsandbox.control("POST", "mp/qrcode/resolve", json={"ticket": qr["ticket"]})["scene"] == "0"


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"action_name": "QR_FOREVER", "action_info": {"scene": {"scene_id": 1}}}, 40097),
        ({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100001}}}, 40053),
        ({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 0}}}, 40053),
        ({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "x" * 65}}}, 40053),
        ({"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": ""}}}, 40053),
        ({"action_name": "QR_SCENE", "action_info": "oops"}, 40053),
        ({"action_name": "QR_SCENE", "expire_seconds": -1, "action_info": {"scene": {"scene_id": 1}}}, 40097),
    ],
)
def test_qrcode_errors(shared_api, oa, body, errcode):
    assert shared_api.post(oa, "/cgi-bin/qrcode/create", body)["errcode"] == errcode


# -- Mini Program links -----------------------------------------------------------------------------------


def test_url_link_scheme_and_short_link_resolve(wxsandbox, api, mp):
    link = api.post(
        mp,
        "/wxa/generate_urllink",
        {"path": "pages/product/detail", "query": "id=42&from=sms", "expire_type": 1, "expire_interval": 7},
    )
    assert link["url_link"].startswith("https://wxaurl.cn/")
    scheme = api.post(mp, "/wxa/generatescheme", {"jump_wxa": {"path": "pages/index/index", "query": ""}})
    assert scheme["openlink"].startswith("weixin://dl/business/?t=")
    short = api.post(
        mp,
        "/wxa/genwxashortlink",
        {
            "page_url": "pages/cart/index?c=1",
            "is_permanent": True,
            "page_title": "双十一购物车大促活动限时抢购正在进行中快来看看吧",
        },
    )
    assert short["link"].startswith("#小程序://")
    target = wxsandbox.control("POST", "mp/links/resolve", json={"link": link["url_link"]})
    assert (target["appid"], target["path"], target["query"]) == (
        mp.appid,
        "pages/product/detail",
        "id=42&from=sms",
    )
    assert wxsandbox.control("POST", "mp/links/resolve", json={"link": short["link"]})["query"] == "c=1"
    assert len(wxsandbox.control("POST", "mp/links/resolve", json={"link": short["link"]})["title"]) == 20
    wxsandbox.advance_clock(7 * 86400 + 1)
    gone = wxsandbox.client.post("/sandbox/mp/links/resolve", json={"link": link["url_link"]})
    assert gone.status_code == 404
    assert wxsandbox.control("POST", "mp/links/resolve", json={"link": short["link"]})  # permanent


def test_link_time_rules(wxsandbox, api, mp):
    now = int(wxsandbox.control("GET", "clock")["now"])
    assert (
        api.post(mp, "/wxa/generate_urllink", {"expire_type": 1, "expire_interval": 31})["errcode"] == 85401
    )
    assert (
        api.post(mp, "/wxa/generate_urllink", {"expire_type": 0, "expire_time": now - 10})["errcode"] == 85402
    )
    assert api.post(mp, "/wxa/generate_urllink", {"expire_time": now + 31 * 86400})["errcode"] == 85401
    assert api.post(mp, "/wxa/generate_urllink", {"expire_time": now + 86400})["errcode"] == 0
    assert api.post(mp, "/wxa/generate_urllink", {"path": "pages/a?x=1"})["errcode"] == 40165
    assert api.post(mp, "/wxa/generate_urllink", {"query": "a=<b>"})["errcode"] == 40097
    assert api.post(mp, "/wxa/generate_urllink", {"env_version": "beta"})["errcode"] == 40097


def test_links_are_mini_program_apis(shared_api, oa):
    assert shared_api.post(oa, "/wxa/generate_urllink", {})["errcode"] == 48001


# -- JS-SDK ------------------------------------------------------------------------------------------------


def test_jsapi_signature_official_vector():
    ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    assert (
        jsapi_signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    )
    assert (
        jsapi_signature(ticket, "Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com")
        == "f4d90daf4b3bca3078ab155816175ba34c443a7b"
    )
    assert (
        jsapi_signature(ticket, "Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com#frag")
        == "f4d90daf4b3bca3078ab155816175ba34c443a7b"
    )


def test_jsapi_ticket_is_cached_and_wx_config_is_verified(wxsandbox, api, oa):
    first = api.get(oa, "/cgi-bin/ticket/getticket", type="jsapi")
    assert first["errcode"] == 0 and first["expires_in"] == 7200
    assert api.get(oa, "/cgi-bin/ticket/getticket", type="jsapi")["ticket"] == first["ticket"]
    assert api.get(oa, "/cgi-bin/ticket/getticket", type="wx_card")["ticket"] != first["ticket"]
    assert api.get(oa, "/cgi-bin/ticket/getticket", type="bogus")["errcode"] == 40097
    url = "http://shop.test/p/1?from=menu"
    config = {
        "appId": oa.appid,
        "timestamp": "1700000000",
        "nonceStr": "abc",
        "signature": jsapi_signature(first["ticket"], "abc", "1700000000", url),
        "url": url + "#top",
    }
    assert wxsandbox.control("POST", "mp/jssdk/verify", json=config)["ok"]
    forged = wxsandbox.control("POST", "mp/jssdk/verify", json=config | {"nonceStr": "abd"})
    assert forged == {"ok": False, "errMsg": "config:invalid signature", "reason": "签名不匹配"}
    wxsandbox.advance_clock(7201)
    renewed = api.get(oa, "/cgi-bin/ticket/getticket", type="jsapi")
    assert renewed["ticket"] != first["ticket"]
    assert not wxsandbox.control("POST", "mp/jssdk/verify", json=config)["ok"]


# -- Mini Program codes ------------------------------------------------------------------------------------


# Mini Program codes and link queries: tests/sandbox/test_sandbox_mp_codes.py


# -- temporary media ------------------------------------------------------------------------------------------

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def upload(sb, app, media_type="image", data=PNG_BYTES, name="photo.png", mime="image/png"):
    return sb.client.post(
        "/cgi-bin/media/upload",
        params={"access_token": sb.access_token(app), "type": media_type},
        files={"media": (name, data, mime)},
    ).json()


def test_media_upload_get_and_use_in_custom_messages(wxsandbox, api, oa):
    uploaded = upload(wxsandbox, oa)
    assert uploaded["type"] == "image" and uploaded["media_id"]
    got = wxsandbox.client.get(
        "/cgi-bin/media/get",
        params={"access_token": wxsandbox.access_token(oa), "media_id": uploaded["media_id"]},
    )
    assert got.content == PNG_BYTES and got.headers["content-type"] == "image/png"
    assert wxsandbox.client.get(f"/sandbox/mp/media/{uploaded['media_id']}").content == PNG_BYTES
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    openid = wxsandbox.openid("xiaoming", oa.appid)
    send = {"touser": openid, "msgtype": "image", "image": {"media_id": uploaded["media_id"]}}
    assert api.post(oa, "/cgi-bin/message/custom/send", send)["errcode"] == 0
    bogus = send | {"image": {"media_id": "nope"}}
    assert api.post(oa, "/cgi-bin/message/custom/send", bogus)["errcode"] == 40007
    voice = upload(wxsandbox, oa, "voice", b"#!AMR\n" + b"\0" * 10, "v.amr", "audio/amr")
    wrong_type = send | {"image": {"media_id": voice["media_id"]}}
    assert api.post(oa, "/cgi-bin/message/custom/send", wrong_type)["errcode"] == 40007
    wxsandbox.advance_clock(3 * 86400 + 1)
    wxsandbox.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "图呢"})
    assert api.post(oa, "/cgi-bin/message/custom/send", send)["errcode"] == 40007  # expired after 3 days


def test_media_upload_errors(sb, oa, mp):
    assert upload(sb, oa, media_type="gif")["errcode"] == 40004
    assert upload(sb, oa, media_type="thumb", data=b"x" * (64 * 1024 + 1))["errcode"] == 40006
    assert upload(sb, oa, data=b"")["errcode"] == 41005
    raw = sb.client.post(
        "/cgi-bin/media/upload",
        params={"access_token": sb.access_token(oa), "type": "image"},
        content=PNG_BYTES,
    )
    assert raw.json()["errcode"] == 41005
    media_id = upload(sb, oa)["media_id"]
    other = sb.client.get(
        "/cgi-bin/media/get", params={"access_token": sb.access_token(mp), "media_id": media_id}
    )
    assert other.json()["errcode"] == 40007  # media belong to the account that uploaded them
    assert sb.client.get("/sandbox/mp/media/nope").status_code == 404


def test_template_library_feeds_the_strict_registry(wxsandbox, api, oa):
    wxsandbox.control(
        "POST",
        "mp/settings",
        json={"template_registry": "strict", "templates": {oa.appid: ["TPL_CONFIGURED"]}},
    )
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    added = api.post(
        oa,
        "/cgi-bin/template/api_add_template",
        {"template_id_short": "OPENTM207791277", "keyword_name_list": ["订单号", "物流"]},
    )
    assert added["errcode"] == 0
    listed = [
        t["template_id"] for t in api.get(oa, "/cgi-bin/template/get_all_private_template")["template_list"]
    ]
    assert listed == ["TPL_CONFIGURED", added["template_id"]]
    assert template(api, oa, wxsandbox, template_id=added["template_id"])["errcode"] == 0
    deleted = api.post(oa, "/cgi-bin/template/del_private_template", {"template_id": added["template_id"]})
    assert deleted["errcode"] == 0
    assert template(api, oa, wxsandbox, template_id=added["template_id"])["errcode"] == 40037
    assert api.post(oa, "/cgi-bin/template/del_private_template", {"template_id": "nope"})["errcode"] == 40037


def test_template_library_holds_25(api, oa):
    for i in range(25):
        assert (
            api.post(oa, "/cgi-bin/template/api_add_template", {"template_id_short": f"TM{i:05d}"})["errcode"]
            == 0
        )
    assert (
        api.post(oa, "/cgi-bin/template/api_add_template", {"template_id_short": "TM99999"})["errcode"]
        == 45026
    )


def test_refused_sends_consume_no_quota(wxsandbox, api, oa, mp):
    wxsandbox.control("POST", "mp/settings", json={"daily_quotas": {"custom.send": 1, "subscribe.send": 1}})
    wxsandbox.sandbox.users.openid("xiaoming", oa.appid)
    assert custom(api, oa, wxsandbox)["errcode"] == 45015
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    assert custom(api, oa, wxsandbox)["errcode"] == 0
    assert custom(api, oa, wxsandbox)["errcode"] == 45009
    assert subscribe_send(api, mp, wxsandbox)["errcode"] == 43101
    wxsandbox.control(
        "POST", "mp/subscriptions", json={"user": "wangfang", "template_id": "TPL_PAID", "count": 2}
    )
    assert subscribe_send(api, mp, wxsandbox)["errcode"] == 0
    assert subscribe_send(api, mp, wxsandbox)["errcode"] == 45009
    assert (
        wxsandbox.control(
            "POST", "mp/subscriptions", json={"user": "wangfang", "template_id": "TPL_PAID", "count": 1}
        )["remaining"]
        == 2
    )


def test_typing_indicator_within_the_window(wxsandbox, api, oa):
    openid = wxsandbox.openid("lihua", oa.appid)
    typing = {"touser": openid, "command": "Typing"}
    assert api.post(oa, "/cgi-bin/message/custom/typing", typing)["errcode"] == 45015
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "lihua"})
    assert api.post(oa, "/cgi-bin/message/custom/typing", typing)["errcode"] == 0
    chat = wxsandbox.control("GET", "mp/oa/conversation", params={"user": "lihua"})
    assert chat["typing"] is True
    custom(api, oa, wxsandbox, "lihua")
    assert wxsandbox.control("GET", "mp/oa/conversation", params={"user": "lihua"})["typing"] is False
    api.post(oa, "/cgi-bin/message/custom/typing", typing)
    wxsandbox.advance_clock(16)
    assert wxsandbox.control("GET", "mp/oa/conversation", params={"user": "lihua"})["typing"] is False
    bad = api.post(oa, "/cgi-bin/message/custom/typing", typing | {"command": "Dancing"})
    assert bad["errcode"] == 40097


def test_follower_batch_info(wxsandbox, api, oa):
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    users = [{"openid": wxsandbox.openid(u, oa.appid), "lang": "zh_CN"} for u in ("xiaoming", "lihua")]
    infos = api.post(oa, "/cgi-bin/user/info/batchget", {"user_list": users})["user_info_list"]
    assert [i["subscribe"] for i in infos] == [1, 0] and all(i["unionid"] for i in infos)
    assert api.post(oa, "/cgi-bin/user/info/batchget", {"user_list": users * 51})["errcode"] == 45035
    assert (
        api.post(oa, "/cgi-bin/user/info/batchget", {"user_list": [{"openid": "oNOPE"}]})["errcode"] == 40003
    )
    assert api.post(oa, "/cgi-bin/user/info/batchget", {"user_list": "x"})["errcode"] == 47001
