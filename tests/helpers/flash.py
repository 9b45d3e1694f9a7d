"""Fixtures (imported by tests/conftest.py): the two flash-sale admission modes as one fixture, so each behaviour test runs on both: `sync` (no
Redis: the order is placed in the request) and `queued` (a private redis-server with AOF; tickets are
turned into orders by `tickets.drain`, which `flash_mode.settle()` runs as a worker would)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from helpers.redis_server import private_redis


@pytest.fixture(scope="session")
def flash_redis(tmp_path_factory):
    server = private_redis(tmp_path_factory, "flash-redis")
    yield server
    server.stop()


@dataclass
class FlashMode:
    name: str
    redis_url: str = ""

    @property
    def queued(self) -> bool:
        return self.name == "queued"

    @property
    def store(self):
        from wxmall.checkout import flash_store

        return flash_store.store_for(self.redis_url)

    def settle(self, rounds: int = 50) -> int:
        """Run the worker until no ticket is left queued (a no-op on the synchronous path)."""
        if not self.queued:
            return 0
        from wxmall.checkout import tickets

        settled = 0
        for _ in range(rounds):
            n = tickets.reclaim(min_idle_seconds=0) + tickets.drain(budget_seconds=30, idle_ms=0)
            settled += n
            if n == 0:
                return settled
        raise AssertionError("tickets kept arriving")


def _queued(request, settings):
    server = request.getfixturevalue("flash_redis")
    settings.FLASH_SALE_REDIS_URL = server.url
    mode = FlashMode("queued", server.url)
    mode.store.redis.flushall()
    return mode


@pytest.fixture(params=["sync", "queued"])
def flash_mode(request, settings):
    if request.param == "sync":
        settings.FLASH_SALE_REDIS_URL = ""
        yield FlashMode("sync")
        return
    mode = _queued(request, settings)
    yield mode
    mode.store.redis.flushall()


@pytest.fixture
def queued(request, settings):
    """The queued path only (what has no synchronous counterpart: failed tickets, Redis drift)."""
    mode = _queued(request, settings)
    yield mode
    mode.store.redis.flushall()
