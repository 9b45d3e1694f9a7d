"""Tier 3, external content security: TMS TextModeration for copy, WeChat msg_sec_check for user-facing
text. Each is off unless its setting is on; both may be on. A provider that cannot answer gives an
"error" result, which leaves the item for a person (fail closed, never silently cleared)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from wxmall.wechat import client
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError

from . import subjects, tms
from .events import announce_cleared
from .models import ReviewItem, ReviewStatus

_RANK = {"skipped": 0, "pass": 0, "review": 1, "error": 1, "block": 2}
_TMS = {"Pass": "pass", "Review": "review", "Block": "block"}
_WECHAT = {"pass": "pass", "review": "review", "risky": "block"}
MSG_SEC_CHARS = 2500
# msg_sec_check's answers for an openid without a recent Mini Program visit (which one is unconfirmed).
NO_RECENT_VISIT = frozenset({43104, 61010})


@dataclass(frozen=True)
class External:
    provider: str  # tms | msg_sec_check
    status: str  # pass | review | block | error | skipped (another provider judged instead)
    label: str = ""
    keywords: tuple[str, ...] = ()
    ref: str = ""  # RequestId / trace_id
    message: str = ""

    def as_json(self) -> dict:
        return asdict(self)


def enabled(user_facing: bool) -> bool:
    return settings.COMPLIANCE_TMS_ENABLED or (user_facing and settings.COMPLIANCE_MSG_SEC_CHECK_ENABLED)


def _tms(text: str, data_id: str) -> External:
    try:
        v = tms.moderate(text, data_id=data_id)
    except tms.TmsError as exc:
        return External("tms", "error", message=f"{exc.code} {exc.message}"[:200])
    return External("tms", _TMS[v.suggestion], v.label, v.keywords, v.request_id)


def recent_miniprogram_openid(appid: str, since, prefer: str = "") -> str:
    """An openid of Mini Program `appid` whose login is not older than `since` ("" when none is): the
    preferred one if it qualifies, else a staff member's. Never a customer's: WeChat's risk control
    would count the merchant's copy as that customer's writing. The model is looked up by label:
    compliance imports no app that depends on it (accounts reaches catalog)."""
    identities = apps.get_model("accounts", "WeChatIdentity")
    return (
        identities.objects.filter(appid=appid, kind="miniprogram", last_login_at__gte=since)
        .filter(Q(user__is_staff=True) | Q(openid=prefer) if prefer else Q(user__is_staff=True))
        .annotate(
            preferred=Case(When(openid=prefer, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .order_by("-preferred", "-last_login_at", "-id")
        .values_list("openid", flat=True)
        .first()
        or ""
    )


def _visitor_openid() -> str:
    """An openid WeChat accepts for msg_sec_check: one whose Mini Program login the hub saw lately."""
    since = timezone.now() - timedelta(seconds=settings.COMPLIANCE_MSG_SEC_VISIT_SECONDS)
    return recent_miniprogram_openid(client("mp").appid, since, prefer=settings.COMPLIANCE_MSG_SEC_OPENID)


def _no_visitor(message: str) -> External:
    """No usable openid: TMS (when on) judges alone; otherwise the copy waits for a person."""
    if settings.COMPLIANCE_TMS_ENABLED:
        return External("msg_sec_check", "skipped", message=f"{message}，由腾讯云文本内容安全判断")
    return External("msg_sec_check", "error", message=f"{message}，转人工审核")


def _msg_sec_check(text: str) -> External:
    worst = External("msg_sec_check", "pass")
    try:
        openid = _visitor_openid()
        if not openid:
            return _no_visitor("两小时内没有访问过小程序的用户")
        for i in range(0, len(text), MSG_SEC_CHARS):
            v = client("mp").security.msg_sec_check(text[i : i + MSG_SEC_CHARS], openid=openid, scene=2)
            got = External("msg_sec_check", _WECHAT[v.suggest], str(v.label), v.keywords, v.trace_id)
            if _RANK[got.status] > _RANK[worst.status]:
                worst = got
    except WeChatError as exc:
        if exc.errcode in NO_RECENT_VISIT:
            return _no_visitor(f"微信认为该用户近期未访问小程序（errcode {exc.errcode}）")
        return External("msg_sec_check", "error", message=str(exc)[:200])
    except NotConfigured as exc:
        return External("msg_sec_check", "error", message=str(exc)[:200])
    return worst


def check(text: str, *, user_facing: bool, data_id: str = "") -> list[External]:
    """Every enabled provider's verdict on `text` (empty list when none is enabled)."""
    if not text.strip():
        return []
    results = []
    if settings.COMPLIANCE_TMS_ENABLED:
        results.append(_tms(text, data_id))
    if user_facing and settings.COMPLIANCE_MSG_SEC_CHECK_ENABLED:
        results.append(_msg_sec_check(text))
    return results


def worst(results: list[External]) -> str:
    """The strictest verdict; providers that were all skipped judged nothing (an error, never a pass)."""
    if results and all(r.status == "skipped" for r in results):
        return "error"
    return max((r.status for r in results), key=_RANK.__getitem__, default="pass")


def record(item_id: int) -> str:
    """Tier 3 for a review item waiting on it (tasks.check_externally): the providers are asked outside
    any transaction; the result lands only if the copy is still the one asked about. Returns the status."""
    item = ReviewItem.objects.filter(pk=item_id, status=ReviewStatus.CHECKING).first()
    if item is None:
        return ""
    subject = subjects.SUBJECTS.get(item.subject)
    text = "\n".join(t for t in item.copy.values() if t)
    results = check(text, user_facing=bool(subject and subject.user_facing), data_id=f"review-{item.pk}")
    verdict = worst(results)
    status = {"pass": ReviewStatus.CLEARED, "block": ReviewStatus.BLOCKED}.get(verdict, ReviewStatus.PENDING)
    with transaction.atomic():
        changed = ReviewItem.objects.filter(
            pk=item.pk, status=ReviewStatus.CHECKING, digest=item.digest
        ).update(status=status, external=[r.as_json() for r in results])
        if changed and status == ReviewStatus.CLEARED:
            announce_cleared(item)
    return status if changed else ReviewItem.objects.get(pk=item.pk).status
