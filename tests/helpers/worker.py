"""A real `celery worker` subprocess on the test database and broker folder, for tests of what a worker's
death leaves behind or of a task reaching a worker as in `make run`. Each test gives it its own queue: the
suite's broker folder holds other tests' unconsumed kicks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def worker_env(**extra: str) -> dict[str, str]:
    """This process's environment for a worker that shares its database and filesystem broker folder."""
    from django.conf import settings
    from django.db import connection

    from wxmall.wechat.testing import database_url

    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "wxmall.settings",
        "WXMALL_DEMO": "1",
        "WXMALL_VAR_DIR": str(settings.VAR_DIR),  # the same filesystem broker folder as this process
        "DATABASE_URL": database_url(connection.settings_dict),  # the test database (SQLite or PostgreSQL)
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def pay_env(pay: dict, api_base: str) -> dict[str, str]:
    """The WeChat Pay merchant of `pay` (settings.WECHAT_PAY) against wxsandbox at `api_base`."""
    return {
        "WECHAT_PAY_API_BASE": api_base,
        "WECHAT_PAY_MCHID": pay["mchid"],
        "WECHAT_PAY_APPID": pay["appid"],
        "WECHAT_PAY_APIV3_KEY": pay["apiv3_key"],
        "WECHAT_PAY_MERCHANT_SERIAL": pay["merchant_serial"],
        "WECHAT_PAY_MERCHANT_KEY": pay["merchant_private_key"],
        "WECHAT_PAY_PUBLIC_KEY_ID": pay["public_key_id"],
        "WECHAT_PAY_PUBLIC_KEY": pay["public_key"],
    }


def start_worker(env: dict[str, str], queue: str, *, log_level: str = "warning", stderr=subprocess.DEVNULL):
    """A solo-pool worker consuming only `queue`, in its own process group (kill it with os.killpg)."""
    command = [sys.executable, "-m", "celery", "-A", "wxmall", "worker", "-Q", queue, "--pool", "solo"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-l", log_level]
    return subprocess.Popen(
        command,
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=stderr is subprocess.PIPE,
        start_new_session=True,
    )
