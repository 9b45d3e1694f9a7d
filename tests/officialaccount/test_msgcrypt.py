"""The hub's message crypto against the reference's test vectors and wechatpy (the independent peer)."""

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from wxmall.wechat.msgcrypt import CryptoError, MsgCrypt, signature

M1 = dict(token="pamtest", key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", appid="wxb11529c136998cb6")
M1_ENCRYPT = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="


def hub():
    return MsgCrypt(M1["token"], M1["key"], M1["appid"])


def test_reference_vectors():
    assert signature("AAAAA", "1714036504", "1514711492") == "f464b24fc39322e44b38aa78f5edd27bd1441696"
    assert signature("AAAAA", "1714037059", "486452656") == "899cf89e464efb63f54ddac96b0a0a235f53aa78"
    assert hub().sign("1409304348", "xxxxxx", M1_ENCRYPT) == "82c962d39941aa48552f90ef55aa323dc620cc10"
    plain = hub().decrypt(
        M1_ENCRYPT,
        msg_signature="82c962d39941aa48552f90ef55aa323dc620cc10",
        timestamp="1409304348",
        nonce="xxxxxx",
    )
    assert plain == "我是中文abcd123"


def test_wechatpy_reads_what_the_hub_encrypts_and_the_reverse():
    peer = WeChatCrypto(M1["token"], M1["key"], M1["appid"])
    reply = "<xml><Content><![CDATA[你好 ]]]]><![CDATA[> <a>]]></Content></xml>"
    envelope = hub().encrypted_reply(reply, timestamp="1700000000", nonce="42")
    fields = xmltodict.parse(envelope)["xml"]
    assert peer.decrypt_message(envelope, fields["MsgSignature"], "1700000000", "42") == reply
    sent = xmltodict.parse(peer.encrypt_message("<xml>订单</xml>", "7", "1700000001"))["xml"]
    assert hub().decrypt(
        sent["Encrypt"], msg_signature=sent["MsgSignature"], timestamp="1700000001", nonce="7"
    ) == ("<xml>订单</xml>")


def test_a_forged_signature_is_refused_by_both_sides():
    with pytest.raises(CryptoError):
        hub().decrypt(M1_ENCRYPT, msg_signature="0" * 40, timestamp="1409304348", nonce="xxxxxx")
    envelope = hub().encrypted_reply("<xml/>", timestamp="1", nonce="2")
    tampered = envelope.replace("<Nonce><![CDATA[2]]>", "<Nonce><![CDATA[3]]>")
    with pytest.raises(InvalidSignatureException):
        WeChatCrypto(M1["token"], M1["key"], M1["appid"]).decrypt_message(
            tampered, xmltodict.parse(envelope)["xml"]["MsgSignature"], "1", "3"
        )


def test_a_message_for_another_appid_is_refused():
    other = WeChatCrypto(M1["token"], M1["key"], "wx0000000000000000")
    sent = xmltodict.parse(other.encrypt_message("<xml/>", "7", "1700000001"))["xml"]
    with pytest.raises(CryptoError):
        hub().decrypt(sent["Encrypt"], msg_signature=sent["MsgSignature"], timestamp="1700000001", nonce="7")


@pytest.mark.parametrize("garbage", ["", "not base64!", "QUJD", "A" * 44])
def test_garbage_ciphertext_is_a_crypto_error_not_a_crash(garbage):
    crypt = hub()
    with pytest.raises(CryptoError):
        crypt.decrypt(garbage, msg_signature=crypt.sign("1", "2", garbage), timestamp="1", nonce="2")
