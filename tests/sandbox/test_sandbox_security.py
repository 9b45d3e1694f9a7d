"""The content-security surface: WeChat msg_sec_check v2 (and v1) and Tencent Cloud TMS TextModeration.

TC3 signing is checked against the reference's official vectors; TMS is called with Tencent Cloud's own
Python SDK (an independent signer), so the sandbox's verification is proven against someone else's code."""

import base64
import json

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.tms.v20201229 import models, tms_client

from wxsandbox.security import tc3
from wxsandbox.security.settings import DEFAULT_TMS_SECRET_ID, DEFAULT_TMS_SECRET_KEY

VECTOR_ID, VECTOR_KEY = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
CVM_BODY = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
CT = "application/json; charset=utf-8"


@pytest.mark.parametrize(
    ("host", "action", "body", "ts", "service", "expected"),
    [
        (
            "cvm.tencentcloudapi.com",
            None,
            CVM_BODY,
            1551113065,
            "cvm",
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
        ),
        (
            "cvm.tencentcloudapi.com",
            "DescribeInstances",
            CVM_BODY,
            1551113065,
            "cvm",
            "644be983de9a8a3f00db8eadaba61467c3b429e2215758ba897b738ca469fd26",
        ),
        (
            "tms.tencentcloudapi.com",
            "TextModeration",
            b'{"Content":"5L2g5aW977yM5LiW55WM","BizType":"default","DataId":"order-20240101-0001"}',
            1704067200,
            "tms",
            "00c1c6d994cbef769066c749ec0345f4ba8175c15c191d27da06047a4fab9d21",
        ),
    ],
)
def test_tc3_matches_the_reference_vectors(host, action, body, ts, service, expected):
    headers = {"content-type": CT, "host": host}
    signed = ("content-type", "host")
    if action:
        headers["x-tc-action"], signed = action, (*signed, "x-tc-action")
    date = {1551113065: "2019-02-25", 1704067200: "2024-01-01"}[ts]
    got = tc3.signature(
        VECTOR_KEY,
        method="POST",
        query="",
        headers=headers,
        signed=signed,
        body=body,
        timestamp=ts,
        date=date,
        service=service,
    )
    assert got == expected


def _sdk(sb, secret_key=DEFAULT_TMS_SECRET_KEY):
    http = HttpProfile(endpoint=sb.base_url.split("://", 1)[1], protocol="http", reqTimeout=5)
    http.scheme = "http"
    cred = credential.Credential(DEFAULT_TMS_SECRET_ID, secret_key)
    return tms_client.TmsClient(cred, "ap-guangzhou", ClientProfile(httpProfile=http))


def _moderate(client, text, **extra):
    req = models.TextModerationRequest()
    req.from_json_string(json.dumps({"Content": base64.b64encode(text.encode()).decode(), **extra}))
    return client.TextModeration(req)


@pytest.fixture
def sec(sb):
    sb.control("DELETE", "security/settings")
    return sb


def test_tms_official_sdk_gets_verdicts_per_keyword(sec):
    client = _sdk(sec)
    clean = _moderate(client, "这款笔记本搭载 16GB 内存", DataId="p-1")
    assert (clean.Suggestion, clean.Label, clean.DataId) == ("Pass", "Normal", "p-1")
    blocked = _moderate(client, "支持代开发票，欢迎咨询")
    assert (blocked.Suggestion, blocked.Label, blocked.Keywords) == ("Block", "Illegal", ["代开发票"])
    assert blocked.DetailResults[0].HitInfos[0].Positions[0].Start == 2
    sec.control("POST", "security/settings", json={"tms_keywords": {"秒杀": ["Review", "Ad"]}})
    review = _moderate(client, "今晚秒杀")
    assert (review.Suggestion, review.Label) == ("Review", "Ad")
    assert review.RequestId != blocked.RequestId


def test_tms_refuses_a_wrong_secret_with_signature_failure(sec):
    with pytest.raises(TencentCloudSDKException) as exc:
        _moderate(_sdk(sec, secret_key="x" * 32), "你好")
    assert exc.value.code == "AuthFailure.SignatureFailure"


def _raw(
    sec,
    body: bytes,
    *,
    ts=None,
    action="TextModeration",
    version="2020-12-29",
    secret=DEFAULT_TMS_SECRET_KEY,
    service="tms",
    date=None,
):
    from datetime import UTC, datetime

    ts = ts if ts is not None else sec.sandbox.clock.timestamp()
    date = date or datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")
    host = sec.base_url.split("://", 1)[1]
    headers = {"content-type": CT, "host": host, "x-tc-action": action.lower()}
    signed = ("content-type", "host", "x-tc-action")
    sig = tc3.signature(
        secret,
        method="POST",
        query="",
        headers=headers,
        signed=signed,
        body=body,
        timestamp=ts,
        date=date,
        service=service,
    )
    auth = (
        f"TC3-HMAC-SHA256 Credential={DEFAULT_TMS_SECRET_ID}/{date}/{service}/tc3_request, "
        f"SignedHeaders={';'.join(signed)}, Signature={sig}"
    )
    send = {
        "Content-Type": CT,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Region": "ap-guangzhou",
        "X-TC-Timestamp": str(ts),
        "Authorization": auth,
    }
    answer = sec.client.post("/", content=body, headers=send).json()["Response"]
    assert answer["RequestId"]
    return answer.get("Error", {}).get("Code"), answer


def _content(text: str) -> bytes:
    return json.dumps({"Content": base64.b64encode(text.encode()).decode()}).encode()


