"""Base access tokens (reference §3): rotation with grace, stable tokens, force refresh, quotas, errcodes."""

import threading

import pytest

from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT


def fetch_token(sb, app, **params):
    query = {"grant_type": "client_credential", "appid": app.appid, "secret": app.secret} | params
    return sb.client.get("/cgi-bin/token", params=query).json()


def fetch_stable(sb, app, **body):
    payload = {"grant_type": "client_credential", "appid": app.appid, "secret": app.secret} | body
    return sb.client.post("/cgi-bin/stable_token", json=payload).json()


def probe(sb, token):
    """Any token-checked API: the errcode it answers (0 when the token is accepted)."""
    answer = sb.client.get("/cgi-bin/getcallbackip", params={"access_token": token}).json()
    return answer.get("errcode", 0)


def test_token_rotates_and_old_one_lives_five_minutes(wxsandbox, oa):
    first = fetch_token(wxsandbox, oa)
    assert first["expires_in"] == 7200 and len(first["access_token"]) > 100
    second = fetch_token(wxsandbox, oa)
    assert second["access_token"] != first["access_token"]
    assert probe(wxsandbox, first["access_token"]) == 0  # within the grace period
    wxsandbox.advance_clock(299)
    assert probe(wxsandbox, first["access_token"]) == 0
    wxsandbox.advance_clock(2)
    assert probe(wxsandbox, first["access_token"]) == 40001  # superseded: "not latest"
    assert probe(wxsandbox, second["access_token"]) == 0


def test_token_expires_after_7200_seconds(wxsandbox, oa):
    token = fetch_token(wxsandbox, oa)["access_token"]
    wxsandbox.advance_clock(7199)
    assert probe(wxsandbox, token) == 0
    wxsandbox.advance_clock(2)
    assert probe(wxsandbox, token) == 42001


def test_stable_token_is_stable_then_rotates_in_the_last_five_minutes(wxsandbox, oa):
    first = fetch_stable(wxsandbox, oa)
    assert fetch_stable(wxsandbox, oa)["access_token"] == first["access_token"]
    wxsandbox.advance_clock(7200 - 301)
    again = fetch_stable(wxsandbox, oa)
    assert again["access_token"] == first["access_token"] and again["expires_in"] >= 300
    wxsandbox.advance_clock(2)  # 299 s left: WeChat hands out the next token, the old one lives on
    rotated = fetch_stable(wxsandbox, oa)
    assert rotated["access_token"] != first["access_token"] and rotated["expires_in"] == 7200
    assert probe(wxsandbox, first["access_token"]) == 0
    wxsandbox.advance_clock(300)
    assert probe(wxsandbox, first["access_token"]) == 42001
    assert probe(wxsandbox, rotated["access_token"]) == 0


def test_force_refresh_revokes_at_once_and_is_rate_limited(wxsandbox, oa):
    leaked = fetch_stable(wxsandbox, oa)["access_token"]
    fresh = fetch_stable(wxsandbox, oa, force_refresh=True)["access_token"]
    assert fresh != leaked
    assert probe(wxsandbox, leaked) == 40001
    # Within 30 s of the previous forced refresh nothing is refreshed.
    assert fetch_stable(wxsandbox, oa, force_refresh=True)["access_token"] == fresh
    wxsandbox.advance_clock(31)
    newer = fetch_stable(wxsandbox, oa, force_refresh=True)["access_token"]
    assert newer != fresh and probe(wxsandbox, fresh) == 40001


def test_force_refresh_daily_limit(wxsandbox, oa):
    wxsandbox.control("POST", "mp/settings", json={"stable_force_refresh_per_day": 2})
    assert "access_token" in fetch_stable(wxsandbox, oa, force_refresh=True)
    wxsandbox.advance_clock(31)
    assert "access_token" in fetch_stable(wxsandbox, oa, force_refresh=True)
    wxsandbox.advance_clock(31)
    assert fetch_stable(wxsandbox, oa, force_refresh=True)["errcode"] == 45009


