"""The hub's own TC3-HMAC-SHA256 signer against the reference's official vectors (§3.5)."""

import pytest

from wxmall.compliance import tc3

SID, KEY = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
CVM_BODY = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
TMS_BODY = b'{"Content":"5L2g5aW977yM5LiW55WM","BizType":"default","DataId":"order-20240101-0001"}'


@pytest.mark.parametrize(
    ("service", "host", "action", "body", "ts", "signed", "expected"),
    [
        (
            "cvm",
            "cvm.tencentcloudapi.com",
            "DescribeInstances",
            CVM_BODY,
            1551113065,
            ("content-type", "host"),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
            "SignedHeaders=content-type;host, "
            "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
        ),
        (
            "cvm",
            "cvm.tencentcloudapi.com",
            "DescribeInstances",
            CVM_BODY,
            1551113065,
            tc3.SIGNED_HEADERS,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
            "SignedHeaders=content-type;host;x-tc-action, "
            "Signature=644be983de9a8a3f00db8eadaba61467c3b429e2215758ba897b738ca469fd26",
        ),
        (
            "tms",
            "tms.tencentcloudapi.com",
            "TextModeration",
            TMS_BODY,
            1704067200,
            tc3.SIGNED_HEADERS,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2024-01-01/tms/tc3_request, "
            "SignedHeaders=content-type;host;x-tc-action, "
            "Signature=00c1c6d994cbef769066c749ec0345f4ba8175c15c191d27da06047a4fab9d21",
        ),
    ],
)
def test_authorization_matches_the_reference_vectors(service, host, action, body, ts, signed, expected):
    got = tc3.authorization(
        secret_id=SID,
        secret_key=KEY,
        service=service,
        host=host,
        action=action,
        body=body,
        timestamp=ts,
        signed_headers=signed,
    )
    assert got == expected


def test_one_changed_byte_changes_the_signature():
    args = dict(secret_id=SID, secret_key=KEY, service="tms", host="tms.tencentcloudapi.com")
    a = tc3.authorization(**args, action="TextModeration", body=TMS_BODY, timestamp=1704067200)
    b = tc3.authorization(**args, action="TextModeration", body=TMS_BODY + b" ", timestamp=1704067200)
    assert a != b
