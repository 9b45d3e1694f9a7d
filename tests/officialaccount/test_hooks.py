from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from wxmall.officialaccount import hooks


def test_registering_after_start_up_is_refused():
    with pytest.raises(ImproperlyConfigured):
        hooks.register_text_fallback(lambda inbound: None)


def test_extended_registry_keeps_order_and_leaves_the_live_one_alone(monkeypatch):
    live = hooks.text_fallbacks()

    def first(inbound):
        return None

    def second(inbound):
        return f"收到：{inbound.text}"

    monkeypatch.setattr(hooks, "registry", hooks.registry.extended(first).extended(second))
    assert hooks.text_fallbacks()[-2:] == (first, second)
    inbound = hooks.InboundText("wx" + "0" * 16, "o" * 28, "你好", 1, datetime.now(UTC))
    assert [fn(inbound) for fn in hooks.text_fallbacks()[-2:]] == [None, "收到：你好"]
    monkeypatch.undo()
    assert hooks.text_fallbacks() == live
