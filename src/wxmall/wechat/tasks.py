"""Celery tasks of the WeChat app. `refresh_credentials` runs every WECHAT_REFRESH_INTERVAL_SECONDS
(beat entry added in WechatConfig.ready) and fetches each configured app's access_token (and the Official
Account's jsapi_ticket) when it is inside its refresh-ahead window, so callers rarely wait for a fetch."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="wxmall.wechat.refresh_credentials", ignore_result=True)
def refresh_credentials() -> int:
    """Returns how many credentials were fetched. One app failing does not stop the others."""
    from wxmall.wechat import client
    from wxmall.wechat.config import configured_names
    from wxmall.wechat.errors import WeChatError

    fetched = 0
    for name in configured_names():
        wx = client(name)
        services = [wx.tokens, wx.tickets] if name == "oa" else [wx.tokens]
        for service in services:
            try:
                fetched += service.refresh_if_due()
            except WeChatError as exc:
                logger.warning("refreshing %s %s failed: %s", wx.appid, service.kind, exc)
    wx_registry_flush()
    return fetched


def wx_registry_flush() -> None:
    from wxmall.wechat.clients import registry

    registry().recorder.flush()
