"""/api/analytics/events: the storefront's batched behaviour events (sent with sendBeacon).

Anonymous by design (visitors browse before signing in), so guarded otherwise: a same-site Origin only,
no automated user agents, at most MAX_BATCH events of bounded fields, per-minute quotas per visitor and
per client address, and server-side order events cannot be claimed. A refused batch writes nothing.
Visitor, customer, time and attribution come from the request (cookies, session, clock), never from
the batch."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from ninja import Path as PathEx
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from wxmall.core.errors import DomainError
from wxmall.core.http import client_ip
from wxmall.core.schemas import BODY, errors
from wxmall.core.validation import Id
from wxmall.marketing import touch as touches
from wxmall.marketing.actions import remember_customer
from wxmall.marketing.views import VISITOR_COOKIE, VISITOR_MAX_AGE, visitor_of

from . import actions, experiments
from .errors import AnalyticsError
from .models import SERVER_ONLY, EventType, Experiment

router = Router(tags=["数据分析"])

MAX_BATCH = 50
MAX_AGE_MS = 10 * 60 * 1000  # an event waits at most this long in the page's queue
MAX_DWELL_MS = 24 * 3600 * 1000
BOT_AGENTS = re.compile(
    r"bot|spider|crawl|slurp|curl|wget|python|httpx|aiohttp|go-http|java/|okhttp|libwww|scrapy|phantomjs",
    re.IGNORECASE,
)
ClientType = Literal[tuple(t.value for t in EventType if t not in SERVER_ONLY)]  # type: ignore[valid-type]


class EventIn(BaseModel):
    # Plain pydantic, not ninja's Schema: its per-object Django getter cost more than the rest of a batch.
    model_config = ConfigDict(extra="forbid")  # a claimed visitor, time or link is refused, not dropped

    type: ClientType = Field(..., description="事件类型（下单、支付成功只由服务端记录）")
    path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9\-._~%!$&()*+,;=:@/?]{0,299}$")] | None = Field(
        None, description="页面路径与查询串（浏览器编码后的形式，不含引号与尖括号，最长 300）"
    )
    product_id: Id | None = None
    content_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")] | None = Field(
        None, description="视频、直播或文章 ID"
    )
    duration_ms: Annotated[int, Field(strict=True, ge=0, le=MAX_DWELL_MS)] | None = Field(
        None, description="停留时长（page_leave）"
    )
    age_ms: Annotated[int, Field(strict=True, ge=0, le=MAX_AGE_MS)] = Field(
        0, description="事件发生至上报的毫秒数"
    )


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[EventIn] = Field(
        ..., min_length=1, max_length=MAX_BATCH, description=f"最多 {MAX_BATCH} 个事件"
    )


class AcceptedOut(Schema):
    accepted: int


def _same_site(request) -> bool:
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True  # same-origin navigations and old browsers send none; cookies are SameSite=Lax
    return urlsplit(origin).netloc == request.get_host()


@router.post(
    "/events",
    response={202: AcceptedOut, **errors(400, 403, 429, *BODY)},
    summary="上报行为事件（批量，最多 50 个）",
    description="匿名可调用。跨站来源、自动化程序（爬虫、脚本 User-Agent）返回 403；超出每分钟配额返回 429；"
    "任何一个事件不合法则整批不记录。访客、时间与来源归因由服务端根据 Cookie 与会话确定。",
)
def ingest(request, payload: BatchIn, response: HttpResponse):
    source = _admit(request, response, len(payload.events))
    actions.record([e.model_dump(exclude_none=True) for e in payload.events], source)
    return Status(202, {"accepted": len(payload.events)})


class VariantOut(Schema):
    variant: str


@router.post(
    "/experiments/{key}/exposure",
    response={200: VariantOut, **errors(400, 403, 404, 429)},
    summary="取得 A/B 实验版本并记录曝光",
    description="同一访客总是得到同一版本；实验进行中时记录一次曝光。已停止的实验返回对照组，已全量的返回全量版本（均不记录）。",
)
def exposure(request, key: Annotated[str, PathEx(pattern=r"^[a-z0-9_-]{1,40}$")], response: HttpResponse):
    experiment = Experiment.objects.filter(key=key).first()
    if experiment is None:
        raise DomainError(AnalyticsError.EXPERIMENT_NOT_FOUND)
    return {"variant": experiments.expose(experiment, _admit(request, response, 1))}


def _admit(request, response: HttpResponse, count: int) -> actions.Source:
    """Refuse foreign origins, automated agents and floods; then who is sending, as the server knows it
    (a first-time browser gets its visitor cookie on `response`)."""
    if not _same_site(request):
        raise DomainError(AnalyticsError.FOREIGN_ORIGIN)
    agent = request.META.get("HTTP_USER_AGENT", "")
    if not agent or BOT_AGENTS.search(agent):
        raise DomainError(AnalyticsError.BOT_REFUSED)
    visitor, new = visitor_of(request)
    quotas = apps.get_app_config("analytics").quotas
    # The address first: a flood that rotates visitor ids still spends its address's quota.
    if not (
        quotas.take(f"ip:{client_ip(request)}", count, settings.ANALYTICS_EVENTS_PER_MINUTE_IP)
        and quotas.take(f"v:{visitor}", count, settings.ANALYTICS_EVENTS_PER_MINUTE_VISITOR)
    ):
        raise DomainError(AnalyticsError.EVENTS_RATE_LIMITED)
    touched = touches.read(request.COOKIES.get(touches.TOUCH_COOKIE))
    user_id = request.user.pk if request.user.is_authenticated else None
    if user_id and touched:
        _remember(user_id, visitor, touched)
    if new:  # the page's later batches, and its links, count as the same visitor
        response.set_cookie(
            VISITOR_COOKIE,
            visitor,
            max_age=VISITOR_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return actions.Source(visitor=visitor, user_id=user_id, touch=touched)


def _remember(user_id: int, visitor: str, touched: touches.Touch) -> None:
    """Keep the customer's latest touch for order attribution: written only when it changed."""
    key, value = f"analytics:customer-touch:{user_id}", f"{visitor}:{touched.last_link}:{touched.last_at}"
    if cache.get(key) != value:
        remember_customer(user_id, visitor, touched)
        cache.set(key, value, 3600)
