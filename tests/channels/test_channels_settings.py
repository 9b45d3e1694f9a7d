"""The hub refuses to start with Channels settings WeChat would not honour, and names the variable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from fresh_process import REAL, manage  # noqa: E402


def test_bad_channels_settings_stop_the_start(tmp_path):
    for name, value in (
        ("CHANNELS_SETTLE_AFTER_SECONDS", str(31 * 24 * 3600)),  # WeChat unfreezes after 30 days
        ("CHANNELS_LIVE_TIME", "25:00"),
        ("CHANNELS_PROFIT_SHARING_MAX_RATIO_BP", "20000"),
    ):
        result = manage(tmp_path, "check", **(REAL | {name: value}))
        assert result.returncode != 0 and name in result.stderr, result.stderr[-500:]
    assert manage(tmp_path, "check", **REAL).returncode == 0
