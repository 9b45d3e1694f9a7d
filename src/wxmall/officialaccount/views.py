"""The Official Account message server, `/wechat/oa/<appid>/` (reference §2).

GET is WeChat's URL verification. POST is a push in plain, compatible or safe mode: verify the
signature over the query (and `msg_signature` over the ciphertext), bound and parse the XML with
defusedxml, check the recipient, store it once, answer the passive reply (encrypted when the push was)
or `success`. Errors are short plain text naming our error code, never echoing the input.
"""

from __future__ import annotations

import logging
import secrets
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from wxmall.wechat.msgcrypt import CryptoError, signature_matches

from . import actions
from . import xml as wxml
from .config import NotAnAccount, server_config
from .errors import OfficialAccountError as E

logger = logging.getLogger(__name__)
MAX_ECHOSTR = 128


def _refuse(error: E) -> HttpResponse:
    return HttpResponse(error.code, status=error.status, content_type="text/plain; charset=utf-8")


def _success() -> HttpResponse:
    return HttpResponse("success", content_type="text/plain; charset=utf-8")


@csrf_exempt
def message_server(request: HttpRequest, appid: str) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    try:
        config = server_config(appid)
    except NotAnAccount:
        return _refuse(E.UNKNOWN_ACCOUNT)
    if not (config.token and config.encoding_aes_key and config.original_id):
        return _refuse(E.NOT_READY)
    query = request.GET
    timestamp, nonce = query.get("timestamp", "")[:20], query.get("nonce", "")[:64]
    if not signature_matches(query.get("signature", "")[:64], config.token, timestamp, nonce):
        logger.warning("OA push refused: bad signature")
        return _refuse(E.BAD_SIGNATURE)
    if request.method == "GET":
        echostr = query.get("echostr", "")
        if not echostr or len(echostr) > MAX_ECHOSTR:
            return _refuse(E.BAD_MESSAGE)
        return HttpResponse(echostr, content_type="text/plain; charset=utf-8")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > settings.OA_TIMESTAMP_TOLERANCE_SECONDS:
        return _refuse(E.STALE_TIMESTAMP)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > settings.OA_MESSAGE_MAX_BYTES:
        return _refuse(E.TOO_LARGE)
    body = request.read(settings.OA_MESSAGE_MAX_BYTES + 1)
    if len(body) > settings.OA_MESSAGE_MAX_BYTES:
        return _refuse(E.TOO_LARGE)
    encrypted = query.get("encrypt_type", "raw") == "aes"
    try:
        outer = wxml.parse(body)
        if encrypted:
            crypt = config.crypt()
            raw = crypt.decrypt(
                outer.get("Encrypt", ""),
                msg_signature=query.get("msg_signature", "")[:64],
                timestamp=timestamp,
                nonce=nonce,
            )
            fields = wxml.parse(raw)
            mode = "compatible" if "MsgType" in outer else "safe"
        else:
            raw, fields, mode = body.decode("utf-8"), outer, "plain"
    except CryptoError:
        logger.warning("OA push refused: bad msg_signature or ciphertext")
        return _refuse(E.BAD_SIGNATURE)
    except (wxml.BadXml, UnicodeDecodeError):
        return _refuse(E.BAD_MESSAGE)
    if fields.get("ToUserName") != config.original_id or (
        encrypted and outer.get("ToUserName") != config.original_id
    ):
        return _refuse(E.WRONG_RECIPIENT)
    if (
        not fields.get("FromUserName")
        or not fields.get("MsgType")
        or not fields.get("CreateTime", "").isdigit()
    ):
        return _refuse(E.BAD_MESSAGE)
    received = actions.receive(appid, fields, raw, mode)
    if not received.reply:
        return _success()
    if not encrypted:
        return HttpResponse(received.reply, content_type="application/xml; charset=utf-8")
    reply_nonce = str(secrets.randbelow(9 * 10**9) + 10**9)
    envelope = config.crypt().encrypted_reply(
        received.reply, timestamp=str(int(time.time())), nonce=reply_nonce
    )
    return HttpResponse(envelope, content_type="application/xml; charset=utf-8")
