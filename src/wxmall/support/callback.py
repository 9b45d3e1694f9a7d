"""WeCom's 微信客服 callback, `/wechat/wecom/callback/` (reference kf §1.6): GET is the URL verification
(an encrypted echostr, answered in plaintext); POST is an encrypted kf_msg_or_event, verified over
`msg_signature`, decrypted with the CorpID as ReceiveId, stored once and answered with an empty 200 at
once (the pull happens in a worker). Errors are short codes, never the input."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from wxmall.officialaccount import xml as wxml
from wxmall.wechat.msgcrypt import CryptoError, MsgCrypt

from . import wecom, wecom_actions

logger = logging.getLogger(__name__)
MAX_BODY = 16 * 1024


def _refuse(code: str, status: int = 400) -> HttpResponse:
    return HttpResponse(code, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
def kf_callback(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if not (wecom.configured() and settings.WECOM_CALLBACK_TOKEN and settings.WECOM_CALLBACK_AES_KEY):
        return _refuse("wecom_not_configured", 404)
    crypt = MsgCrypt(settings.WECOM_CALLBACK_TOKEN, settings.WECOM_CALLBACK_AES_KEY, settings.WECOM_CORP_ID)
    q = request.GET
    signature, timestamp, nonce = (
        q.get("msg_signature", "")[:64],
        q.get("timestamp", "")[:20],
        q.get("nonce", "")[:64],
    )
    if request.method == "GET":
        try:
            return HttpResponse(
                crypt.decrypt(
                    q.get("echostr", "")[:512], msg_signature=signature, timestamp=timestamp, nonce=nonce
                ),
                content_type="text/plain; charset=utf-8",
            )
        except CryptoError:
            return _refuse("wecom_bad_signature", 403)
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > settings.OA_TIMESTAMP_TOLERANCE_SECONDS:
        return _refuse("wecom_stale_timestamp", 403)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return _refuse("wecom_too_large", 413)
    try:
        envelope = wxml.parse(request.body[: MAX_BODY + 1])
        plain = crypt.decrypt(
            envelope.get("Encrypt", ""), msg_signature=signature, timestamp=timestamp, nonce=nonce
        )
        fields = wxml.parse(plain)
    except CryptoError:
        logger.warning("WeCom callback refused: bad signature or ciphertext")
        return _refuse("wecom_bad_signature", 403)
    except wxml.BadXml:  # malformed or hostile XML (defusedxml refuses DTDs and entities)
        return _refuse("wecom_bad_message")
    if fields.get("ToUserName") != settings.WECOM_CORP_ID:
        return _refuse("wecom_wrong_corp", 403)
    if fields.get("Event") == "kf_msg_or_event":
        wecom_actions.receive_callback(plain, fields)
    return HttpResponse(b"", content_type="text/plain")
