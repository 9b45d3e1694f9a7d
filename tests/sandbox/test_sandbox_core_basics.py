"""Core services of wxsandbox: state, clock, users, faults, journal, control API, CLI."""

import json
import subprocess
import sys
import time

import pytest

from wxsandbox.clock import Clock, parse_rfc3339
from wxsandbox.config import (
    ConfigError,
    FaultRule,
    default_config,
    export_keys,
    load_config,
    materialize,
    parse_config,
)
from wxsandbox.faults import FaultInjector
from wxsandbox.state import State
from wxsandbox.users import Users


def test_keys_generated_once_and_persisted(tmp_path):
    path = str(tmp_path / "sb.db")
    first = export_keys(materialize(default_config(), State(path)))
    second = export_keys(materialize(default_config(), State(path)))
    assert first == second
    merchant = first["merchants"][0]
    assert len(merchant["apiv3_key"]) == 32
    assert merchant["platform_public_key_id"].startswith("PUB_KEY_ID_")
    assert "BEGIN PRIVATE KEY" in merchant["merchant_private_key_pem"]
    assert "BEGIN CERTIFICATE" in merchant["platform_cert_pem"]
    assert all(len(a["encoding_aes_key"]) == 43 for a in first["apps"])
    other = export_keys(materialize(default_config(), State(":memory:")))
    assert other["merchants"][0]["apiv3_key"] != merchant["apiv3_key"]


def test_config_file_values_win_and_errors_name_the_place(tmp_path):
    toml = tmp_path / "sb.toml"
    toml.write_text(
        'seed = 7\n[[apps]]\nappid = "wxaaaaaaaaaaaaaaaa"\nsecret = "s3cret"\n'
        '[[users]]\nid = "a"\nnickname = "阿"\n[pay]\nnonce_replay = "allow"\n[mp]\nfoo = 1\n'
    )
    config = load_config(toml)
    assert config.seed == 7 and config.pay.nonce_replay == "allow"
    assert config.merchants[0].appids == ("wxaaaaaaaaaaaaaaaa",)
    assert materialize(config, State()).apps[0].secret == "s3cret"
    assert config.section("mp")["foo"] == 1 and dict(config.section("phone")) == {}
    with pytest.raises(ConfigError, match=r"apps\[0\]: unknown keys"):
        parse_config({"apps": [{"appid": "x", "colour": "red"}]})
    with pytest.raises(ConfigError, match="kind"):
        parse_config({"apps": [{"appid": "x", "kind": "game"}]})
    with pytest.raises(ConfigError, match="unknown appid"):
        parse_config({"merchants": [{"mchid": "1", "appids": ["nope"]}]})


def test_clock_advances_and_persists(tmp_path):
    path = str(tmp_path / "c.db")
    clock = Clock(State(path))
    seen = []
    clock.on_advance(seen.append)
    before = clock.now()
    clock.advance(3600)
    assert clock.now() - before >= 3600 and seen
    assert Clock(State(path)).offset == 3600
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert parse_rfc3339("2015-05-20T13:29:35+08:00") == 1432099775
    with pytest.raises(ValueError):
        parse_rfc3339("2015-05-20 13:29:35")


def test_openids_are_per_app_and_unionid_per_open_platform():
    state = State()
    config = materialize(default_config(), state)
    users = Users(state, Clock(state), config)
    oa, mp, _store = (a.appid for a in config.apps)
    assert users.openid("xiaoming", oa) != users.openid("xiaoming", mp)
    assert users.openid("xiaoming", oa) == users.openid("xiaoming", oa)
    assert len(users.openid("xiaoming", oa)) == 28
    assert users.unionid("xiaoming", oa) == users.unionid("xiaoming", mp) != users.unionid("lihua", oa)
    assert users.by_openid(oa, users.openid("lihua", oa))["nickname"] == "李华"
    assert users.by_openid(mp, users.openid("lihua", oa)) is None
    assert [u["nickname"] for u in users.list()] == ["小明", "李华", "王芳"]


