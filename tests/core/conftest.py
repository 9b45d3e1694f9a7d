"""A real HTTP receiver on 127.0.0.1 playing the merchant's system, failing on demand."""

from __future__ import annotations

import pytest

from helpers.http import HttpReceiver

WEBHOOK_SECRET = "test-webhook-secret"


class MerchantReceiver(HttpReceiver):
    """The merchant's webhook endpoint; ``secret`` is what the hub signs with once ``webhook`` points here."""

    secret = WEBHOOK_SECRET

    def keys(self) -> list[str]:
        """The Idempotency-Key of every request, in arrival order."""
        return [request.headers["idempotency-key"] for request in self.requests]


@pytest.fixture
def receiver():
    with MerchantReceiver("/hooks/wxmall") as merchant:
        yield merchant


@pytest.fixture
def webhook(settings, receiver):
    """merchant_webhook pointed at the receiver, with small, predictable retry settings."""
    settings.OUTBOX_DESTINATIONS = {
        "merchant_webhook": {
            "handler": "wxmall.core.webhook.post_webhook",
            "url": receiver.url,
            "secret": WEBHOOK_SECRET,
            "timeout": 5,
        },
    }
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 2
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 60
    settings.OUTBOX_BREAKER_FAILURES = 100  # tests of the breaker lower it
    settings.OUTBOX_BREAKER_COOLDOWN_SECONDS = 30
    return receiver
