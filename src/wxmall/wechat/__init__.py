"""Typed client for WeChat's server APIs (api.weixin.qq.com), the shared token service and JS-SDK config.

    from wxmall.wechat import client
    client("oa").message.send_text(openid, "您好")        # Official Account
    client("mp").message.send_subscribe({...})           # Mini Program
    client("oa").tokens.get()                            # the deployment's one access_token

Modules: `config` (apps from settings.WECHAT_APPS, start-up validation), `_client` (WeChatClient: retries,
errcodes, token retry, stats), `errors` (errcode → exception table), `tokens` + `stores` (one token per
appid across processes and hosts), `metrics` + `queries` (per-API stats for the console and analytics),
`jssdk` (wx.config signature), `handlers` (outbox destinations per API family), `tasks` (refresh ahead).

Adding a service: see `wxmall.wechat.services` (its docstring is the how-to).
"""

from __future__ import annotations


def client(name: str = "oa"):
    """The process's client for app `name` (oa | mp | store); raises config.NotConfigured."""
    from wxmall.wechat.clients import registry

    return registry().get(name)
