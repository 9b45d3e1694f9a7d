"""wxsandbox's mass send (群发, /cgi-bin/message/mass/sendall) over the wire: to a tag's followers, with
clientmsgid idempotency (45065), the monthly per-follower cap, quotas and the bad-input errcodes."""

import pytest

from wxsandbox.config import OFFICIAL_ACCOUNT


@pytest.fixture
def wx(wxsandbox):
    app = wxsandbox.app_of_kind(OFFICIAL_ACCOUNT)
    token = wxsandbox.access_token(app)

    def call(path, body):
        return wxsandbox.client.post(path, params={"access_token": token}, json=body).json()

    call.openid = lambda user: wxsandbox.openid(user, app.appid)
    call.sb = wxsandbox
    return call


def _tag(wx, name, users):
    tag_id = wx("/cgi-bin/tags/create", {"tag": {"name": name}})["tag"]["id"]
    openids = [wx.openid(u) for u in users]
    assert wx("/cgi-bin/tags/members/batchtagging", {"openid_list": openids, "tagid": tag_id})["errcode"] == 0
    return tag_id


def _text(tag_id, content="双十二全场满减", **extra):
    return {
        "filter": {"is_to_all": False, "tag_id": tag_id},
        "msgtype": "text",
        "text": {"content": content},
    } | extra


def _chat(wx, user):
    return wx.sb.control("GET", "mp/oa/conversation", params={"user": user})["messages"]


def test_a_tag_is_mass_sent_to_its_followers_only_once_per_clientmsgid(wx):
    for user in ("xiaoming", "lihua"):
        wx.sb.control("POST", "mp/oa/follow", json={"user": user})
    tag_id = _tag(wx, "高价值", ["xiaoming", "lihua", "wangfang"])  # wangfang does not follow
    sent = wx("/cgi-bin/message/mass/sendall", _text(tag_id, clientmsgid="seg-1-send-1"))
    assert sent["errcode"] == 0 and sent["msg_id"] >= 1_000_000_001 and "msg_data_id" not in sent
    assert [m["body"]["content"] for m in _chat(wx, "xiaoming") if m["source"] == "mass"] == [
        "双十二全场满减"
    ]
    assert not [m for m in _chat(wx, "wangfang") if m["source"] == "mass"]
    again = wx("/cgi-bin/message/mass/sendall", _text(tag_id, clientmsgid="seg-1-send-1"))
    assert again["errcode"] == 45065
    assert len([m for m in _chat(wx, "lihua") if m["source"] == "mass"]) == 1


def test_a_follower_gets_at_most_the_monthly_cap(wx):
    wx.sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    wx.sb.control("POST", "mp/settings", json={"mass_user_monthly_limit": 2})
    tag_id = _tag(wx, "老客", ["xiaoming"])
    for i in range(3):
        assert wx("/cgi-bin/message/mass/sendall", _text(tag_id, f"第{i}条"))["errcode"] == 0
    assert len([m for m in _chat(wx, "xiaoming") if m["source"] == "mass"]) == 2


def test_the_daily_call_quota_answers_45028(wx):
    wx.sb.control("POST", "mp/settings", json={"daily_quotas": {"mass.sendall": 1}})
    tag_id = _tag(wx, "限额", ["xiaoming"])
    assert wx("/cgi-bin/message/mass/sendall", _text(tag_id))["errcode"] == 0
    assert wx("/cgi-bin/message/mass/sendall", _text(tag_id))["errcode"] == 45028


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"filter": {"is_to_all": False, "tag_id": 999}, "msgtype": "text", "text": {"content": "x"}}, 45159),
        ({"filter": {"tag_id": 2}, "msgtype": "text", "text": {"content": "x"}}, 47001),
        ({"filter": {"is_to_all": False, "tag_id": 2}, "msgtype": "text", "text": {"content": " "}}, 44004),
        (
            {
                "filter": {"is_to_all": False, "tag_id": 2},
                "msgtype": "text",
                "text": {"content": "长" * 7000},
            },
            45002,
        ),
        (
            {"filter": {"is_to_all": False, "tag_id": 2}, "msgtype": "image", "image": {"media_id": "nope"}},
            40007,
        ),
        ({"filter": {"is_to_all": False, "tag_id": 2}, "msgtype": "music", "music": {}}, 47001),
        (
            {
                "filter": {"is_to_all": True},
                "msgtype": "text",
                "text": {"content": "x"},
                "clientmsgid": "c" * 65,
            },
            47001,
        ),
    ],
)
def test_bad_mass_sends_get_wechats_errcodes(wx, body, errcode):
    assert wx("/cgi-bin/message/mass/sendall", body)["errcode"] == errcode
