"""Run a real sandbox (uvicorn on a random loopback port, in a thread) for tests and benchmarks.

Fixtures (import them into a conftest, e.g. ``from wxsandbox.testing import *`` or by name):

* ``wxsandbox`` — a fresh sandbox per test (in-memory state, default config, ``time_factor`` 0.001).
* ``wxsandbox_session`` — one sandbox for the whole session (call ``.reset()`` between uses if needed).
* ``wxsandbox_factory`` — ``factory(config=None, **overrides)`` starts sandboxes with custom settings
  (``overrides`` replace SandboxConfig fields; ``pay={…}`` replaces PaySettings fields), all stopped at
  test end.
* ``wxsandbox_base_config`` — the session's default config with keys already generated (RSA key generation
  costs ~0.1 s, so each test's sandbox reuses them). Override it to change the default setup.

Outside pytest: ``with run_sandbox(config) as sb: …`` (the benchmark does this).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from wxsandbox.app import create_app
from wxsandbox.config import PaySettings, SandboxConfig, default_config, export_keys, materialize
from wxsandbox.state import State

__all__ = [
    "SandboxHandle",
    "run_sandbox",
    "wxsandbox",
    "wxsandbox_base_config",
    "wxsandbox_factory",
    "wxsandbox_session",
]


class SandboxHandle:
    """A running sandbox: ``base_url``, ``config`` (with keys), ``keys`` (export dict), ``sandbox`` (the
    in-process Sandbox object), ``client`` (httpx.Client on base_url) and small control helpers."""

    def __init__(self, app, base_url: str) -> None:
        self.app = app
        self.sandbox = app.state.sandbox
        self.config: SandboxConfig = self.sandbox.config
        self.keys: dict[str, Any] = export_keys(self.config)
        self.base_url = base_url
        self.client = httpx.Client(base_url=base_url, timeout=10.0, trust_env=False)

    # -- convenience accessors ----------------------------------------------------------------------------
    def app_of_kind(self, kind: str):
        return self.config.apps_of_kind(kind)[0]

    @property
    def merchant(self):
        return self.config.merchants[0]

    def openid(self, user_id: str, appid: str) -> str:
        return self.sandbox.users.openid(user_id, appid)

    def mp_login(self, user_id: str, app) -> str:
        """The user opens Mini Program ``app`` and it logs in (wx.login + jscode2session over the wire): the
        visit msg_sec_check asks for. Returns the user's openid there."""
        code = self.control("POST", "mp/login", json={"user": user_id, "appid": app.appid})["code"]
        params = {
            "appid": app.appid,
            "secret": app.secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        return self.client.get("/sns/jscode2session", params=params).json()["openid"]

    def access_token(self, app) -> str:
        """An access_token for ``app``, fetched over the wire like a developer server would."""
        params = {"grant_type": "client_credential", "appid": app.appid, "secret": app.secret}
        return self.client.get("/cgi-bin/token", params=params).json()["access_token"]

    # -- control API ---------------------------------------------------------------------------------------
    def control(self, method: str, path: str, **kwargs) -> Any:
        """Call ``/sandbox/<path>``; raises for a non-2xx answer; returns the JSON."""
        response = self.client.request(method, "/sandbox/" + path.lstrip("/"), **kwargs)
        if response.status_code >= 300:
            raise AssertionError(f"{method} {path} → {response.status_code} {response.text}")
        return response.json()

    def advance_clock(self, seconds: float) -> dict:
        return self.control("POST", "clock/advance", json={"seconds": seconds})

    def add_fault(self, **rule: Any) -> dict:
        return self.control("POST", "faults", json=rule)

    def clear_faults(self, seed: int | None = None) -> None:
        self.control("DELETE", "faults", json={} if seed is None else {"seed": seed})

    def invoice_consent(self, auth_url: str, user: str, decision: str = "allow") -> int:
        """Play ``user`` on the e-invoice authorisation page of ``auth_url`` (getauthurl's): open it and submit
        the decision; the HTTP status of the answer (302 to ``redirect_url`` when allowed and set)."""
        parts = urlsplit(auth_url)
        page = self.client.get(f"{parts.path}?{parts.query}&sandbox_user={user}")
        assert page.status_code == 200, page.text
        form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
        return self.client.post(
            "/bizmall/authinvoice/confirm", data=form | {"decision": decision}
        ).status_code

    def journal(self, **filters: Any) -> list[dict]:
        return self.control("GET", "journal", params=filters)["entries"]

    def deliveries(self, **filters: Any) -> list[dict]:
        return self.control("GET", "callbacks", params=filters)["deliveries"]

    def wait_delivery(self, delivery_id: int, timeout: float = 5.0) -> dict:
        return self.control("GET", f"callbacks/{delivery_id}", params={"wait": timeout})

    def wait_for(self, predicate, timeout: float = 5.0, interval: float = 0.01):
        """Poll ``predicate()`` until truthy (returned) or fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout:.1f}s")
            time.sleep(interval)

    def reset(self) -> None:
        self.control("POST", "reset")


class _QuickStopServer(uvicorn.Server):
    """uvicorn checks ``should_exit`` every 100 ms; tests start and stop many servers, so check every 10 ms
    (``on_tick`` still refreshes the Date header about once a second)."""

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 8_640_000
            await asyncio.sleep(0.01)
            should_exit = await self.on_tick(0 if counter % 100 == 0 else 1)


class _ServerThread(threading.Thread):
    def __init__(self, app, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(name="wxsandbox-server", daemon=True)
        self.server = _QuickStopServer(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level="warning",
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=1,
            )
        )
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.server.run()
        except BaseException as exc:  # surfaced by run_sandbox
            self.error = exc

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]


def configure(config: SandboxConfig | None = None, **overrides: Any) -> SandboxConfig:
    """Apply field overrides to a config; ``pay`` may be a dict of PaySettings fields."""
    config = config or default_config()
    pay = overrides.pop("pay", None)
    if isinstance(pay, dict):
        overrides["pay"] = dataclasses.replace(config.pay, **pay)
    elif isinstance(pay, PaySettings):
        overrides["pay"] = pay
    return dataclasses.replace(config, **overrides) if overrides else config


@contextmanager
def run_sandbox(
    config: SandboxConfig | None = None, state_path: str = ":memory:", *, port: int = 0, **overrides: Any
) -> Iterator[SandboxHandle]:
    """Start a sandbox server on 127.0.0.1 (random port by default) and stop it on exit."""
    app = create_app(configure(config, **overrides), State(state_path))
    thread = _ServerThread(app, port=port)
    thread.start()
    deadline = time.monotonic() + 10
    while not thread.server.started:
        if thread.error is not None or not thread.is_alive():
            raise RuntimeError(f"wxsandbox failed to start: {thread.error!r}")
        if time.monotonic() > deadline:
            raise RuntimeError("wxsandbox did not start within 10 s")
        time.sleep(0.005)
    handle = SandboxHandle(app, f"http://127.0.0.1:{thread.port}")
    try:
        yield handle
    finally:
        handle.client.close()
        thread.server.should_exit = True
        thread.join(timeout=10)
        app.state.sandbox.state.close()


@pytest.fixture(scope="session")
def wxsandbox_base_config() -> SandboxConfig:
    """Default config with keys generated once per session and a compressed callback clock."""
    return dataclasses.replace(materialize(default_config(), State(":memory:")), time_factor=0.001)


@pytest.fixture
def wxsandbox(wxsandbox_base_config) -> Iterator[SandboxHandle]:
    with run_sandbox(wxsandbox_base_config) as handle:
        yield handle


@pytest.fixture(scope="session")
def wxsandbox_session(wxsandbox_base_config) -> Iterator[SandboxHandle]:
    with run_sandbox(wxsandbox_base_config) as handle:
        yield handle


@pytest.fixture
def wxsandbox_factory(wxsandbox_base_config):
    stack: list = []

    def start(config: SandboxConfig | None = None, **overrides: Any) -> SandboxHandle:
        cm = run_sandbox(config or wxsandbox_base_config, **overrides)
        handle = cm.__enter__()
        stack.append(cm)
        return handle

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)
