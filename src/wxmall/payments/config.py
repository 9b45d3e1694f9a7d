"""The WeChat Pay merchant the hub is, resolved from settings once per process.

Keys come from the environment or from files named by it (`settings.WECHAT_PAY`), never from the
repository. Two trust anchors for WeChat Pay's signatures exist (reference §1.4): the WeChat Pay public key
(id `PUB_KEY_ID_…`) and platform certificates (serial = hex of the certificate's serial number). A
merchant may configure both while migrating; every configured key stays valid and a notification is
verified with the one its `Wechatpay-Serial` names.

In DEMO mode, with no merchant configured, the keys are those of wxsandbox's seeded merchant, read from
(and, on first start, written to) the sandbox's state file — the same file `make run` starts wxsandbox
with — so the embedded run needs no env. Outside DEMO a missing or malformed key is an
`ImproperlyConfigured` at start (see `PaymentsConfig.ready`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PayConfig:
    mchid: str
    appid: str  # the Official Account / web appid: JSAPI in WeChat's browser, H5, Native
    mp_appid: str  # the Mini Program's appid ("" when there is none)
    apiv3_key: str
    merchant_serial: str
    merchant_private_key_pem: str
    # Every key WeChat Pay may sign with, by upper-case serial / public-key id.
    verify_keys: dict[str, RSAPublicKey]
    public_key_id: str  # "" in certificate-only mode
    public_key_pem: str
    platform_cert_pems: tuple[str, ...]
    api_base: str
    notify_url: str
    refund_notify_url: str

    @property
    def appids(self) -> frozenset[str]:
        return frozenset(a for a in (self.appid, self.mp_appid) if a)

    def key_for(self, serial: str) -> RSAPublicKey | None:
        return self.verify_keys.get((serial or "").strip().upper())


def demo_mode() -> bool:
    return bool(getattr(settings, "DEMO", False))


def _read(value: str, path: str, what: str) -> str:
    if value:
        return value
    if path:
        try:
            return Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ImproperlyConfigured(
                f"WeChat Pay: cannot read {what} from {path}: {exc.strerror}"
            ) from None
    return ""


def _sandbox_merchant(raw: dict) -> dict:
    """The seeded merchant of the wxsandbox whose state file `make run` uses (DEMO only)."""
    from wxsandbox.config import export_keys, load_config, materialize
    from wxsandbox.state import State

    state_path = raw.get("sandbox_state") or str(Path(settings.VAR_DIR) / "sandbox.db")
    config_path = Path(settings.PROJECT_DIR) / "sandbox.toml"
    config = load_config(str(config_path) if config_path.exists() else None)
    state = State(state_path)
    try:
        keys = export_keys(materialize(config, state))
    finally:
        state.close()
    merchant = keys["merchants"][0]
    apps = {a["kind"]: a["appid"] for a in reversed(keys["apps"])}
    return {
        "mchid": merchant["mchid"],
        "appid": raw.get("appid") or apps.get("official_account", ""),
        "mp_appid": raw.get("mp_appid") or apps.get("mini_program", ""),
        "apiv3_key": merchant["apiv3_key"],
        "merchant_serial": merchant["merchant_serial"],
        "merchant_private_key": merchant["merchant_private_key_pem"],
        "public_key_id": merchant["platform_public_key_id"],
        "public_key": merchant["platform_public_key_pem"],
        "platform_certs": [merchant["platform_cert_pem"]],
    }


def build(raw: dict) -> PayConfig:
    """Validate `settings.WECHAT_PAY`-shaped values into a PayConfig; ImproperlyConfigured says what is wrong
    (naming the setting, never echoing a secret)."""
    if not raw.get("mchid") and demo_mode():
        raw = raw | _sandbox_merchant(raw)
    missing = [
        name
        for name, env in (
            ("mchid", "WECHAT_PAY_MCHID"),
            ("appid", "WECHAT_PAY_APPID"),
            ("apiv3_key", "WECHAT_PAY_APIV3_KEY"),
            ("merchant_serial", "WECHAT_PAY_MERCHANT_SERIAL"),
        )
        if not raw.get(name)
    ]
    if missing:
        envs = ", ".join(f"WECHAT_PAY_{m.upper()}" for m in missing)
        raise ImproperlyConfigured(f"WeChat Pay is not configured: set {envs} (see .env.example)")
    apiv3_key = raw["apiv3_key"]
    if len(apiv3_key.encode()) != 32:
        raise ImproperlyConfigured(
            "WECHAT_PAY_APIV3_KEY must be the 32-byte APIv3 key from the merchant console"
        )
    private_pem = _read(
        raw.get("merchant_private_key", ""), raw.get("merchant_private_key_file", ""), "the merchant key"
    )
    if not private_pem:
        raise ImproperlyConfigured(
            "set WECHAT_PAY_MERCHANT_KEY_FILE (apiclient_key.pem) or WECHAT_PAY_MERCHANT_KEY"
        )
    try:
        private_key = load_pem_private_key(private_pem.encode(), password=None)
    except (ValueError, TypeError):
        raise ImproperlyConfigured("the WeChat Pay merchant private key is not a PEM private key") from None
    if not isinstance(private_key, RSAPrivateKey):
        raise ImproperlyConfigured("the WeChat Pay merchant private key must be RSA")

    verify_keys: dict[str, RSAPublicKey] = {}
    public_key_id = raw.get("public_key_id", "")
    public_pem = _read(raw.get("public_key", ""), raw.get("public_key_file", ""), "the WeChat Pay public key")
    if bool(public_key_id) != bool(public_pem):
        raise ImproperlyConfigured(
            "set both WECHAT_PAY_PUBLIC_KEY_ID and WECHAT_PAY_PUBLIC_KEY_FILE, or neither"
        )
    if public_pem:
        try:
            key = load_pem_public_key(public_pem.encode())
        except ValueError:
            raise ImproperlyConfigured("WECHAT_PAY_PUBLIC_KEY_FILE is not a PEM public key") from None
        if not isinstance(key, RSAPublicKey):
            raise ImproperlyConfigured("the WeChat Pay public key must be RSA")
        verify_keys[public_key_id.upper()] = key
    cert_pems = list(raw.get("platform_certs") or [])
    for path in raw.get("platform_cert_files") or []:
        cert_pems.append(_read("", path, "a platform certificate"))
    for pem in cert_pems:
        try:
            cert = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            raise ImproperlyConfigured(
                "a WECHAT_PAY_PLATFORM_CERT_FILES entry is not a PEM certificate"
            ) from None
        verify_keys[format(cert.serial_number, "X")] = cert.public_key()
    if not verify_keys:
        raise ImproperlyConfigured(
            "set WECHAT_PAY_PUBLIC_KEY_ID + WECHAT_PAY_PUBLIC_KEY_FILE and/or WECHAT_PAY_PLATFORM_CERT_FILES"
        )
    site = settings.SITE_URL.rstrip("/")
    return PayConfig(
        mchid=raw["mchid"],
        appid=raw["appid"],
        mp_appid=raw.get("mp_appid", ""),
        apiv3_key=apiv3_key,
        merchant_serial=raw["merchant_serial"],
        merchant_private_key_pem=private_pem,
        verify_keys=verify_keys,
        public_key_id=public_key_id,
        public_key_pem=public_pem,
        platform_cert_pems=tuple(cert_pems),
        api_base=settings.WECHAT_PAY_API_BASE.rstrip("/"),
        notify_url=raw.get("notify_url") or f"{site}/payments/notify/",
        refund_notify_url=raw.get("refund_notify_url") or f"{site}/payments/notify/refund/",
    )


@functools.cache
def _cached(key: tuple) -> PayConfig:
    return build(dict(settings.WECHAT_PAY))


def pay_config() -> PayConfig:
    """The merchant for this process. Cached per settings value (immutable), so tests that override
    `WECHAT_PAY` get theirs."""
    raw = settings.WECHAT_PAY
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in raw.items()))
    return _cached((key, settings.WECHAT_PAY_API_BASE, settings.SITE_URL, demo_mode()))
