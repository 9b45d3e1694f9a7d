"""WeChat message-server crypto: plain signatures and the safe-mode (消息加解密) algorithm.

This is the algorithm of WeChat's own ``WXBizMsgCrypt`` sample (reference §2.1, §2.3):

* ``signature = sha1(sorted(token, timestamp, nonce))`` — URL verification and plain pushes;
* ``msg_signature = sha1(sorted(token, timestamp, nonce, encrypt))`` — safe mode;
* ``encrypt = base64(AES-256-CBC(pkcs7_32(random16 || len32be(msg) || msg || appid)))`` with
  ``key = base64decode(EncodingAESKey + "=")`` and ``iv = key[:16]``.

The sandbox plays WeChat: it encrypts inbound pushes and decrypts the developer's replies, so both
directions live here. Errors carry the sample's numeric codes (-40001 …) so a journal entry says
exactly which check failed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import string
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_SIZE = 32  # WeChat pads to 32 bytes, not AES's 16
# WeChat's console generates [A-Za-z0-9]{43}; any 43-character base64 text decodes to a 32-byte key, and
# the core's key generator uses the full base64 alphabet, so "+" and "/" are accepted too.
_ENCODING_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")
_RANDOM_ALPHABET = string.ascii_letters + string.digits

# Error codes of WeChat's WXBizMsgCrypt sample.
VALIDATE_SIGNATURE_ERROR = -40001
PARSE_XML_ERROR = -40002
COMPUTE_SIGNATURE_ERROR = -40003
ILLEGAL_AES_KEY = -40004
VALIDATE_APPID_ERROR = -40005
ENCRYPT_AES_ERROR = -40006
DECRYPT_AES_ERROR = -40007
ILLEGAL_BUFFER = -40008


class MsgCryptError(Exception):
    """A safe-mode check failed; ``code`` is the WXBizMsgCrypt error number."""

    def __init__(self, code: int, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def signature(*parts: str) -> str:
    """SHA-1 (lower-case hex) of the parts sorted as plain strings and joined without separators.

    With (token, timestamp, nonce) this is the URL-verification / plain-push ``signature``; with the
    ``Encrypt`` text added it is the safe-mode ``msg_signature``.
    """
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode("utf-8")).hexdigest()


def signatures_match(expected: str, given: str | None) -> bool:
    return given is not None and secrets.compare_digest(expected, given.lower())


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key encoded by a 43-character EncodingAESKey."""
    if not _ENCODING_AES_KEY.fullmatch(encoding_aes_key or ""):
        raise MsgCryptError(ILLEGAL_AES_KEY, "EncodingAESKey must be 43 base64 characters")
    return base64.b64decode(encoding_aes_key + "=")


def generate_encoding_aes_key() -> str:
    """A fresh EncodingAESKey as WeChat's console would generate it."""
    return "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(43))


def pkcs7_pad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    amount = block_size - len(data) % block_size
    return data + bytes([amount]) * amount


def pkcs7_unpad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    if not data:
        raise MsgCryptError(ILLEGAL_BUFFER, "empty plaintext")
    amount = data[-1]
    if not 1 <= amount <= block_size or data[-amount:] != bytes([amount]) * amount:
        raise MsgCryptError(ILLEGAL_BUFFER, "bad PKCS#7 padding")
    return data[:-amount]


def random_prefix() -> bytes:
    """16 random alphanumerics, as WeChat's samples use."""
    return "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(16)).encode("ascii")


