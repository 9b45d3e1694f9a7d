"""``GET /v3/certificates``: the platform certificate, AES-GCM-encrypted with the APIv3 key (reference §1.4)."""

from __future__ import annotations

from cryptography.x509 import load_pem_x509_certificate
from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.pay import crypto
from wxsandbox.pay.http import PayContext, pay_endpoint


@pay_endpoint
async def certificates(request: Request, ctx: PayContext):
    merchant = ctx.merchant
    cert = load_pem_x509_certificate(merchant.platform_cert_pem.encode())
    nonce = crypto.nonce(12)
    clock = ctx.sandbox.clock
    return 200, {
        "data": [
            {
                "serial_no": merchant.platform_cert_serial,
                "effective_time": clock.rfc3339(cert.not_valid_before_utc.timestamp()),
                "expire_time": clock.rfc3339(cert.not_valid_after_utc.timestamp()),
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "nonce": nonce,
                    "associated_data": "certificate",
                    "ciphertext": crypto.aes_gcm_encrypt(
                        merchant.apiv3_key, nonce, "certificate", merchant.platform_cert_pem
                    ),
                },
            }
        ]
    }


routes = [Route("/v3/certificates", certificates, methods=["GET"], name="pay.certificates")]
