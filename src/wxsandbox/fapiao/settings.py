"""Behaviour knobs of the fake invoicing platform (``[fapiao]`` table, ``POST /sandbox/fapiao/settings``)."""

from __future__ import annotations

from dataclasses import dataclass

from wxsandbox.layered import Layered


@dataclass(frozen=True)
class FapiaoSettings:
    app_key: str = "wxmall-demo"
    seller_name: str = "沙箱电脑商城有限公司"
    seller_tax_id: str = "91440300708461136T"
    seller_address_phone: str = "深圳市南山区科技园南路 88 号 0755-86000000"
    seller_bank_account: str = "招商银行深圳科技园支行 755900000000001"
    maker: str = "系统"
    region: str = "44"  # 2 digits of the 20-digit number (structure unconfirmed; reference §2.5)
    answer_delay_seconds: float = 0.0  # issue, then wait this long before answering (client time-outs)
    reject_titles: str = ""  # comma-separated buyer names the tax system refuses
    timestamp_window_seconds: int = 300


LAYER = Layered(FapiaoSettings, "fapiao")
load = LAYER.load

EXAMPLE_TOML = """\
# The fake invoicing platform (开票平台) (all optional).
[fapiao]
app_key = "wxmall-demo"          # the secret is generated: GET /sandbox/fapiao/credentials
seller_name = "沙箱电脑商城有限公司"
seller_tax_id = "91440300708461136T"
answer_delay_seconds = 0.0       # issue, then answer this late (makes the client time out)
reject_titles = ""               # buyer names the tax system refuses, comma-separated
"""
