"""WeChat's message "safe mode" for Store pushes (reference wechat-store-channels.md §9.2–9.3):

signature     = sha1(sorted([token, timestamp, nonce]))                 (URL, GET and POST)
msg_signature = sha1(sorted([token, timestamp, nonce, Encrypt]))        (POST body)
key = b64decode(EncodingAESKey + "="), AES-256-CBC, IV = key[:16], PKCS#7 with block size 32
plaintext = 16 random bytes ‖ uint32 BE length ‖ message ‖ receiver AppID
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class PushRejected(ValueError):
    """A push that fails verification or decryption (the message says which check, never the input)."""


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), (given or "").lower().encode())


def _key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise PushRejected("EncodingAESKey 无效") from None
    if len(key) != 32:
        raise PushRejected("EncodingAESKey 无效")
    return key


def decrypt(encoding_aes_key: str, encrypted: str, appid: str) -> str:
    """The message text of an `Encrypt` value addressed to `appid`."""
    key = _key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise PushRejected("密文不是 base64") from None
    if not data or len(data) % 16:
        raise PushRejected("密文长度不对")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise PushRejected("填充不对")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise PushRejected("明文过短")
    (length,) = struct.unpack(">I", plain[16:20])
    message, receiver = plain[20 : 20 + length], plain[20 + length :]
    if len(message) != length:
        raise PushRejected("明文长度不对")
    if not hmac.compare_digest(receiver, appid.encode()):
        raise PushRejected("接收方 AppID 不符")
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError:
        raise PushRejected("明文不是 UTF-8") from None


def encrypt(encoding_aes_key: str, message: str, appid: str, random16: bytes) -> str:
    """The inverse of `decrypt` (tests and the console's self-check use it)."""
    key = _key(encoding_aes_key)
    body = message.encode("utf-8")
    plain = random16 + struct.pack(">I", len(body)) + body + appid.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
