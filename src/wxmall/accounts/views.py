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

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login, logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

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
