"""Every WeChat Pay v3 test vector of the reference (§1.17) reproduces exactly with the sandbox's code."""

import json

import pytest
from pay_vectors import (
    C1,
    D1_SIGNATURE,
    D2_BODY,
    D2_SIGNATURE,
    D3_SIGNATURE,
    D4_CIPHERTEXT,
    D4_PLAINTEXT,
    D4_SIGNATURE,
    K1,
    P1,
    V2_SIGNATURE,
    V4_BODY,
    V4_SIGNATURE,
)
from wechatpayv3.utils import aes_decrypt as sdk_aes_decrypt

from wxsandbox.config import MerchantConfig
from wxsandbox.pay import crypto, signing


def test_v1_signed_message_layout():
    assert (
        signing.request_message("GET", "/v3/certificates", "1624523846", "A1B2C3D4E5F6G7", "")
        == "GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n"
    )
    # A body's own trailing newline is kept and one more is appended.
    assert (
        signing.request_message("POST", "/v3/certificates", "1624523846", "A1B2C3D4E5F6G7", "Hello World!\n")
        == "POST\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\nHello World!\n\n"
    )
    assert signing.response_message("1", "n", b"") == "1\nn\n\n"


def test_v2_sha256_with_rsa():
    assert crypto.rsa_sign(K1, "source") == V2_SIGNATURE
    assert crypto.rsa_verify(P1, "source", V2_SIGNATURE)
    assert crypto.rsa_verify(C1, "source", V2_SIGNATURE)  # the certificate carries the same public key
    assert not crypto.rsa_verify(P1, "wrong source", V2_SIGNATURE)
    assert not crypto.rsa_verify(P1, "source", "not base64!")


def test_d1_certificates_request_signature():
    assert crypto.rsa_sign(K1, "GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n") == D1_SIGNATURE


def test_d2_jsapi_prepay_authorization_is_built_and_accepted():
    header = signing.build_authorization(
        "1230000109",
        "D7CE59D1F522D701",
        K1,
        "POST",
        "/v3/pay/transactions/jsapi",
        D2_BODY,
        1624523846,
        "A1B2C3D4E5F6G7",
    )
    assert f'signature="{D2_SIGNATURE}"' in header
    auth = signing.parse_authorization(header)
    merchant = MerchantConfig(
        mchid="1230000109", merchant_serial="D7CE59D1F522D701", merchant_public_key_pem=P1
    )
    signing.verify_signature(auth, merchant, "POST", "/v3/pay/transactions/jsapi", D2_BODY.encode())
    with pytest.raises(signing.AuthError) as bad:
        signing.verify_signature(
            auth, merchant, "POST", "/v3/pay/transactions/jsapi", D2_BODY.encode() + b" "
        )
    info = bad.value.detail["sign_information"]
    # WeChat's diagnostic: the first 64 characters of the message it rebuilt, plus a newline (§1.7 example).
    assert (
        info["truncated_sign_message"]
        == 'POST\n/v3/pay/transactions/jsapi\n1624523846\nA1B2C3D4E5F6G7\n{"appi\n'
    )
    assert info["sign_message_length"] == len(
        signing.request_message(
            "POST", "/v3/pay/transactions/jsapi", "1624523846", "A1B2C3D4E5F6G7", D2_BODY + " "
        ).encode()
    )


def test_authorization_pairs_parse_in_any_order():
    reordered = (
        'WECHATPAY2-SHA256-RSA2048 signature="c2ln",serial_no="ABC",timestamp="1624523846",'
        'nonce_str="n1",mchid="1900009191"'
    )
    auth = signing.parse_authorization(reordered)
    assert (auth.mchid, auth.nonce_str, auth.timestamp, auth.serial_no, auth.signature) == (
        "1900009191",
        "n1",
        "1624523846",
        "ABC",
        "c2ln",
    )
    for header in (
        None,
        "",
        'WECHATPAY2-Mock mchid="1"',
        'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="2"',
    ):
        with pytest.raises(signing.AuthError):
            signing.parse_authorization(header)