def test_fault_rules_are_seeded_and_replayable():
    def run(seed):
        faults = FaultInjector(
            (FaultRule(target="pay.*", probability=0.3, errcode="SYSTEM_ERROR"),), seed=seed
        )
        return [faults.check("pay.native", "/v3/pay/transactions/native") is not None for _ in range(200)]

    first, again, other = run(1), run(1), run(2)
    assert first == again and first != other
    assert 30 < sum(first) < 90
    capped = FaultInjector((FaultRule(target="/v3/*", times=2, errcode=-1),))
    assert [capped.check("x", "/v3/a") is not None for _ in range(4)] == [True, True, False, False]
    assert capped.check("mp.token", "/cgi-bin/token") is None


def test_control_api_users_clock_faults_journal(wxsandbox):
    c = wxsandbox.client
    assert c.get("/sandbox/healthz").json() == {"ok": True}
    created = c.post("/sandbox/users", json={"nickname": "赵六", "id": "zhaoliu", "city": "广州"})
    assert created.status_code == 201 and len(created.json()["identities"]) == 3  # OA, MP, store
    assert c.post("/sandbox/users", json={"nickname": "重复", "id": "zhaoliu"}).status_code == 400
    assert c.post("/sandbox/users", content=b"{nope").json()["error"] == "malformed_json"
    assert c.post("/sandbox/users", json={"nickname": "x", "favourite": 1}).status_code == 400
    assert c.get("/sandbox/users/nobody").status_code == 404
    assert len(c.get("/sandbox/users").json()["users"]) == 4

    offset = wxsandbox.advance_clock(86400)["offset"]
    assert offset == 86400
    assert c.post("/sandbox/clock/advance", json={"seconds": -5}).status_code == 400

    assert c.post("/sandbox/faults", json={"target": "sandbox.*", "bogus": 1}).status_code == 400
    assert c.post("/sandbox/faults", json={"target": "x", "probability": 2}).status_code == 400
    rule = wxsandbox.add_fault(target="/nowhere", http_status=503)
    assert c.get("/nowhere").status_code == 503
    assert c.delete(f"/sandbox/faults/{rule['id']}").status_code == 200
    assert c.get("/nowhere").status_code == 404

    entries = wxsandbox.journal(direction="in")
    assert any(e["target"] == "/nowhere" and e["status"] == 503 and "fault" in e["note"] for e in entries)
    assert all(not (e["target"].startswith("/sandbox/") and e["method"] == "GET") for e in entries)
    wxsandbox.reset()
    assert [e["kind"] for e in wxsandbox.journal()] == ["sandbox.reset"]  # the reset call itself


def test_reset_also_resets_every_surface(wxsandbox):
    oa = wxsandbox.app_of_kind("official_account")
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming", "appid": oa.appid})
    followed = wxsandbox.control("GET", "mp/oa/conversation", params={"user": "xiaoming", "appid": oa.appid})
    assert followed["following"] is True
    wxsandbox.reset()
    after = wxsandbox.control("GET", "mp/oa/conversation", params={"user": "xiaoming", "appid": oa.appid})
    assert after["following"] is False


