"""微信客服 through WeCom (qyapi.weixin.qq.com/cgi-bin/kf/…): the surface the hub hands conversations to.

WeChat's endpoints are in ``api``, the customer/servicer control API in ``control``, state and the
encrypted ``kf_msg_or_event`` callback in ``store``. Listed before ``wxsandbox.mp`` in the app's surfaces:
mp ends with a ``/cgi-bin/…`` catch-all.
"""

from __future__ import annotations

from typing import Any

from wxsandbox.kf import api, control, store

routes = api.routes
control_routes = control.control_routes
SCHEMA = store.SCHEMA


def setup(sandbox: Any) -> None:
    store.register(sandbox)