def test_token_and_stable_token_are_isolated(wxsandbox, oa):
    stable = fetch_stable(wxsandbox, oa)["access_token"]
    plain = fetch_token(wxsandbox, oa)["access_token"]
    fetch_token(wxsandbox, oa)
    fetch_stable(wxsandbox, oa, force_refresh=True)
    wxsandbox.advance_clock(301)
    assert probe(wxsandbox, stable) == 40001  # killed by the forced stable refresh
    assert probe(wxsandbox, plain) == 40001  # superseded by the newer /cgi-bin/token
    assert fetch_token(wxsandbox, oa)["access_token"]  # and /cgi-bin/token keeps working


def test_daily_quota_45009_and_clear_quota(wxsandbox, oa):
    wxsandbox.control("POST", "mp/settings", json={"daily_quotas": {"token": 3}, "clear_quota_per_month": 1})
    tokens = [fetch_token(wxsandbox, oa) for _ in range(3)]
    assert all("access_token" in t for t in tokens)
    assert fetch_token(wxsandbox, oa)["errcode"] == 45009
    live = tokens[-1]["access_token"]
    cleared = wxsandbox.client.post(
        "/cgi-bin/clear_quota", params={"access_token": live}, json={"appid": oa.appid}
    ).json()
    assert cleared == {"errcode": 0, "errmsg": "ok"}
    assert "access_token" in fetch_token(wxsandbox, oa)
    again = wxsandbox.client.post(
        "/cgi-bin/clear_quota", params={"access_token": live}, json={"appid": oa.appid}
    )
    assert again.json()["errcode"] == 48006


def test_quota_resets_the_next_day(wxsandbox, oa):
    wxsandbox.control("POST", "mp/settings", json={"daily_quotas": {"token": 1}})
    assert "access_token" in fetch_token(wxsandbox, oa)
    assert fetch_token(wxsandbox, oa)["errcode"] == 45009
    wxsandbox.advance_clock(86400)
    assert "access_token" in fetch_token(wxsandbox, oa)


def test_quota_holds_under_concurrent_callers(wxsandbox, oa):
    wxsandbox.control("POST", "mp/settings", json={"daily_quotas": {"token": 10}})
    results = []
    lock = threading.Lock()

    def worker():
        import httpx

        with httpx.Client(base_url=wxsandbox.base_url, trust_env=False) as client:
            for _ in range(5):
                answer = client.get(
                    "/cgi-bin/token",
                    params={"grant_type": "client_credential", "appid": oa.appid, "secret": oa.secret},
                ).json()
                with lock:
                    results.append(answer)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum("access_token" in r for r in results) == 10
    assert sum(r.get("errcode") == 45009 for r in results) == 10


@pytest.mark.parametrize(
    ("params", "errcode"),
    [
        ({"appid": None}, 41002),
        ({"secret": None}, 41004),
        ({"grant_type": "password"}, 40002),
        ({"appid": "wx0000000000000000"}, 40013),
        ({"secret": "0" * 32}, 40125),
    ],
)
def test_token_credential_errors(sb, oa, params, errcode):
    query = {"grant_type": "client_credential", "appid": oa.appid, "secret": oa.secret} | params
    answer = sb.client.get("/cgi-bin/token", params={k: v for k, v in query.items() if v is not None})
    assert answer.status_code == 200
    body = answer.json()
    assert body["errcode"] == errcode and " rid: " in body["errmsg"]


@pytest.mark.parametrize(
    ("raw", "errcode"),
    [
        (b"", 44002),
        (b"{not json", 47001),
        (b"[1, 2]", 47001),
        (
            b'{"grant_type": "client_credential", "appid": "wx5b1f0a7c3e9d0a01", "secret": "x", "force_refresh": "yes"}',
            40125,
        ),
    ],
)
def test_stable_token_body_errors(sb, raw, errcode):
    answer = sb.client.post(
        "/cgi-bin/stable_token", content=raw, headers={"content-type": "application/json"}
    ).json()
    assert answer["errcode"] == errcode


