import pytest

from wxmall.officialaccount.testing import Pusher, configure


@pytest.fixture(autouse=True)
def _only_the_tests_own_fallbacks():
    """These tests exercise the message server and its hook, not the FAQ bot wxmall.support registers:
    start each from an empty fallback registry (tests/support covers the bot behind the hook)."""
    from wxmall.officialaccount import hooks

    # Empties the live registry object itself (its own MonkeyPatch): a test that swaps `hooks.registry`
    # with pytest's monkeypatch gets the live object back afterwards, whatever the teardown order.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hooks.registry, "_fallbacks", [])
        yield


@pytest.fixture
def oa(settings):
    return configure(settings)


@pytest.fixture
def push(oa):
    return Pusher(oa)


@pytest.fixture
def oa_hub(live_server, settings, wxsandbox_factory, wxsandbox_base_config):
    """A live hub whose Official Account is wxsandbox's, pushing to the hub's message server.
    `start(mode)` returns the SandboxHandle."""
    import dataclasses

    from wxmall.wechat.clients import registry
    from wxmall.wechat.testing import forget_credentials, use_sandbox
    from wxsandbox.config import OFFICIAL_ACCOUNT

    def start(mode: str = "safe"):
        base = live_server.url.replace("localhost", "127.0.0.1")
        apps = tuple(
            dataclasses.replace(a, server_url=f"{base}/wechat/oa/{a.appid}/", message_mode=mode)
            if a.kind == OFFICIAL_ACCOUNT
            else a
            for a in wxsandbox_base_config.apps
        )
        sb = wxsandbox_factory(apps=apps)
        use_sandbox(settings, sb)
        forget_credentials(settings)
        registry().recorder.discard()
        return sb

    return start


@pytest.fixture(scope="session")
def oa_redis(tmp_path_factory):
    """A private redis-server for the message server's fast path (dedupe keys only: no AOF needed)."""
    from helpers.redis_server import private_redis

    server = private_redis(tmp_path_factory, "oa-redis", aof=False)
    yield server
    server.stop()


@pytest.fixture
def fast_path(settings, oa, oa_redis, tmp_path, monkeypatch):
    """The fast path on (Redis dedupe, file spool), starting from an empty Redis and spool. The rules'
    periodic reload is pushed out of the test's way (tests count the request's SQL statements)."""
    import redis

    from wxmall.officialaccount import rules
    from wxmall.officialaccount.testing import FastPath

    monkeypatch.setattr(rules, "RULES_MAX_AGE_SECONDS", 10**9)
    redis.Redis.from_url(oa_redis.url).flushall()
    return FastPath(settings, oa_redis.url, tmp_path / "oa-spool")
