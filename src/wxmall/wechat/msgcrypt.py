"""The Official Account message server's crypto (reference §2.1, §2.3): signatures and safe mode.

    signature     = sha1(sorted(token, timestamp, nonce))             URL verification, every push
    msg_signature = sha1(sorted(token, timestamp, nonce, encrypt))    safe and compatible mode
    encrypt       = base64(AES-256-CBC(pkcs7_32(random16 || len_be32(msg) || msg || appid)))
                    key = base64decode(EncodingAESKey + "="), iv = key[:16]

AES-CBC and PKCS#7 (with WeChat's 32-byte block) come from `cryptography`; only WeChat's framing is
written here. wechatpy's crypto is kept out on purpose: the tests use it as the independent peer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAD_BITS = 32 * 8  # WeChat pads to 32 bytes, not AES's 16


class CryptoError(ValueError):
    """A signature, the ciphertext or the appid inside it did not check out."""


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(expected: str, *parts: str) -> bool:
    return hmac.compare_digest(signature(*parts), expected.lower())


def valid_aes_key(encoding_aes_key: str) -> bool:
    if len(encoding_aes_key) != 43:
        return False
    try:
        return len(base64.b64decode(encoding_aes_key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


class MsgCrypt:
    def __init__(self, token: str, encoding_aes_key: str, appid: str) -> None:
        if not valid_aes_key(encoding_aes_key):
            raise CryptoError("EncodingAESKey must be 43 base64 characters")
        self.token = token
        self.appid = appid
        self._key = base64.b64decode(encoding_aes_key + "=")

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def sign(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return signature(self.token, timestamp, nonce, encrypt)

    def encrypt(self, message: str) -> str:
        body = message.encode("utf-8")
        padder = padding.PKCS7(PAD_BITS).padder()
        plain = os.urandom(16) + struct.pack(">I", len(body)) + body + self.appid.encode("ascii")
        padded = padder.update(plain) + padder.finalize()
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypt: str, *, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The plaintext of `encrypt` after checking `msg_signature` and the trailing appid."""
        if not signature_matches(msg_signature, self.token, timestamp, nonce, encrypt):
            raise CryptoError("msg_signature does not match")
        try:
            ciphertext = base64.b64decode(encrypt, validate=True)
            decryptor = self._cipher().decryptor()
            padded = decryptor.update(ciphertext) + decryptor.finalize()
            unpadder = padding.PKCS7(PAD_BITS).unpadder()
            plain = unpadder.update(padded) + unpadder.finalize()
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("ciphertext is not valid") from exc
        if len(plain) < 20:
            raise CryptoError("ciphertext is too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, appid = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length or appid != self.appid.encode("ascii"):
            raise CryptoError("the message is not for this appid")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError("the message is not UTF-8") from exc

    def encrypted_reply(self, reply_xml: str, *, timestamp: str, nonce: str) -> str:
        """The §2.3 envelope WeChat expects as the body of an encrypted passive reply."""
        encrypt = self.encrypt(reply_xml)
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{self.sign(timestamp, nonce, encrypt)}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )
