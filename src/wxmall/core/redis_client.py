"""One redis-py client per URL, timeout and process, for the apps that talk to REDIS_URL directly (not
through Django's cache): building a `redis.Redis` costs ≈ 0.4 ms, and each new one brings its own pool, so
a fresh client per request also opens a fresh connection. A client is safe to share between threads (it
takes a pooled connection per command) and resets its pool after a fork."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=8)
def client(url: str, timeout: float | None = None):
    import redis

    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
