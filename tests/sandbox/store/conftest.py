"""Fixtures of the Store surface tests: a sandbox whose shop pushes to a real local server."""

import dataclasses

import pytest
from store_client import StoreClient

from helpers.http import HttpReceiver
from wxsandbox.config import STORE


@pytest.fixture
def shop_server():
    """The shop's message server (the shared HttpReceiver) answering ``success``."""
    with HttpReceiver("/wechat/store/events?tenant=1") as r:
        r.respond = lambda request: (200, b"success")
        yield r


@pytest.fixture
def make_store(wxsandbox_factory, wxsandbox_base_config, shop_server):
    """``make_store(mode="safe", **sections)`` → a StoreClient on a fresh sandbox pushing to shop_server."""

    def start(
        mode: str = "safe", server_url: str | None = None, time_factor: float | None = None, **sections
    ):
        apps = tuple(
            dataclasses.replace(
                a, server_url=shop_server.url if server_url is None else server_url, message_mode=mode
            )
            if a.kind == STORE
            else a
            for a in wxsandbox_base_config.apps
        )
        config = dataclasses.replace(wxsandbox_base_config, apps=apps, sections=sections or {})
        if time_factor is not None:
            config = dataclasses.replace(config, time_factor=time_factor)
        return StoreClient(wxsandbox_factory(config))

    return start


@pytest.fixture
def store(make_store):
    return make_store()


@pytest.fixture(scope="module")
def _module_store_handle(wxsandbox_base_config):
    from wxsandbox.testing import run_sandbox

    with run_sandbox(wxsandbox_base_config) as handle:
        yield handle


@pytest.fixture
def quiet_store(_module_store_handle):
    """One sandbox per module (no push server) with the store forgotten before each test: for the many
    stateless refusal cases, where starting a sandbox would cost more than the test."""
    _module_store_handle.control("POST", "store/reset")
    _module_store_handle.clear_faults()
    return StoreClient(_module_store_handle)