def test_stable_token_rejects_non_boolean_force_refresh(sb, oa):
    assert fetch_stable(sb, oa, force_refresh="yes")["errcode"] == 47001


def test_stable_token_oversized_body_is_refused(wxsandbox, oa):
    huge = b'{"pad": "' + b"a" * (wxsandbox.config.max_body_bytes + 10) + b'"}'
    answer = wxsandbox.client.post("/cgi-bin/stable_token", content=huge).json()
    assert answer["errcode"] == 45002


@pytest.mark.parametrize(("token", "errcode"), [(None, 41001), ("short", 40014), ("12_" + "a" * 100, 40001)])
def test_every_api_checks_the_access_token(sb, token, errcode):
    params = {} if token is None else {"access_token": token}
    for path in (
        "/cgi-bin/getcallbackip",
        "/cgi-bin/menu/get",
        "/cgi-bin/ticket/getticket",
        "/cgi-bin/user/info",
    ):
        assert sb.client.get(path, params=params).json()["errcode"] == errcode, path
    for path in (
        "/cgi-bin/menu/create",
        "/cgi-bin/message/custom/send",
        "/cgi-bin/message/template/send",
        "/cgi-bin/qrcode/create",
        "/wxa/generate_urllink",
        "/wxa/business/getuserphonenumber",
    ):
        assert sb.client.post(path, params=params, json={}).json()["errcode"] == errcode, path


def test_mini_program_token_is_refused_by_official_account_apis(sb):
    mp = sb.app_of_kind(MINI_PROGRAM)
    token = fetch_token(sb, mp)["access_token"]
    assert sb.client.get("/cgi-bin/menu/get", params={"access_token": token}).json()["errcode"] == 48001


def test_unknown_api_paths_answer_40066(sb):
    assert sb.client.get("/sns/jsCode2Session").json()["errcode"] == 40066
    assert sb.client.post("/cgi-bin/no/such/api").json()["errcode"] == 40066


def test_injected_faults_reach_the_client(wxsandbox, oa):
    token = fetch_token(wxsandbox, oa)["access_token"]
    wxsandbox.add_fault(target="mp.getcallbackip", errcode=40001, times=1)
    assert probe(wxsandbox, token) == 40001
    assert probe(wxsandbox, token) == 0  # the rule fired its one time
    wxsandbox.add_fault(target="/cgi-bin/token", errcode=-1, times=1)
    assert fetch_token(wxsandbox, oa)["errcode"] == -1
    assert "access_token" in fetch_token(wxsandbox, oa)


def test_injected_latency_delays_but_answers(wxsandbox, oa):
    import time

    wxsandbox.add_fault(target="mp.stable_token", latency_ms=150, times=1)
    started = time.perf_counter()
    assert "access_token" in fetch_stable(wxsandbox, oa)
    assert time.perf_counter() - started >= 0.15


def test_seeded_error_rate_replays_identically(wxsandbox_factory, wxsandbox_base_config):
    from wxsandbox.config import FaultRule

    def run():
        sb = wxsandbox_factory(
            faults=(FaultRule(target="mp.token", probability=0.5, errcode=-1, id="flaky"),)
        )
        app = sb.app_of_kind(OFFICIAL_ACCOUNT)
        return ["errcode" in fetch_token(sb, app) for _ in range(20)]

    first, second = run(), run()
    assert first == second and 0 < sum(first) < 20


def test_journal_records_token_calls(wxsandbox, oa):
    fetch_token(wxsandbox, oa)
    entries = wxsandbox.journal(kind="mp.token")
    assert entries and entries[-1]["status"] == 200 and entries[-1]["direction"] == "in"


