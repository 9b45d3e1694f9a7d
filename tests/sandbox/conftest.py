"""Helpers for the sandbox's own tests; the sandbox fixtures themselves come from the root conftest."""

import pytest

from helpers.http import HttpReceiver
from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT
from wxsandbox.testing import run_sandbox


@pytest.fixture
def receiver():
    """A developer's Pay notify endpoint (the shared HttpReceiver, at /pay/notify)."""
    with HttpReceiver("/pay/notify") as r:
        yield r


@pytest.fixture
def oa(wxsandbox_base_config):
    """The default config's Official Account."""
    return wxsandbox_base_config.apps_of_kind(OFFICIAL_ACCOUNT)[0]


@pytest.fixture
def mp(wxsandbox_base_config):
    """The default config's Mini Program."""
    return wxsandbox_base_config.apps_of_kind(MINI_PROGRAM)[0]


@pytest.fixture(scope="module")
def shared_handle(wxsandbox_base_config):
    """One sandbox per module for stateless refusal tests (a sandbox start costs more than the test)."""
    with run_sandbox(wxsandbox_base_config) as handle:
        yield handle


@pytest.fixture
def sb(shared_handle):
    """The module's shared sandbox, with mp state and faults cleared."""
    shared_handle.control("POST", "mp/reset")
    shared_handle.clear_faults()
    return shared_handle