def test_tms_refusals(sec):
    now = sec.sandbox.clock.timestamp()
    assert _raw(sec, _content("你好"))[0] is None
    assert _raw(sec, _content("你好"), ts=now - 301)[0] == "AuthFailure.SignatureExpire"
    assert _raw(sec, _content("你好"), date="2001-01-01")[0] == "AuthFailure.SignatureFailure"
    assert _raw(sec, _content("你好"), service="cvm")[0] == "AuthFailure.SignatureFailure"
    assert _raw(sec, _content("你好"), action="DescribeInstances")[0] == "InvalidAction"
    assert _raw(sec, _content("你好"), version="2018-01-01")[0] == "NoSuchVersion"
    assert _raw(sec, b'{"Content":"***"}')[0] == "InvalidParameterValue.ErrTextContentType"
    assert _raw(sec, _content("长" * 10_001))[0] == "InvalidParameterValue.ErrTextContentLen"
    assert _raw(sec, b"{}")[0] == "MissingParameter"
    assert _raw(sec, b"not json")[0] == "InvalidParameter.ParameterError"
    unsigned = sec.client.post("/", content=_content("你好"), headers={"X-TC-Action": "TextModeration"})
    assert unsigned.json()["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"


@pytest.fixture
def mp_token(sec, mp):
    return sec.access_token(mp)


def _check(sec, token, **body):
    return sec.client.post("/wxa/msg_sec_check", params={"access_token": token}, json=body).json()


def test_msg_sec_check_v2_verdicts(sec, mp, mp_token):
    openid = sec.mp_login(sec.config.users[0].id, mp)
    clean = _check(sec, mp_token, openid=openid, scene=2, version=2, content="新品上市，欢迎选购")
    assert (
        clean["errcode"] == 0 and clean["result"] == {"suggest": "pass", "label": 100} and clean["trace_id"]
    )
    risky = _check(sec, mp_token, openid=openid, scene=2, version=2, content="线上赌博")
    assert risky["result"] == {"suggest": "risky", "label": 20006}
    assert {"strategy": "keyword", "keyword": "赌博"}.items() <= risky["detail"][1].items()
    review = _check(sec, mp_token, openid=openid, scene=1, version=2, content="加微信领红包")
    assert review["result"]["suggest"] == "review"
    assert _check(sec, mp_token, content="线上赌博")["errcode"] == 87014  # v1
    assert _check(sec, mp_token, content="你好") == {"errcode": 0, "errmsg": "ok"}


def test_msg_sec_check_refusals(sec, mp, oa, mp_token):
    openid = sec.mp_login(sec.config.users[0].id, mp)
    base = {"openid": openid, "scene": 2, "version": 2, "content": "你好"}
    assert _check(sec, mp_token, **{**base, "scene": 5})["errcode"] == 40129
    assert _check(sec, mp_token, **{**base, "content": "长" * 2501})["errcode"] == 47001
    assert _check(sec, mp_token, **{**base, "openid": "o" + "x" * 27})["errcode"] == 40003
    foreign = sec.openid(sec.config.users[0].id, oa.appid)
    assert _check(sec, mp_token, **{**base, "openid": foreign})["errcode"] == 43104
    in_body = sec.client.post("/wxa/msg_sec_check", json={**base, "access_token": mp_token}).json()
    assert in_body["errcode"] == 47001
    got = sec.client.get("/wxa/msg_sec_check", params={"access_token": mp_token}).json()
    assert got["errcode"] == 43302
    assert _check(sec, sec.access_token(oa), **base)["errcode"] == 48001
    sec.add_fault(target="security.msg_sec_check", errcode=-1, times=1)
    assert _check(sec, mp_token, **base)["errcode"] == -1
    assert _check(sec, mp_token, **base)["errcode"] == 0


def test_msg_sec_check_wants_a_visit_within_two_hours(sec, mp, mp_token):
    """v2 judges text as written by a user who used the Mini Program lately (reference §3.1): an openid
    never logged in, or logged in more than 2 h ago of sandbox time, gets the configured errcode."""
    users = sec.config.users
    base = {"scene": 2, "version": 2, "content": "你好"}
    never = sec.openid(users[1].id, mp.appid)
    assert _check(sec, mp_token, openid=never, **base)["errcode"] == 43104
    openid = sec.mp_login(users[0].id, mp)
    sec.advance_clock(7200 - 5)
    assert _check(sec, mp_token, openid=openid, **base)["errcode"] == 0
    sec.advance_clock(10)
    token = sec.access_token(mp)  # the first one expired with the clock
    assert _check(sec, token, openid=openid, **base)["errcode"] == 43104
    assert sec.mp_login(users[0].id, mp) == openid  # a new visit re-opens it
    assert _check(sec, token, openid=openid, **base)["errcode"] == 0
    sec.control("POST", "security/settings", json={"msg_sec_visit_errcode": 61010})
    assert _check(sec, token, openid=never, **base)["errcode"] == 61010
    sec.control("POST", "security/settings", json={"msg_sec_visit_seconds": 0})  # the rule off
    assert _check(sec, token, openid=never, **base)["errcode"] == 0
    assert _check(sec, token, content="你好", openid=never) == {"errcode": 0, "errmsg": "ok"}  # v1: no openid


def test_settings_are_validated_and_hide_the_secret(sec):
    assert sec.control("GET", "security/settings")["tms_secret_key"] == "***"
    bad = sec.client.post("/sandbox/security/settings", json={"keywords": {"x": ["maybe", 1]}})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_settings"
    bad = sec.client.post("/sandbox/security/settings", json={"msg_sec_visit_errcode": 40001})
    assert bad.status_code == 400 and "msg_sec_visit_errcode" in bad.json()["message"]