def test_official_account_ip_whitelist(wxsandbox, oa):
    wxsandbox.control("POST", "mp/settings", json={"ip_whitelist": {oa.appid: ["10.0.0.8"]}})
    refused = fetch_token(wxsandbox, oa)
    assert refused["errcode"] == 40164 and "127.0.0.1" in refused["errmsg"]
    assert fetch_stable(wxsandbox, oa)["errcode"] == 40164
    mp = wxsandbox.app_of_kind(MINI_PROGRAM)
    wxsandbox.control("POST", "mp/settings", json={"ip_whitelist": {mp.appid: ["10.0.0.8"]}})
    assert "access_token" in fetch_token(wxsandbox, mp)  # Mini Programs are exempt
    wxsandbox.control("POST", "mp/settings", json={"ip_whitelist": {oa.appid: ["127.0.0.1"]}})
    assert "access_token" in fetch_token(wxsandbox, oa)


def test_mp_reset_forgets_tokens_state_and_settings(wxsandbox, oa):
    wxsandbox.control("POST", "mp/settings", json={"daily_quotas": {"token": 1}})
    token = fetch_token(wxsandbox, oa)["access_token"]
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    assert fetch_token(wxsandbox, oa)["errcode"] == 45009
    assert wxsandbox.control("POST", "mp/reset") == {"ok": True}
    assert probe(wxsandbox, token) == 40001
    assert wxsandbox.control("GET", "mp/settings")["daily_quotas"]["token"] == 2000
    assert not wxsandbox.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["following"]
    assert "access_token" in fetch_token(wxsandbox, oa)


def test_mp_section_of_the_config_sets_defaults(wxsandbox_factory):
    from types import MappingProxyType

    sb = wxsandbox_factory(sections=MappingProxyType({"mp": {"token_ttl_seconds": 600}}))
    app = sb.app_of_kind(OFFICIAL_ACCOUNT)
    assert fetch_token(sb, app)["expires_in"] == 600


def test_example_toml_is_valid_settings():
    import tomllib

    from wxsandbox.mp import settings

    parsed = tomllib.loads(settings.EXAMPLE_TOML)["mp"]

    class Fake:
        class config:
            @staticmethod
            def section(name):
                return parsed

        class state:
            @staticmethod
            def get_meta(key):
                return None

    loaded = settings.load(Fake)
    assert loaded.daily_quotas["token"] == 2000 and loaded.template_registry == "auto"


def test_minute_and_day_counters_of_one_api_are_independent(wxsandbox, oa):
    wxsandbox.control(
        "POST", "mp/settings", json={"daily_quotas": {"stable_token": 3}, "stable_token_per_minute": 2}
    )
    assert "access_token" in fetch_stable(wxsandbox, oa)
    assert "access_token" in fetch_stable(wxsandbox, oa)
    assert fetch_stable(wxsandbox, oa)["errcode"] == 45011  # third in the same minute
    wxsandbox.advance_clock(60)
    assert "access_token" in fetch_stable(wxsandbox, oa)  # a new minute does not reset the day
    wxsandbox.advance_clock(60)
    assert fetch_stable(wxsandbox, oa)["errcode"] == 45009


def test_concurrent_stable_token_callers_share_one_token(wxsandbox, oa):
    import httpx

    tokens, start = [], threading.Barrier(8)

    def worker():
        with httpx.Client(base_url=wxsandbox.base_url, trust_env=False) as client:
            start.wait()
            tokens.append(
                client.post(
                    "/cgi-bin/stable_token",
                    json={"grant_type": "client_credential", "appid": oa.appid, "secret": oa.secret},
                ).json()["access_token"]
            )

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(tokens) == 8 and len(set(tokens)) == 1


def test_injected_timeout_and_http_error(wxsandbox, oa):
    wxsandbox.add_fault(target="mp.token", timeout=True, timeout_seconds=0.2, times=1)
    import httpx

    with pytest.raises(httpx.ReadTimeout):
        wxsandbox.client.get(
            "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": oa.appid, "secret": oa.secret},
            timeout=0.1,
        )
    wxsandbox.add_fault(target="mp.token", http_status=503, times=1)
    answer = wxsandbox.client.get(
        "/cgi-bin/token", params={"grant_type": "client_credential", "appid": oa.appid, "secret": oa.secret}
    )
    assert answer.status_code == 503
    assert "access_token" in fetch_token(wxsandbox, oa)
