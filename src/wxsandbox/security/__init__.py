"""Content security surface of wxsandbox (reference wechat-kf-security-shipping.md §3).

  msgsec   POST /wxa/msg_sec_check on the MP API host (WeChat's text check, v2 and the frozen v1)
  tms      POST / with X-TC-Action: TextModeration, Tencent Cloud TMS (API 3.0, TC3-HMAC-SHA256 verified)

The sandbox answers both hosts on one port: point the hub's TMS endpoint at the sandbox's root URL.
Verdicts are deterministic per configured keyword (``settings.py``); faults by route name
(``security.msg_sec_check``, ``security.tms``) through the core's fault rules.

Control API:
  GET|POST|DELETE /sandbox/security/settings   effective settings (secret masked) / override / reset
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.mp.http import ControlError, control_endpoint, read_json
from wxsandbox.security import msgsec, tms
from wxsandbox.security import settings as sec_settings

SCHEMA = ""


@control_endpoint
async def control_settings(request: Request, sandbox: Any) -> dict:
    if request.method == "DELETE":
        sec_settings.reset(sandbox)
    elif request.method == "POST":
        try:
            sec_settings.override(sandbox, await read_json(request))
        except ValueError as exc:
            raise ControlError("invalid_settings", str(exc)) from exc
    return sec_settings.as_dict(sec_settings.load(sandbox))


routes = [
    Route("/wxa/msg_sec_check", msgsec.msg_sec_check, methods=["GET", "POST"], name="security.msg_sec_check"),
    Route("/", tms.text_moderation, methods=["POST"], name="security.tms"),
]
control_routes = [
    Route(
        "/sandbox/security/settings",
        control_settings,
        methods=["GET", "POST", "DELETE"],
        name="sandbox.security.settings",
    ),
]


def reset(sandbox: Any) -> None:
    """The core reset: forget run-time setting overrides."""
    sec_settings.reset(sandbox)


EXAMPLE_TOML = """\
# Content security: msg_sec_check (WeChat) and TMS TextModeration (Tencent Cloud), all optional.
[security]
msg_sec_max_chars = 2500
msg_sec_per_minute = 4000            # 45009 beyond this per appid
msg_sec_visit_seconds = 7200         # v2: the openid's Mini Program login must be this recent (0 = off)
msg_sec_visit_errcode = 43104        # what a stale openid gets (unconfirmed: 43104 or 61010)
tms_secret_id = "AKIDwxsandboxTMS00000000000000000000"   # the credentials the hub signs with
tms_secret_key = "wxsandboxTmsSecretKey0000000000000"
tms_skew_seconds = 300               # AuthFailure.SignatureExpire beyond this
tms_biz_types = ["default"]

[security.keywords]                  # msg_sec_check: keyword -> [pass|review|risky, label]
"赌博" = ["risky", 20006]

[security.tms_keywords]              # TMS: keyword -> [Pass|Review|Block, Label]
"赌博" = ["Block", "Illegal"]
"""
