"""Message-server crypto against the reference's test vectors (§2.7, §5.2) and wechatpy as a peer."""

import base64
import json

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from wxsandbox.mp import msgcrypt, xmlmsg
from wxsandbox.mp.msgcrypt import MsgCrypt, MsgCryptError

# M1: WeChat's own sample parameters (WxJava WxCryptUtilTest).
M1 = MsgCrypt("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
M1_RANDOM = b"aaaabbbbccccdddd"
M1_MSG = "我是中文abcd123"
M1_ENCRYPT = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
M1_MSG2 = (
    "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName>"
    "<![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]>"
    "</MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]>"
    "</MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]>"
    "</Description></Video></xml>"
)
M1_ENCRYPT2 = (
    "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweIm"
    "X9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+"
    "UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0"
    "nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdf"
    "akjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqm"
    "A7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQ"
    "DajPkdPrEeOwofJb"
)

# M2: the WeChat Work variant from wechatpy's tests (CorpID in place of the AppID).
M2 = MsgCrypt("123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx49f0ab532d5d035a")
M2_REPLY = "\n".join(
    [
        "<xml>",
        "<MsgType><![CDATA[text]]></MsgType>",
        "<Content><![CDATA[test]]></Content>",
        "<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>",
        "<ToUserName><![CDATA[messense]]></ToUserName>",
        "<AgentID>1</AgentID>",
        "<CreateTime>1411525903</CreateTime>",
        "</xml>",
    ]
)
M2_REPLY_ENVELOPE = """<xml>
<Encrypt><![CDATA[9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3]]></Encrypt>
<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature>
<TimeStamp>1411525903</TimeStamp>
<Nonce><![CDATA[461056294]]></Nonce>
</xml>"""
M2_INBOUND_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGym"
    "zxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4h"
    "IiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWY"
    "EvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)


# --- plain signature (M3, official Token=AAAAA examples) ---------------------------------------------------


@pytest.mark.parametrize(
    ("timestamp", "nonce", "expected"),
    [
        ("1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"),
        ("1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"),
    ],
)
def test_url_verification_signature_matches_official_examples(timestamp, nonce, expected):
    assert msgcrypt.signature("AAAAA", timestamp, nonce) == expected


def test_signature_sorts_as_strings_not_numbers():
    # "15147114921714036504AAAAA" is the official join: "1514…" < "1714…" < "AAAAA" as strings.
    assert msgcrypt.signature("AAAAA", "1714036504", "1514711492") == msgcrypt.signature(
        "1514711492", "AAAAA", "1714036504"
    )
    assert msgcrypt.signature("AAAAA", "9", "10") != msgcrypt.signature("AAAAA", "10", "9 ")


# --- M1 -----------------------------------------------------------------------------------------------------


def test_m1_encrypt_reproduces_official_ciphertext():
    assert M1.encrypt(M1_MSG, M1_RANDOM) == M1_ENCRYPT
    assert M1.encrypt(M1_MSG2, M1_RANDOM) == M1_ENCRYPT2
    assert len(M1_ENCRYPT2) == 640


def test_m1_decrypt_and_derived_signatures():
    assert M1.decrypt(M1_ENCRYPT) == M1_MSG
    assert M1.decrypt(M1_ENCRYPT2) == M1_MSG2
    assert M1.sign("1409304348", "xxxxxx", M1_ENCRYPT) == "82c962d39941aa48552f90ef55aa323dc620cc10"
    assert M1.sign("1409304348", "xxxxxx", M1_ENCRYPT2) == "ea88b765074e41eb8c7a75b449db34fa2fd560d5"


# --- M2 -----------------------------------------------------------------------------------------------------


def test_m2_url_verification_decrypts_echostr():
    echostr = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
    sig = "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
    assert M2.verify_and_decrypt(sig, "1411443780", "437374425", echostr) == "5927782489442352469"
    with pytest.raises(MsgCryptError) as caught:
        M2.verify_and_decrypt(sig, "1411443780", "437374424", echostr)
    assert caught.value.code == msgcrypt.VALIDATE_SIGNATURE_ERROR


def test_m2_encrypted_reply_envelope_is_byte_exact():
    assert (
        M2.reply_envelope(M2_REPLY, "1411525903", "461056294", random=b"1234567890123456")
        == M2_REPLY_ENVELOPE
    )


def test_m2_decrypt_inbound_message():
    plain = M2.verify_and_decrypt(
        "74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294", M2_INBOUND_ENCRYPT
    )
    fields = xmlmsg.parse(plain)
    assert fields == {
        "ToUserName": "wx49f0ab532d5d035a",
        "FromUserName": "messense",
        "CreateTime": "1411525903",
        "MsgType": "text",
        "Content": "test",
        "MsgId": "4363689963896700987",
        "AgentID": "1",
    }


# --- rejection paths ----------------------------------------------------------------------------------------


def test_foreign_appid_is_rejected():
    other = MsgCrypt(M1.token, M1.encoding_aes_key, "wx0000000000000000")
    with pytest.raises(MsgCryptError) as caught:
        other.decrypt(M1_ENCRYPT)
    assert caught.value.code == msgcrypt.VALIDATE_APPID_ERROR


@pytest.mark.parametrize(
    "bad", ["not base64!!", "", base64.b64encode(b"x" * 15).decode(), base64.b64encode(b"\0" * 32).decode()]
)
def test_garbage_ciphertext_is_rejected(bad):
    with pytest.raises(MsgCryptError):
        M1.decrypt(bad)


def test_tampered_ciphertext_is_rejected():
    raw = bytearray(base64.b64decode(M1_ENCRYPT))
    raw[-1] ^= 0x01  # breaks the padding of the last block
    with pytest.raises(MsgCryptError):
        M1.decrypt(base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize("key", ["short", "a" * 44, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!"])
def test_bad_encoding_aes_key_is_rejected(key):
    with pytest.raises(MsgCryptError) as caught:
        MsgCrypt("t", key, "wx1").encrypt("x")
    assert caught.value.code == msgcrypt.ILLEGAL_AES_KEY


def test_padding_is_to_32_byte_blocks():
    assert len(msgcrypt.pkcs7_pad(b"")) == 32
    assert msgcrypt.pkcs7_pad(b"a" * 32)[-32:] == bytes([32]) * 32
    assert msgcrypt.pkcs7_unpad(msgcrypt.pkcs7_pad(b"abc")) == b"abc"
    with pytest.raises(MsgCryptError):
        msgcrypt.pkcs7_unpad(b"abc" + bytes([33]))


def test_key_with_base64_punctuation_round_trips_with_wechatpy():
    crypt = MsgCrypt("tok", "ab+/" * 10 + "xyz", "wx1")
    peer = WeChatCrypto("tok", crypt.encoding_aes_key, "wx1")
    envelope = xmlmsg.build({"ToUserName": "gh", "Encrypt": crypt.encrypt("<xml/>")})
    encrypt = xmlmsg.parse(envelope)["Encrypt"]
    assert peer.decrypt_message(envelope, crypt.sign("1", "n", encrypt), "1", "n") == "<xml/>"


def test_generated_key_round_trips():
    crypt = MsgCrypt("tok", msgcrypt.generate_encoding_aes_key(), "wxappid")
    assert len(crypt.encoding_aes_key) == 43
    for msg in ["", "a", "中文" * 100, "x" * 31, "y" * 32]:
        assert crypt.decrypt(crypt.encrypt(msg)) == msg


# --- the independent peer: wechatpy ---------------------------------------------------------------------------


def test_wechatpy_decrypts_what_the_sandbox_encrypts():
    crypt = MsgCrypt("tok", msgcrypt.generate_encoding_aes_key(), "wx1234567890abcdef")
    inbound = xmlmsg.build(
        {
            "ToUserName": "gh_1",
            "FromUserName": "o1",
            "CreateTime": 1,
            "MsgType": "text",
            "Content": "你好]]>世界",
            "MsgId": 42,
        }
    )
    encrypt = crypt.encrypt(inbound)
    envelope = xmlmsg.build({"ToUserName": "gh_1", "Encrypt": encrypt})
    peer = WeChatCrypto("tok", crypt.encoding_aes_key, "wx1234567890abcdef")
    decrypted = peer.decrypt_message(envelope, crypt.sign("1700000000", "n1", encrypt), "1700000000", "n1")
    assert decrypted == inbound
    assert xmlmsg.parse(decrypted)["Content"] == "你好]]>世界"
    with pytest.raises(InvalidSignatureException):
        peer.decrypt_message(envelope, crypt.sign("1700000000", "n2", encrypt), "1700000000", "n1")


def test_sandbox_decrypts_what_wechatpy_encrypts():
    crypt = MsgCrypt("tok", msgcrypt.generate_encoding_aes_key(), "wx1234567890abcdef")
    peer = WeChatCrypto("tok", crypt.encoding_aes_key, "wx1234567890abcdef")
    reply = "<xml><ToUserName><![CDATA[o1]]></ToUserName><Content><![CDATA[收到]]></Content></xml>"
    fields = xmlmsg.parse(peer.encrypt_message(reply, "nonce9", "1700000001"))
    assert (
        crypt.verify_and_decrypt(
            fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
        )
        == reply
    )


# --- Mini Program user data (AES-128-CBC) ---------------------------------------------------------------------


def test_wxa_user_data_vector():
    session_key = "tiihtNczf5v6AKRyjwEUhQ=="
    iv = "r7BXXKkLb8qrSNn05n0qiA=="
    encrypted = (
        "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4"
        "lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHI"
        "nNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4P"
        "C7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1V"
        "f7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew=="
    )
    plain = msgcrypt.wxa_decrypt(session_key, iv, encrypted)
    data = json.loads(plain)
    assert data["openId"] == "oGZUI0egBJY1zhBYw2KhdUfwVJJE"
    assert data["unionId"] == "ocMvos6NjeKLIBqg5Mr9QjxrP1FA"
    assert data["watermark"] == {"timestamp": 1477314187, "appid": "wx4f4bc4dec97d474b"}
    assert msgcrypt.wxa_encrypt(session_key, iv, plain) == encrypted
