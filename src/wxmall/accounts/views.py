"""Development-only login for the storefront: pick or type a nickname and you are that customer.

It exists so the shop can be used and tested before WeChat OAuth lands. It is a 404 unless
`settings.DEV_LOGIN_ENABLED`, it only ever logs into accounts it created itself (username `dev-<hash>`,
no usable password), so it can never be used to enter a staff or a WeChat customer's account."""

from __future__ import annotations

import hashlib
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login, logout
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

DEV_USERNAME_PREFIX = "dev-"
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


def dev_username(nickname: str) -> str:
    """A stable username for a nickname; the hash keeps any nickname within username rules."""
    return DEV_USERNAME_PREFIX + hashlib.sha256(nickname.encode()).hexdigest()[:24]


def dev_customer(nickname: str):
    """The dev customer for `nickname`, created on first use. Two first logins at once both end up
    with the same row: the unique username decides, the loser reads the winner's row."""
    User = get_user_model()
    username = dev_username(nickname)
    try:
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username, defaults={"nickname": nickname})
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
    except IntegrityError:
        user = User.objects.get(username=username)
    return user


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _require_dev_login() -> None:
    if not settings.DEV_LOGIN_ENABLED:
        raise Http404("开发环境登录未启用")


@require_http_methods(["GET", "POST"])
def dev_login(request: HttpRequest) -> HttpResponse:
    _require_dev_login()
    status = 200
    if request.method == "POST":
        form = DevLoginForm(request.POST)
        if form.is_valid():
            user = dev_customer(form.cleaned_data["nickname"])
            if not user.is_active:
                form.add_error("nickname", "该账号已停用")
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(safe_next(request))
        status = 400
    else:
        form = DevLoginForm()
    recent = (
        get_user_model()
        .objects.filter(username__startswith=DEV_USERNAME_PREFIX, is_active=True)
        .order_by("-last_login")
        .values_list("nickname", flat=True)[:8]
    )
    suggestions = list(dict.fromkeys([*recent, *SUGGESTED_NICKNAMES]))[:8]
    return render(
        request,
        "storefront/login.html",
        {
            "form": form,
            "next": safe_next(request, fallback=""),
            "suggestions": suggestions,
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