def test_oversized_control_body_is_refused_before_the_handler(wxsandbox_factory):
    sb = wxsandbox_factory(max_body_bytes=64)
    response = sb.client.post(
        "/sandbox/users", content=b"x" * 65, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert len(sb.client.get("/sandbox/users").json()["users"]) == 3


def test_cli_help_example_and_keys(tmp_path):
    run = [sys.executable, "-m", "wxsandbox"]
    helptext = subprocess.run([*run, "--help"], capture_output=True, text=True, check=True).stdout
    assert "serve" in helptext and "keys" in helptext and "config" in helptext
    example = subprocess.run([*run, "config", "--example"], capture_output=True, text=True, check=True).stdout
    toml = tmp_path / "sb.toml"
    toml.write_text(example)
    assert "\n[mp]" in example and "mp" in load_config(toml).sections  # surfaces document their own options
    state = str(tmp_path / "s.db")
    keys = json.loads(
        subprocess.run(
            [*run, "keys", "--export", "--state", state, "--config", str(toml)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert keys["merchants"][0]["mchid"] == "1900009191"
    env = subprocess.run(
        [*run, "keys", "--export", "--format", "env", "--state", state],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"WXSANDBOX_PAY_APIV3_KEY='{keys['merchants'][0]['apiv3_key']}'" in env
    bad = subprocess.run(
        [*run, "keys", "--export", "--config", str(tmp_path / "missing.toml")], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "bad config" in bad.stderr


def test_example_config_round_trips_and_info_lists_routes(tmp_path, wxsandbox):
    from wxsandbox.config import EXAMPLE_TOML, PAY_RETRY_SCHEDULE

    toml = tmp_path / "example.toml"
    toml.write_text(EXAMPLE_TOML)
    config = load_config(toml)
    assert config.pay.signtest_probes is False and config.pay.retry_schedule == PAY_RETRY_SCHEDULE
    assert [a.kind for a in config.apps] == ["official_account", "mini_program", "store"]
    info = wxsandbox.client.get("/sandbox/info").json()
    names = {r["name"] for r in info["routes"]}
    assert {"pay.native", "pay.query", "sandbox.pay_confirm", "sandbox.healthz"} <= names
    assert "secret" not in json.dumps(info["apps"])


def test_oversized_chunked_body_without_content_length_is_refused(wxsandbox_factory):
    sb = wxsandbox_factory(max_body_bytes=1000)

    def chunks():
        for _ in range(20):
            yield b"x" * 100

    response = sb.client.post("/v3/pay/transactions/native", content=chunks())
    assert response.status_code == 413 and response.json()["code"] == "PARAM_ERROR"
    assert sb.sandbox.state.scalar("SELECT COUNT(*) FROM pay_orders") == 0
    entry = sb.journal(path_prefix="/v3/")[-1]
    assert entry["status"] == 413 and entry["note"] == "body over limit"
    wechat_style = sb.client.post("/cgi-bin/anything", content=chunks())
    assert wechat_style.status_code == 200 and wechat_style.json()["errcode"] == 45002


def test_serve_server_url_points_every_app_of_a_kind_at_a_push_target(tmp_path, http_receiver):
    """`make run` starts the sandbox with --server-url so its Official Account and Store push to the hub;
    an app with its own server_url in the config keeps it, and a malformed pair refuses to start."""
    import dataclasses
    import socket

    import httpx

    from wxsandbox.cli import with_server_urls
    from wxsandbox.config import OFFICIAL_ACCOUNT, STORE, default_config

    config = default_config()
    own = dataclasses.replace(config, apps=(dataclasses.replace(config.apps[0], server_url="http://own/"),))
    assert with_server_urls(own, ["official_account=http://hub/{appid}/"]).apps[0].server_url == "http://own/"
    pointed = with_server_urls(config, ["store=http://hub/store/{appid}/"])
    assert [a.server_url for a in pointed.apps if a.kind == STORE] == [
        f"http://hub/store/{a.appid}/" for a in config.apps if a.kind == STORE
    ]
    assert all(a.server_url == "" for a in pointed.apps if a.kind == OFFICIAL_ACCOUNT)
    for bad in ("official_account", "pay=http://x/", "store=ftp://x/"):
        refused = subprocess.run(
            [sys.executable, "-m", "wxsandbox", "serve", "--state", ":memory:", "--server-url", bad],
            capture_output=True,
            text=True,
        )
        assert refused.returncode == 2 and "bad --server-url" in refused.stderr

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve = subprocess.Popen(
        [sys.executable, "-m", "wxsandbox", "serve", "--port", str(port), "--state", str(tmp_path / "s.db")]
        + [
            "--server-url",
            f"official_account={http_receiver.url}wechat/oa/{{appid}}/",
            "--log-level",
            "error",
        ]
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/sandbox/info", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and serve.poll() is None
                time.sleep(0.2)
        httpx.post(f"{base}/sandbox/mp/oa/follow", json={"user": "xiaoming"}, timeout=10)
        (push,) = http_receiver.wait_for(1, timeout=10)
        appid = next(a.appid for a in config.apps if a.kind == OFFICIAL_ACCOUNT)
        assert push.method == "POST" and push.path.startswith(f"/wechat/oa/{appid}/?")
    finally:
        serve.terminate()
        serve.wait(10)
