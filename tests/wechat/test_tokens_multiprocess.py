"""One token per appid across real processes sharing the suite's database (SQLite or PostgreSQL)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from wxmall.wechat.models import CredentialKind
from wxmall.wechat.stores import store_from_settings
from wxmall.wechat.testing import child_env, forget_credentials, sandbox_apps, token_fetches
from wxsandbox.testing import run_sandbox

pytestmark = pytest.mark.timeout(120)


def _start(env, seconds, threads):
    return subprocess.Popen(
        [sys.executable, "-m", "wxmall.wechat.testing", str(seconds), str(threads)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc, timeout=60):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def wxsandbox(wxsandbox_base_config):
    """A sandbox whose journal keeps every request: seconds of hammering write far more than the default
    20,000 rows, and the token counts below are read from the journal."""
    with run_sandbox(wxsandbox_base_config, journal_max_rows=10_000_000) as handle:
        yield handle


@pytest.fixture
def shared(transactional_db, settings, wxsandbox):
    """The store the children use (the database, or Redis when REDIS_URL is set), emptied for this app."""
    settings.WECHAT_APPS = sandbox_apps(wxsandbox)
    forget_credentials(settings)
    appid = settings.WECHAT_APPS["oa"]["appid"]
    store = store_from_settings()
    return lambda: store.read(appid, CredentialKind.ACCESS_TOKEN)


def _answers_with(handle, path, errcodes):
    entries = handle.journal(direction="in", path_prefix=path, limit=100_000)
    return sum(
        any(f'"errcode":{code}' in e["response"].replace(" ", "") for code in errcodes) for e in entries
    )


def test_processes_share_one_token_per_window_without_40001(shared, wxsandbox):
    # Short-lived tokens so several windows pass during the run: 6 s of life, rotation in the last 3.
    wxsandbox.control("POST", "mp/settings", json={"token_ttl_seconds": 6, "token_grace_seconds": 3})
    env = child_env(wxsandbox, connection.settings_dict, WECHAT_TOKEN_REFRESH_AHEAD_SECONDS=2)
    seconds = 10
    procs = [_start(env, seconds, 3) for _ in range(3)]
    results = [_result(p) for p in procs]

    assert all(r["ok"] > 0 for r in results)
    assert [r["failed"] for r in results] == [{}, {}, {}]  # no call failed, not even once
    issued = wxsandbox.sandbox.state.scalar("SELECT COUNT(*) FROM mp_access_tokens WHERE source = 'stable'")
    # The sandbox journals a request after answering it: a fetch at the very end of the run may not be
    # in the journal yet. Wait for it (an extra, redundant fetch would never make the counts meet).
    deadline = time.monotonic() + 5
    while (fetches := token_fetches(wxsandbox)) < issued and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fetches == issued  # every fetch brought a new token: exactly one fetch per validity window
    assert 2 <= issued <= seconds // (6 - 2) + 2
    assert _answers_with(wxsandbox, "/cgi-bin/user/get", (40001, 42001)) == 0  # no 40001 storm
    record = shared()
    assert record.version == issued and record.locked_until == 0


def test_a_refresher_killed_mid_refresh_does_not_block_the_others(shared, wxsandbox):
    # The first fetch hangs in WeChat; its process holds the lease when it is SIGKILLed.
    wxsandbox.add_fault(target="mp.stable_token", latency_ms=20_000, times=1)
    lease = 2
    env = child_env(wxsandbox, connection.settings_dict, WECHAT_TOKEN_LOCK_SECONDS=lease)
    victim = _start(env | {"WECHAT_HTTP_TIMEOUT_SECONDS": "60"}, 1, 1)
    deadline = time.monotonic() + 30
    # Killed only once its fetch is inside WeChat (the fault fired) while it holds the lease.
    while (
        shared() is None
        or shared().locked_until < time.time()
        or wxsandbox.control("GET", "faults")["rules"][0]["fired"] == 0
    ):
        assert victim.poll() is None and time.monotonic() < deadline, "the refresher never took the lease"
        time.sleep(0.02)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()

    started = time.monotonic()
    survivors = [_start(env, 2, 2) for _ in range(2)]
    results = [_result(p) for p in survivors]
    assert [r["failed"] for r in results] == [{}, {}]
    assert all(r["ok"] > 0 for r in results)
    assert time.monotonic() - started < 30
    record = shared()
    assert record.version == 1 and record.value and record.locked_until == 0
    assert (
        wxsandbox.sandbox.state.scalar("SELECT COUNT(*) FROM mp_access_tokens WHERE source = 'stable'") == 1
    )
