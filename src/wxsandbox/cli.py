"""Command line: ``wxsandbox serve | keys --export | config --example`` (also ``python -m wxsandbox``)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from wxsandbox.app import SURFACES
from wxsandbox.config import (
    APP_KINDS,
    EXAMPLE_TOML,
    MINI_PROGRAM,
    OFFICIAL_ACCOUNT,
    STORE,
    ConfigError,
    export_keys,
    load_config,
    materialize,
)
from wxsandbox.state import State

DESCRIPTION = """\
wxsandbox — a faithful local emulator of WeChat's servers: Official Account and Mini Program APIs
(tokens, OAuth, message pushes, menus, messages, QR codes, links, phone numbers) and WeChat Pay API v3
(signed requests and responses, prepay/query/close, payment and refund notifications with WeChat's retry
schedule, bills), the WeChat Store (微信小店 /channels/ec/*: products with audit, stock, orders, delivery,
after-sales, coupons, encrypted event pushes) and Mini Program shipping information. State lives in one
SQLite file; keys are generated on first start and kept there.
Control API for tests and the phone UI under /sandbox/ (see GET /sandbox/info)."""


def _epilog() -> str:
    """The control API reference, taken from the modules that implement it (so it cannot drift)."""
    from wxsandbox import control, store
    from wxsandbox.pay import control as pay_control

    return (
        "Control API (JSON under /sandbox/; GET /sandbox/info lists every route of every surface):\n"
        + control.__doc__.split("\n", 2)[2]
        + "\nWeChat Pay control routes:\n"
        + pay_control.__doc__.split("\n", 2)[2]
        + "\nWeChat Store (微信小店) control routes:\n"
        + store.__doc__.split("Control API", 1)[1].split("\n", 3)[3]
        + "\nTesting: the pytest fixtures wxsandbox / wxsandbox_session / wxsandbox_factory live in "
        "wxsandbox.testing.\nConfiguration: `wxsandbox config --example` prints every option with comments.\n"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wxsandbox",
        description=DESCRIPTION,
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{serve,keys,config}")

    serve = sub.add_parser(
        "serve",
        help="run the sandbox HTTP server",
        description="Run the sandbox (uvicorn). Point the hub's WeChat and WeChat Pay base "
        "URLs at http://HOST:PORT.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=9100, help="port (default 9100; 0 = any free port)")
    _state_and_config(serve)
    serve.add_argument(
        "--time-factor",
        type=float,
        default=None,
        help="real seconds per sandbox second for callback retries (overrides config)",
    )
    serve.add_argument(
        "--server-url",
        action="append",
        default=[],
        metavar="KIND=URL",
        help="push target of every app of KIND (official_account, mini_program, store) that has no "
        "server_url in the config; {appid} in URL becomes the app's appid (repeatable)",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )

    keys = sub.add_parser(
        "keys",
        help="print the keys and secrets the hub needs",
        description="Print appids, secrets, tokens, EncodingAESKeys, mchid, APIv3 key, the "
        "merchant private key and serial, and the platform public key / "
        "PUB_KEY_ID / certificate serial. Generates (and persists) them when absent.",
    )
    keys.add_argument("--export", action="store_true", required=True, help="print the keys (required)")
    keys.add_argument(
        "--format",
        choices=["json", "env"],
        default="json",
        help="json (everything) or env (WXSANDBOX_* variables for the first OA, MP and merchant)",
    )
    _state_and_config(keys)

    config = sub.add_parser(
        "config",
        help="print an example configuration file",
        description="Print a commented example sandbox.toml with the defaults.",
    )
    config.add_argument("--example", action="store_true", required=True, help="print the example (required)")
    return parser


def _state_and_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state",
        default="var/sandbox.db",
        help="SQLite state file (default var/sandbox.db; ':memory:' for throwaway state)",
    )
    parser.add_argument("--config", default=None, help="TOML config file (default: built-in defaults)")


def _open_state(path: str) -> State:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return State(path)


def env_lines(keys: dict) -> list[str]:
    """``WXSANDBOX_*=…`` lines for the first Official Account, Mini Program, Store shop and merchant."""
    lines = []

    def put(name: str, value: str) -> None:
        quoted = "'" + value.replace("'", "'\"'\"'") + "'"
        lines.append(f"WXSANDBOX_{name}={quoted}")

    for prefix, kind in (("OA", OFFICIAL_ACCOUNT), ("MP", MINI_PROGRAM), ("STORE", STORE)):
        app = next((a for a in keys["apps"] if a["kind"] == kind), None)
        if app:
            put(f"{prefix}_APPID", app["appid"])
            put(f"{prefix}_SECRET", app["secret"])
            put(f"{prefix}_TOKEN", app["token"])
            put(f"{prefix}_ENCODING_AES_KEY", app["encoding_aes_key"])
    if keys["merchants"]:
        m = keys["merchants"][0]
        put("PAY_MCHID", m["mchid"])
        put("PAY_APIV3_KEY", m["apiv3_key"])
        put("PAY_MERCHANT_SERIAL", m["merchant_serial"])
        put("PAY_MERCHANT_PRIVATE_KEY", m["merchant_private_key_pem"])
        put("PAY_PLATFORM_MODE", m["platform_mode"])
        put("PAY_PLATFORM_PUBLIC_KEY_ID", m["platform_public_key_id"])
        put("PAY_PLATFORM_PUBLIC_KEY", m["platform_public_key_pem"])
        put("PAY_PLATFORM_CERT_SERIAL", m["platform_cert_serial"])
        put("PAY_PLATFORM_CERT", m["platform_cert_pem"])
    return lines


def with_server_urls(config, pairs: list[str]):
    """`config` with each KIND=URL of `pairs` as the push target of that kind's apps lacking one."""
    import dataclasses

    urls: dict[str, str] = {}
    for pair in pairs:
        kind, sep, url = pair.partition("=")
        if not sep or kind not in APP_KINDS or not url.startswith(("http://", "https://")):
            raise ValueError(f"{pair!r} is not KIND=http(s)://… with KIND one of {', '.join(APP_KINDS)}")
        urls[kind] = url
    apps = tuple(
        dataclasses.replace(app, server_url=urls[app.kind].replace("{appid}", app.appid))
        if app.kind in urls and not app.server_url
        else app
        for app in config.apps
    )
    return dataclasses.replace(config, apps=apps)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "config":
        sys.stdout.write(EXAMPLE_TOML)
        for name in SURFACES:  # surfaces with options of their own document them in EXAMPLE_TOML
            module = importlib.import_module(name)
            if getattr(module, "EXAMPLE_TOML", ""):
                sys.stdout.write("\n" + module.EXAMPLE_TOML)
        return 0
    try:
        config = load_config(args.config)
    except (ConfigError, OSError) as exc:
        print(f"wxsandbox: bad config: {exc}", file=sys.stderr)
        return 2
    if args.command == "keys":
        state = _open_state(args.state)
        keys = export_keys(materialize(config, state))
        state.close()
        if args.format == "json":
            print(json.dumps(keys, ensure_ascii=False, indent=2))
        else:
            print("\n".join(env_lines(keys)))
        return 0

    import dataclasses

    import uvicorn

    from wxsandbox.app import create_app

    if args.time_factor is not None:
        config = dataclasses.replace(config, time_factor=args.time_factor)
    try:
        config = with_server_urls(config, args.server_url)
    except ValueError as exc:
        print(f"wxsandbox: bad --server-url: {exc}", file=sys.stderr)
        return 2
    app = create_app(config, _open_state(args.state))
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
