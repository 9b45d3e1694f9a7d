"""/api/channels for the signed-in customer: book a live session (a reminder by subscribe message before
it starts) and claim a topic challenge's reward once.
Session auth (CSRF token required on POST: cookie `csrftoken` + header `X-CSRFToken`)."""

from __future__ import annotations

from ninja import Router, Schema
from ninja.security import django_auth

from wxmall.accounts.queries import openid_for
from wxmall.core.errors import DomainError
from wxmall.core.schemas import AUTH_WRITE, BODY, errors
from wxmall.core.validation import PathId, Text
from wxmall.wechat.config import NotConfigured, get_app

from .actions import challenges, live
from .errors import ChannelsError

router = Router(auth=django_auth, tags=["channels"])


class BookingOut(Schema):
    session_id: int
    booked: bool  # false: already booked before


class ClaimIn(Schema):
    post_id: Text(128)


class ClaimOut(Schema):
    challenge_id: int
    coupon_code: str
    coupon_name: str


@router.post(
    "/lives/{session_id}/booking",
    response={200: BookingOut, **errors(*AUTH_WRITE, 404, 409, *BODY)},
    summary="预约直播（开播前以订阅消息提醒）",
)
def book_live(request, session_id: PathId):
    try:
        appid = get_app("mp").appid
    except NotConfigured:
        appid = ""
    openid = openid_for(request.auth, appid) if appid else None
    if not openid:
        raise DomainError(ChannelsError.NO_MP_OPENID)
    _, created = live.book(session_id, openid)
    return {"session_id": session_id, "booked": created}


@router.post(
    "/challenges/{challenge_id}/claim",
    response={200: ClaimOut, **errors(*AUTH_WRITE, 404, 409, *BODY)},
    summary="领取话题挑战奖励券（每人一次）",
)
def claim_reward(request, challenge_id: PathId, payload: ClaimIn):
    claim = challenges.claim(challenge_id, request.auth, payload.post_id)
    coupon = claim.challenge.coupon
    return {"challenge_id": challenge_id, "coupon_code": coupon.code, "coupon_name": coupon.name}
