"""Django's Redis cache backend, keeping its redis-py client instead of building one per operation.

Django's `RedisCacheClient.get_client` constructs a new `redis.Redis` around the pooled connections on
every cache call; with redis-py 8 that constructor costs ≈ 0.4 ms (event dispatcher, retry objects),
which is most of a session read. A `redis.Redis` is safe to share between threads (it takes a pooled
connection per command), and Django already keeps one backend instance per thread, so one client per
pool is kept here: a cache of connections, not shared business state."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as _DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # a dict look-up once the pool exists
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(_DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient
