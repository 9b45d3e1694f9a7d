"""wxsandbox's follower-tag APIs over the wire (raw HTTP, as a developer's server calls them)."""

import pytest

from wxsandbox.config import OFFICIAL_ACCOUNT


@pytest.fixture
def oa(wxsandbox):
    app = wxsandbox.app_of_kind(OFFICIAL_ACCOUNT)
    token = wxsandbox.access_token(app)

    def call(path, body=None):
        params = {"access_token": token}
        if body is None:
            return wxsandbox.client.get(path, params=params).json()
        return wxsandbox.client.post(path, params=params, json=body).json()

    call.openid = lambda user: wxsandbox.openid(user, app.appid)
    return call


def test_tag_lifecycle_and_members(oa):
    made = oa("/cgi-bin/tags/create", {"tag": {"name": "徐汇门店"}})["tag"]
    assert made["name"] == "徐汇门店" and made["id"] >= 100
    assert oa("/cgi-bin/tags/create", {"tag": {"name": "徐汇门店"}})["errcode"] == 45157
    assert oa("/cgi-bin/tags/create", {"tag": {"name": "长" * 31}})["errcode"] == 45158
    me, you = oa.openid("xiaoming"), oa.openid("lihua")
    body = {"openid_list": [me, you, me], "tagid": made["id"]}
    assert oa("/cgi-bin/tags/members/batchtagging", body)["errcode"] == 0
    assert oa("/cgi-bin/tags/members/batchtagging", body)["errcode"] == 0  # again: a no-op
    assert oa("/cgi-bin/tags/getidlist", {"openid": me})["tagid_list"] == [made["id"]]
    listed = oa("/cgi-bin/user/tag/get", {"tagid": made["id"]})
    assert sorted(listed["data"]["openid"]) == sorted([me, you]) and listed["count"] == 2
    tags = {t["id"]: t for t in oa("/cgi-bin/tags/get")["tags"]}
    assert tags[made["id"]]["count"] == 2 and tags[2]["name"] == "星标组"
    assert oa("/cgi-bin/tags/update", {"tag": {"id": made["id"], "name": "徐汇店"}})["errcode"] == 0
    assert (
        oa("/cgi-bin/tags/members/batchuntagging", {"openid_list": [you], "tagid": made["id"]})["errcode"]
        == 0
    )
    assert oa("/cgi-bin/tags/getidlist", {"openid": you})["tagid_list"] == []
    assert oa("/cgi-bin/tags/delete", {"tag": {"id": made["id"]}})["errcode"] == 0
    assert oa("/cgi-bin/tags/getidlist", {"openid": me})["tagid_list"] == []


@pytest.mark.parametrize(
    ("path", "body", "errcode"),
    [
        ("/cgi-bin/tags/update", {"tag": {"id": 2, "name": "x"}}, 45058),
        ("/cgi-bin/tags/delete", {"tag": {"id": 2}}, 45058),
        ("/cgi-bin/tags/delete", {"tag": {"id": 999}}, 45159),
        ("/cgi-bin/tags/members/batchtagging", {"openid_list": ["nobody"], "tagid": 2}, 40003),
        ("/cgi-bin/tags/members/batchtagging", {"openid_list": ["o"] * 51, "tagid": 2}, 40032),
        ("/cgi-bin/tags/members/batchtagging", {"openid_list": [], "tagid": 2}, 47001),
        ("/cgi-bin/tags/getidlist", {"openid": "nobody"}, 40003),
        ("/cgi-bin/tags/create", {"tag": "x"}, 47001),
    ],
)
def test_bad_tag_calls_get_wechats_errcodes(oa, path, body, errcode):
    assert oa(path, body)["errcode"] == errcode


def test_a_fan_has_at_most_twenty_tags(oa):
    me = oa.openid("xiaoming")
    ids = [oa("/cgi-bin/tags/create", {"tag": {"name": f"标签{i}"}})["tag"]["id"] for i in range(21)]
    for tag_id in ids[:20]:
        assert (
            oa("/cgi-bin/tags/members/batchtagging", {"openid_list": [me], "tagid": tag_id})["errcode"] == 0
        )
    assert (
        oa("/cgi-bin/tags/members/batchtagging", {"openid_list": [me], "tagid": ids[20]})["errcode"] == 45059
    )