@dataclass(frozen=True)
class MsgCrypt:
    """Safe-mode crypto bound to one account (token, EncodingAESKey, AppID)."""

    token: str
    encoding_aes_key: str
    appid: str

    @property
    def key(self) -> bytes:
        return aes_key(self.encoding_aes_key)

    def _cipher(self) -> Cipher:
        key = self.key
        return Cipher(algorithms.AES(key), modes.CBC(key[:16]))

    def encrypt(self, msg: str | bytes, random: bytes | None = None) -> str:
        """Base64 ciphertext of ``msg``; ``random`` fixes the 16-byte prefix (test vectors only)."""
        body = msg.encode("utf-8") if isinstance(msg, str) else msg
        prefix = random if random is not None else random_prefix()
        if len(prefix) != 16:
            raise MsgCryptError(ENCRYPT_AES_ERROR, "random prefix must be 16 bytes")
        full = prefix + struct.pack(">I", len(body)) + body + self.appid.encode("ascii")
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(pkcs7_pad(full)) + encryptor.finalize()).decode("ascii")

    def decrypt(self, msg_encrypt: str) -> str:
        """Plaintext of ``msg_encrypt``; rejects bad base64, padding, length or a foreign AppID."""
        try:
            raw = base64.b64decode(msg_encrypt, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MsgCryptError(DECRYPT_AES_ERROR, "Encrypt is not valid base64") from exc
        if not raw or len(raw) % 16:
            raise MsgCryptError(DECRYPT_AES_ERROR, "ciphertext length is not a multiple of 16")
        decryptor = self._cipher().decryptor()
        full = pkcs7_unpad(decryptor.update(raw) + decryptor.finalize())
        if len(full) < 20:
            raise MsgCryptError(ILLEGAL_BUFFER, "plaintext shorter than its header")
        (length,) = struct.unpack(">I", full[16:20])
        if 20 + length > len(full):
            raise MsgCryptError(ILLEGAL_BUFFER, "declared message length exceeds the plaintext")
        msg, appid = full[20 : 20 + length], full[20 + length :]
        if appid != self.appid.encode("ascii"):
            raise MsgCryptError(VALIDATE_APPID_ERROR, "AppID in the plaintext does not match")
        try:
            return msg.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MsgCryptError(ILLEGAL_BUFFER, "message is not UTF-8") from exc

    def sign(self, timestamp: str | int, nonce: str, msg_encrypt: str) -> str:
        return signature(self.token, str(timestamp), nonce, msg_encrypt)

    def verify_and_decrypt(
        self, msg_signature: str | None, timestamp: str | int, nonce: str, msg_encrypt: str
    ) -> str:
        if not signatures_match(self.sign(timestamp, nonce, msg_encrypt), msg_signature):
            raise MsgCryptError(VALIDATE_SIGNATURE_ERROR, "msg_signature does not match")
        return self.decrypt(msg_encrypt)

    def reply_envelope(self, msg: str, timestamp: str | int, nonce: str, random: bytes | None = None) -> str:
        """An encrypted passive reply in the layout of WeChat's sample (reference §2.3)."""
        encrypt = self.encrypt(msg, random)
        return (
            "<xml>\n"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n"
            f"<MsgSignature><![CDATA[{self.sign(timestamp, nonce, encrypt)}]]></MsgSignature>\n"
            f"<TimeStamp>{timestamp}</TimeStamp>\n"
            f"<Nonce><![CDATA[{nonce}]]></Nonce>\n"
            "</xml>"
        )


def wxa_encrypt(session_key: str, iv: str, plaintext: str) -> str:
    """Mini Program user-data encryption (``encryptedData``): AES-128-CBC, standard 16-byte PKCS#7.

    Key and IV are base64 (``session_key`` from jscode2session and a per-call ``iv``), reference §5.2.
    """
    cipher = Cipher(algorithms.AES(base64.b64decode(session_key)), modes.CBC(base64.b64decode(iv)))
    encryptor = cipher.encryptor()
    padded = pkcs7_pad(plaintext.encode("utf-8"), 16)
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def wxa_decrypt(session_key: str, iv: str, encrypted_data: str) -> str:
    cipher = Cipher(algorithms.AES(base64.b64decode(session_key)), modes.CBC(base64.b64decode(iv)))
    decryptor = cipher.decryptor()
    raw = base64.b64decode(encrypted_data)
    if not raw or len(raw) % 16:
        raise MsgCryptError(DECRYPT_AES_ERROR, "ciphertext length is not a multiple of 16")
    return pkcs7_unpad(decryptor.update(raw) + decryptor.finalize(), 16).decode("utf-8")
