"""WeChat Pay v3 primitives (reference §1.2–1.6): SHA256withRSA, AEAD_AES_256_GCM, RSA-OAEP, nonces."""

from __future__ import annotations

import base64
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509 import load_pem_x509_certificate

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@lru_cache(maxsize=64)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parse a PKCS#8/PKCS#1 PEM once (key objects are immutable, so caching by PEM text is safe)."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=64)
def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """A SubjectPublicKeyInfo PEM, or the public key inside an X.509 certificate PEM."""
    if "CERTIFICATE" in pem:
        return load_pem_x509_certificate(pem.encode()).public_key()
    return serialization.load_pem_public_key(pem.encode())


def rsa_sign(private_key_pem: str, message: str | bytes) -> str:
    """Base64 RSASSA-PKCS1-v1_5 / SHA-256 signature (standard alphabet, padded, one line)."""
    data = message.encode() if isinstance(message, str) else message
    signature = load_private_key(private_key_pem).sign(data, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verify(public_key_pem: str, message: str | bytes, signature_b64: str) -> bool:
    data = message.encode() if isinstance(message, str) else message
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        load_public_key(public_key_pem).verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def aes_gcm_encrypt(apiv3_key: str, nonce: str, associated_data: str, plaintext: str | bytes) -> str:
    """Base64(ciphertext || tag). The key bytes are used as given (32 → AES-256; 16 → AES-128 as in SDK tests)."""
    data = plaintext.encode() if isinstance(plaintext, str) else plaintext
    sealed = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), data, associated_data.encode())
    return base64.b64encode(sealed).decode()


def aes_gcm_decrypt(apiv3_key: str, nonce: str, associated_data: str, ciphertext_b64: str) -> str:
    """Inverse of aes_gcm_encrypt; raises ValueError when the tag does not verify (wrong key, tampering)."""
    try:
        opened = AESGCM(apiv3_key.encode()).decrypt(
            nonce.encode(), base64.b64decode(ciphertext_b64), associated_data.encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise ValueError("AEAD_AES_256_GCM decryption failed") from exc
    return opened.decode()


def oaep_encrypt(public_key_pem: str, plaintext: str) -> str:
    """RSAES-OAEP (SHA-1, MGF1-SHA-1, empty label), Base64 — sensitive fields (§1.6)."""
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    return base64.b64encode(load_public_key(public_key_pem).encrypt(plaintext.encode(), oaep)).decode()


def oaep_decrypt(private_key_pem: str, ciphertext_b64: str) -> str:
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    return load_private_key(private_key_pem).decrypt(base64.b64decode(ciphertext_b64), oaep).decode()


def nonce(length: int = 32) -> str:
    """Random ``[0-9A-Za-z]`` string (official SDKs use 32 chars; AES-GCM resource nonces are 12)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def hex_nonce() -> str:
    """32 upper-case hex chars, like the ``Wechatpay-Nonce`` values in official examples."""
    return secrets.token_hex(16).upper()
