"""The embedded demo's login for the storefront: type a nickname and you are a customer of that name.

It exists so the shop can be used and tested before WeChat OAuth lands, and only in the demo (a 404
unless `settings.DEMO` and `settings.DEV_LOGIN_ENABLED`). It never lists customers and never logs into
an account it did not create for this browser: every new nickname creates a new account whose username
is `dev-` + a hash of a random token, and the token goes back in a long-lived HttpOnly cookie. The same
browser returns to its accounts by nickname because it holds their tokens; another browser typing the
same nickname gets an account of its own. The token is not derived from SECRET_KEY (public in the demo),
and only its hash is stored, so neither the source nor the database lets anyone take an account over."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from wxmall.core.errors import DomainError

from . import actions, oauth, points
from .errors import AccountError
from .models import PointsEntry

DEV_USERNAME_PREFIX = "dev-"
DEV_COOKIE = "wxmall_dev_accounts"
DEV_COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_ACCOUNTS_PER_BROWSER = 8
SUGGESTED_NICKNAMES = ("小明", "小红", "张三", "李四")


class DevLoginForm(forms.Form):
    nickname = forms.CharField(
        label="昵称",
        max_length=32,
        error_messages={"required": "请输入昵称", "max_length": "昵称最多 32 个字符"},
    )

    def clean_nickname(self) -> str:
        nickname = unicodedata.normalize("NFC", self.cleaned_data["nickname"]).strip()
        if not nickname:
            raise forms.ValidationError("请输入昵称")
        if any(unicodedata.category(ch).startswith("C") for ch in nickname):
            raise forms.ValidationError("昵称不能包含控制字符")
        return nickname


def dev_username(token: str) -> str:
    """The username of the account a browser's token opens; only the hash is stored."""
    return DEV_USERNAME_PREFIX + hashlib.sha256(token.encode()).hexdigest()[:40]


def browser_tokens(request: HttpRequest) -> list[str]:
    raw = request.COOKIES.get(DEV_COOKIE, "")
    tokens = [
        t for t in raw.split(".") if 20 <= len(t) <= 64 and t.replace("-", "").replace("_", "").isalnum()
    ]
    return tokens[:MAX_ACCOUNTS_PER_BROWSER]


def browser_accounts(request: HttpRequest) -> dict[str, tuple[str, object]]:
    """This browser's dev accounts by nickname: {nickname: (token, user)}, newest first."""
    tokens = browser_tokens(request)
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[dev_username(t) for t in tokens], is_active=True
        )
    }
    accounts: dict[str, tuple[str, object]] = {}
    for token in tokens:
        user = users.get(dev_username(token))
        if user is not None and user.nickname not in accounts:
            accounts[user.nickname] = (token, user)
    return accounts


def create_dev_customer(nickname: str) -> tuple[str, object]:
    token = secrets.token_urlsafe(24)
    User = get_user_model()
    user = User(username=dev_username(token), nickname=nickname)
    user.set_unusable_password()
    user.save()
    return token, user


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _require_dev_login() -> None:
    if not (settings.DEMO and settings.DEV_LOGIN_ENABLED):
        raise Http404("开发环境登录未启用")