def test_d3_jsapi_pay_sign():
    message = "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n"
    assert crypto.rsa_sign(K1, message) == D3_SIGNATURE


def test_v3_aes_gcm():
    ad = "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8"
    assert (
        crypto.aes_gcm_decrypt("testAPIv3Key0000", "wCq51qZv4Yfg", ad, "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC")
        == "Hello World"
    )
    assert (
        crypto.aes_gcm_encrypt("testAPIv3Key0000", "wCq51qZv4Yfg", ad, "Hello World")
        == "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC"
    )
    with pytest.raises(ValueError):
        crypto.aes_gcm_decrypt("testAPIv3Key1111", "wCq51qZv4Yfg", ad, "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC")
    with pytest.raises(ValueError):
        crypto.aes_gcm_decrypt("testAPIv3Key0000", "wCq51qZv4Yfg", ad, "SGVsbG8gV29ybGQK")


def test_v4_complete_notification_verifies_and_decrypts():
    message = signing.response_message("1624523846", "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz", V4_BODY)
    assert crypto.rsa_verify(C1, message, V4_SIGNATURE)
    assert crypto.rsa_sign(K1, message) == V4_SIGNATURE
    resource = json.loads(V4_BODY)["resource"]
    plaintext = crypto.aes_gcm_decrypt(
        "testMchAPIv3Key0", resource["nonce"], resource["associated_data"], resource["ciphertext"]
    )
    assert plaintext == (
        '{"mchid":"1234567890","appid":"054aa7d7a2a54ab5898df65bd96f001c",'
        '"create_time":"2020-06-30T12:12:00+08:00","out_contract_code":"21640bdbd08e473e828f3206a2741c6e"}'
    )


def test_d4_transaction_success_notification_is_reproduced_byte_for_byte():
    key = "0123456789abcdefghijklmnopqrstuv"
    ciphertext = crypto.aes_gcm_encrypt(key, "fdasflkja484", "transaction", D4_PLAINTEXT)
    assert ciphertext == D4_CIPHERTEXT
    assert sdk_aes_decrypt("fdasflkja484", ciphertext, "transaction", key) == D4_PLAINTEXT  # independent peer
    envelope = json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2024-06-24T16:37:27+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": "transaction",
                "nonce": "fdasflkja484",
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    message = signing.response_message("1719218247", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", envelope)
    assert crypto.rsa_sign(K1, message) == D4_SIGNATURE
    assert crypto.rsa_verify(C1, message, D4_SIGNATURE)


def test_signed_headers_use_the_anchor_and_verify():
    anchor = signing.Anchor("D7CE59D1F522D701", K1)
    headers = signing.signed_headers(anchor, b'{"a":1}', 1719218247)
    assert headers["Wechatpay-Serial"] == "D7CE59D1F522D701"
    assert headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
    assert len(headers["Wechatpay-Nonce"]) == 32
    message = signing.response_message(headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"], b'{"a":1}')
    assert crypto.rsa_verify(C1, message, headers["Wechatpay-Signature"])


def test_rsa_oaep_round_trip():
    ciphertext = crypto.oaep_encrypt(P1, "张三")
    assert crypto.oaep_decrypt(K1, ciphertext) == "张三"
    assert ciphertext != crypto.oaep_encrypt(P1, "张三")  # OAEP is randomised


def test_certificates_endpoint_serves_the_encrypted_platform_certificate(wxsandbox):
    from pay_client import PayClient

    client = PayClient(wxsandbox)
    response = client.request("GET", "/v3/certificates")
    assert response.status_code == 200 and client.verify(response)
    item = response.json()["data"][0]
    m = wxsandbox.merchant
    assert item["serial_no"] == m.platform_cert_serial
    enc = item["encrypt_certificate"]
    assert enc["associated_data"] == "certificate" and len(enc["nonce"]) == 12
    assert sdk_aes_decrypt(enc["nonce"], enc["ciphertext"], "certificate", m.apiv3_key) == m.platform_cert_pem
    assert item["effective_time"].endswith("+08:00") and item["expire_time"] > item["effective_time"]
