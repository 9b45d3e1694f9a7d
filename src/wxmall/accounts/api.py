"""/api/accounts: the Mini Program's login and phone binding (reference §5.2, §5.3).

`POST /miniprogram/login {code}` exchanges a `wx.login()` js_code through jscode2session, logs the customer
in (identity joined by unionid) and answers a Django session: the cookie, and its id in the body for the
Mini Program to send back as the `X-WX-Session` header (wx.request keeps no cookies). The session_key
WeChat returned stays on the identity, encrypted; it is never part of a response.
`POST /miniprogram/phone {code}` (header auth, so no CSRF token) exchanges a getPhoneNumber code and stores
the number on the customer, encrypted. WeChat is asked before anything is written.
`POST /miniprogram/logout` (header auth) revokes the `X-WX-Session` session: later use of it is a 401."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, login
from django.utils.crypto import constant_time_compare
from ninja import Router, Schema, Status
from ninja.security import APIKeyHeader
from pydantic import Field

from wxmall.core.errors import DomainError
from wxmall.core.masking import mask_phone
from wxmall.core.schemas import BODY, errors
from wxmall.wechat import client
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import PermanentError, WeChatError
from wxmall.wechat.services import sns

from . import actions
from .errors import AccountError
from .models import User, WeChatIdentity

router = Router(tags=["accounts"])

MP_IDENTITY = "miniprogram_identity"  # session entry: the identity this Mini Program session logged in as
PHONE_INVALID_CODE = 40029  # §5.3: a used, expired or foreign phone code


class CodeIn(Schema):
    code: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")


class MiniProgramLoginOut(Schema):
    session_id: str
    nickname: str
    has_phone: bool


class PhoneOut(Schema):
    phone_masked: str


def _mp_client():
    try:
        return client("mp")
    except NotConfigured:
        raise DomainError(AccountError.WECHAT_NOT_CONFIGURED) from None


def _refusal(exc: WeChatError, code_errors: dict[int, AccountError]) -> AccountError:
    if not isinstance(exc, PermanentError):
        return AccountError.WECHAT_UNAVAILABLE
    return code_errors.get(exc.errcode, AccountError.WECHAT_REFUSED)


class MiniProgramSessionAuth(APIKeyHeader):
    """The session id the login answered, in `X-WX-Session`: a live session of an active customer that was
    opened by a Mini Program login (a web session id is refused)."""

    param_name = "X-WX-Session"

    def authenticate(self, request, key):
        if not key or len(key) > 64:
            return None
        # The configured engine (the database, or Redis when REDIS_URL is set), as login() used.
        session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
        if not session.exists(key) or MP_IDENTITY not in session:
            return None
        user = User.objects.filter(pk=session.get(SESSION_KEY), is_active=True).first()
        if user is None or not constant_time_compare(
            session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
        ):
            return None
        return user


@router.post(
    "/miniprogram/login",
    response={200: MiniProgramLoginOut, **errors(400, 502, 503, *BODY)},
    summary="小程序登录",
)
def miniprogram_login(request, payload: CodeIn):
    mp = _mp_client()
    try:
        result = mp.sns.jscode2session(payload.code)
    except WeChatError as exc:
        refusal = _refusal(
            exc,
            {
                sns.CODE_USED: AccountError.OAUTH_CODE_USED,
                sns.CODE_EXPIRED: AccountError.OAUTH_CODE_EXPIRED,
                sns.INVALID_CODE: AccountError.OAUTH_CODE_INVALID,
            },
        )
        raise DomainError(refusal) from None
    user = actions.login_wechat(
        appid=mp.appid,
        openid=result.openid,
        kind=WeChatIdentity.Kind.MINIPROGRAM,
        unionid=result.unionid,
        session_key=result.session_key,
    )
    identity = WeChatIdentity.objects.only("pk").get(appid=mp.appid, openid=result.openid)
    user.backend = "django.contrib.auth.backends.ModelBackend"
    login(request, user)  # a fresh session id: nothing from before the login carries over
    request.session[MP_IDENTITY] = identity.pk
    request.session.save()
    return MiniProgramLoginOut(
        session_id=request.session.session_key, nickname=user.display_name, has_phone=bool(user.phone)
    )


@router.post(
    "/miniprogram/phone",
    auth=MiniProgramSessionAuth(),
    response={200: PhoneOut, **errors(400, 401, 502, 503, *BODY)},
    summary="绑定微信手机号",
)
def miniprogram_phone(request, payload: CodeIn):
    mp = _mp_client()
    try:
        info = mp.phone.number(payload.code)
    except WeChatError as exc:
        raise DomainError(_refusal(exc, {PHONE_INVALID_CODE: AccountError.PHONE_CODE_INVALID})) from None
    phone = (
        info.phone_number if info.country_code == "86" else f"+{info.country_code}{info.pure_phone_number}"
    )
    actions.bind_phone(request.auth, phone)
    return PhoneOut(phone_masked=mask_phone(phone))


@router.post(
    "/miniprogram/logout",
    auth=MiniProgramSessionAuth(),
    response={204: None, **errors(401, *BODY)},
    summary="小程序退出登录",
)
def miniprogram_logout(request):
    # The authenticated header names a live Mini Program session: delete it server-side, so the token
    # (and the cookie of the same session, if the client kept one) stops working at once.
    import_module(settings.SESSION_ENGINE).SessionStore(
        session_key=request.headers[MiniProgramSessionAuth.param_name]
    ).delete()
    return Status(204, None)