def _remember(response: HttpResponse, request: HttpRequest, token: str) -> None:
    tokens = [token, *(t for t in browser_tokens(request) if t != token)][:MAX_ACCOUNTS_PER_BROWSER]
    response.set_cookie(
        DEV_COOKIE,
        ".".join(tokens),
        max_age=DEV_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


@require_http_methods(["GET", "POST"])
def dev_login(request: HttpRequest) -> HttpResponse:
    _require_dev_login()
    accounts = browser_accounts(request)
    status = 200
    if request.method == "POST":
        form = DevLoginForm(request.POST)
        if form.is_valid():
            nickname = form.cleaned_data["nickname"]
            token, user = accounts.get(nickname) or create_dev_customer(nickname)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            response = redirect(safe_next(request))
            _remember(response, request, token)
            return response
        status = 400
    else:
        form = DevLoginForm()
    # Only this browser's own accounts, then fixed examples: never other customers' nicknames.
    suggestions = list(dict.fromkeys([*accounts, *SUGGESTED_NICKNAMES]))[:MAX_ACCOUNTS_PER_BROWSER]
    return render(
        request,
        "storefront/login.html",
        {
            "form": form,
            "next": safe_next(request, fallback=""),
            "suggestions": suggestions,
            "own_nicknames": set(accounts),
            "active_tab": "me",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def dev_logout(request: HttpRequest) -> HttpResponse:
    """POST logs out (a GET only shows the button: a link or prefetch must not end a session)."""
    if request.method == "POST":
        logout(request)
        return redirect("storefront:home")
    return render(request, "storefront/logout.html", {"active_tab": "me"})


# -- WeChat login (web OAuth inside WeChat's browser) and linking a store account ---------------------------


def in_wechat(request: HttpRequest) -> bool:
    return "MicroMessenger" in request.META.get("HTTP_USER_AGENT", "")


@require_http_methods(["GET", "POST"])
def login_entry(request: HttpRequest) -> HttpResponse:
    """Where "please log in" leads: inside WeChat straight through OAuth (silently); elsewhere the demo's
    dev login, or in production a page saying to open the shop in WeChat (or log in with a store account)."""
    if in_wechat(request) and request.method == "GET":
        return redirect(f"{reverse('storefront:wechat_login')}?{urlencode({'next': safe_next(request)})}")
    if settings.DEMO and settings.DEV_LOGIN_ENABLED:
        return dev_login(request)
    if request.method == "POST":  # no password-less login to post to
        raise Http404("开发环境登录未启用")
    return render(request, "accounts/open_in_wechat.html", {"active_tab": "me"})


@require_http_methods(["GET"])
def wechat_login(request: HttpRequest) -> HttpResponse:
    """Start OAuth: snsapi_base (silent) unless `scope=userinfo` (the customer tapped 使用微信头像昵称)."""
    scope = oauth.USERINFO if request.GET.get("scope") == "userinfo" else oauth.BASE
    callback = request.build_absolute_uri(reverse("storefront:wechat_callback"))
    try:
        url = oauth.authorize_url(request, callback, scope, safe_next(request))
    except DomainError as exc:
        return _login_error(request, exc)
    return redirect(url)


@require_http_methods(["GET"])
def wechat_callback(request: HttpRequest) -> HttpResponse:
    pending = oauth.take_state(request, request.GET.get("state", ""))
    if pending is None:
        return _login_error(request, DomainError(AccountError.OAUTH_STATE_MISMATCH))
    code = request.GET.get("code", "")
    if not code:  # the customer refused the consent page
        if request.user.is_authenticated:
            return redirect(pending["next"])
        return _login_error(request, DomainError(AccountError.OAUTH_DENIED))
    try:
        outcome = oauth.complete(code, pending["scope"])
    except DomainError as exc:
        return _login_error(request, exc)
    if outcome.user is None:  # a snapshot-page virtual account: browse as a guest
        return render(request, "accounts/snapshot_guest.html", {"next": pending["next"], "active_tab": "me"})
    if not outcome.user.is_active:
        return _login_error(request, DomainError(AccountError.WECHAT_REFUSED))
    login(request, outcome.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(pending["next"])


def _login_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(
        request,
        "accounts/login_error.html",
        {"message": exc.message, "code": exc.code, "active_tab": "me"},
        status=exc.status,
    )


class LinkAccountForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput)


@require_http_methods(["GET", "POST"])
def link_account(request: HttpRequest) -> HttpResponse:
    """A WeChat-logged-in customer who already has a store account (username + password) links the two:
    the WeChat customer folds into the store account (orders, coupons, addresses, points move along)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('storefront:login')}?{urlencode({'next': request.path})}")
    form = LinkAccountForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not actions.is_wechat_only(request.user):
            form.add_error(None, AccountError.LINK_NOT_WECHAT.message)
        elif form.is_valid():
            # django-axes counts the failures of this authenticate() like any other login's.
            account = authenticate(
                request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
            if account is None or account.pk == request.user.pk or account.is_staff:
                form.add_error(None, AccountError.LINK_BAD_CREDENTIALS.message)
            else:
                try:
                    actions.link_store_account(request.user, account)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    login(request, account, backend="django.contrib.auth.backends.ModelBackend")
                    messages.success(request, "已关联您的商城账号，订单与积分已合并")
                    return redirect("storefront:me")
    return render(request, "accounts/link_account.html", {"form": form, "active_tab": "me"}, status=status)


@require_http_methods(["GET"])
def my_points(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('storefront:login')}?{urlencode({'next': request.path})}")
    member = points.member_for(request.user)
    entries = PointsEntry.objects.filter(user=request.user).order_by("-created_at", "-id")[:50]
    return render(
        request,
        "accounts/points.html",
        {
            "member": member,
            "entries": entries,
            "point_value_fen": settings.POINTS_VALUE_FEN,
            "active_tab": "me",
        },
    )
