"""State changes of marketing: making links, turning buffered clicks into rows in batches, and fixing
an order's attribution when it is placed."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from wxmall.core.errors import DomainError

from . import buffer
from .errors import MarketingError
from .models import Click, CustomerTouch, Link, MpEntry, OrderTouch, VisitorTouch
from .touch import Touch

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 7
FLUSH_BATCH = 2000


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_link(*, target_url: str, **fields) -> Link:
    """A link with a fresh random code (62^7 codes; a collision just draws again)."""
    for _ in range(5):
        code = new_code()
        try:
            with transaction.atomic():
                return Link.objects.create(code=code, target_url=target_url, **fields)
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free link code")


def _when(click: dict) -> datetime:
    return datetime.fromtimestamp(float(click["at"]), tz=UTC)


def _store(clicks: list[dict]) -> None:
    """One batch: bulk insert the clicks (a re-flushed one is ignored), then move each visitor's touches
    forward with guarded UPDATEs (first touch only ever set once, last touch only ever later)."""
    links = set(Link.objects.filter(pk__in={c["link"] for c in clicks}).values_list("pk", flat=True))
    rows = [
        Click(
            click_id=c["id"],
            link_id=c["link"],
            visitor=c["visitor"],
            at=_when(c),
            in_wechat=bool(c.get("wechat")),
            user_agent=c.get("ua", "")[:200],
            referer=c.get("ref", "")[:300],
            ad_click_id=c.get("ad", "")[:140],
        )
        for c in clicks
        if c.get("link") in links
    ]
    with transaction.atomic():
        before = set(
            Click.objects.filter(click_id__in=[r.click_id for r in rows]).values_list("click_id", flat=True)
        )
        Click.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        fresh = sorted((r for r in rows if r.click_id not in before), key=lambda r: r.at)
        per_visitor: dict[str, list[Click]] = {}
        for row in fresh:
            per_visitor.setdefault(row.visitor, []).append(row)
        for visitor, visits in per_visitor.items():
            first, last = visits[0], visits[-1]
            touch, created = VisitorTouch.objects.get_or_create(
                visitor=visitor,
                defaults={
                    "first_link_id": first.link_id,
                    "first_at": first.at,
                    "last_link_id": last.link_id,
                    "last_at": last.at,
                    "clicks": len(visits),
                },
            )
            if created:
                continue
            VisitorTouch.objects.filter(pk=touch.pk).update(clicks=F("clicks") + len(visits))
            VisitorTouch.objects.filter(pk=touch.pk, first_at__gt=first.at).update(
                first_link_id=first.link_id, first_at=first.at
            )
            VisitorTouch.objects.filter(pk=touch.pk, last_at__lt=last.at).update(
                last_link_id=last.link_id, last_at=last.at
            )


def flush_clicks(limit: int = FLUSH_BATCH) -> int:
    return buffer.drain(limit, _store)


def remember_customer(user_id: int, visitor: str, touched: Touch) -> None:
    """Keep the touch a signed-in customer's browser carries (one upsert; the caller skips unchanged ones)."""
    links = set(
        Link.objects.filter(pk__in={touched.first_link, touched.last_link}).values_list("pk", flat=True)
    )
    CustomerTouch.objects.update_or_create(
        user_id=user_id,
        defaults={
            "visitor": visitor,
            "first_link_id": touched.first_link if touched.first_link in links else None,
            "last_link_id": touched.last_link if touched.last_link in links else None,
            "last_at": datetime.fromtimestamp(touched.last_at, tz=UTC),
        },
    )


def attribute_order(order) -> OrderTouch | None:
    """At placement, inside its transaction: the order's first and last touch are the customer's latest
    known touch, and an order without a channel takes its last link's (a Store order keeps its own)."""
    known = CustomerTouch.objects.filter(user_id=order.user_id).select_related("last_link").first()
    order.marketing_touch = None  # kept on the instance: the placed event reads it without a query
    if known is None:
        return None
    attributed = order.marketing_touch = OrderTouch.objects.create(
        order=order, visitor=known.visitor, first_link_id=known.first_link_id, last_link_id=known.last_link_id
    )
    if known.last_link is not None and known.last_link.channel and not order.channel:
        order.channel = known.last_link.channel[:64]
        type(order).objects.filter(pk=order.pk, channel__isnull=True).update(channel=order.channel)
    return attributed


def touch_order(order, *, first_link_id: int | None, last_link_id: int | None) -> OrderTouch:
    """The touch of an order placed without a browser (a WeChat Store order: channels knows the video,
    live session or sharer that brought it). An order that already has one keeps it."""
    touched, _ = OrderTouch.objects.get_or_create(
        order=order, defaults={"first_link_id": first_link_id, "last_link_id": last_link_id}
    )
    return touched


MP_KINDS = ("urllink", "scheme")
MP_LINK_DAYS = 30
MP_SCENE_MAX = 32  # WeChat's limit on a Mini Program code's scene


def _mp_link(code: str):
    """The link behind `code` and the Mini Program client, once the link may open the shop's Mini Program."""
    from wxmall.wechat import client

    link = Link.objects.filter(code=code[:16]).first()
    if link is None:
        raise DomainError(MarketingError.LINK_NOT_FOUND)
    if not link.mp_pagepath:
        raise DomainError(MarketingError.NOT_A_MINI_PROGRAM_LINK)
    mp = client("mp")
    if link.mp_appid and link.mp_appid != mp.appid:
        raise DomainError(MarketingError.OTHER_MINI_PROGRAM)
    return link, mp


def _page_and_query(link: Link) -> tuple[str, str]:
    """The Mini Program page and its query with `wxl=<code>` added (how the Mini Program attributes)."""
    path, _, query = link.mp_pagepath.partition("?")
    return path.lstrip("/"), f"{query}&wxl={link.code}" if query else f"wxl={link.code}"


def mp_entry(code: str, kind: str) -> str:
    """A URL Link or URL Scheme (for SMS and posters outside WeChat) that opens the link's Mini Program
    page with `wxl=<code>` added to its query, so the Mini Program can attribute the visit to the link.
    Generated by WeChat on each call (valid 30 days; the daily quota is WeChat's) and kept as an
    `MpEntry` so its state can be queried later."""
    from wxmall.wechat.errors import WeChatError

    if kind not in MP_KINDS:
        raise DomainError(MarketingError.BAD_MP_KIND)
    link, mp = _mp_link(code)
    path, query = _page_and_query(link)
    try:
        make = mp.wxa.url_link if kind == "urllink" else mp.wxa.scheme
        url = make(path, query, days=MP_LINK_DAYS)
    except ValueError as error:  # the page path or query is not one WeChat accepts
        raise DomainError(MarketingError.NOT_A_MINI_PROGRAM_LINK, f"小程序页面不正确：{error}") from error
    except WeChatError as error:
        raise DomainError(MarketingError.WECHAT_REFUSED) from error
    if len(url) <= 256:  # WeChat's links are short; one that is not is returned but not kept
        MpEntry.objects.get_or_create(
            url=url,
            defaults={
                "link": link,
                "kind": kind,
                "expires_at": datetime.now(UTC) + timedelta(days=MP_LINK_DAYS),
            },
        )
    return url


def mp_code(code: str, *, hyaline: bool = False) -> tuple[bytes, str]:
    """A Mini Program code (小程序码) of the link: scanning it opens the link's page with scene =
    the page's query plus `wxl=<code>` (WeChat allows 32 characters: the Mini Program decodes
    `options.scene` like a query string). Returns the image WeChat drew and its content type."""
    from wxmall.wechat.errors import QuotaError, WeChatError
    from wxmall.wechat.services.wxa import SCENE

    link, mp = _mp_link(code)
    page, scene = _page_and_query(link)
    if len(scene) > MP_SCENE_MAX:
        raise DomainError(MarketingError.MP_SCENE_TOO_LONG)
    if not SCENE.fullmatch(scene) or "scancode_time" in scene:
        raise DomainError(MarketingError.MP_BAD_SCENE)
    try:
        answer = mp.wxa.code_unlimited(scene, page, hyaline=hyaline)
    except ValueError as error:
        raise DomainError(MarketingError.MP_PAGE_NOT_RELEASED) from error
    except QuotaError as error:
        raise DomainError(MarketingError.MP_CODE_QUOTA) from error
    except WeChatError as error:
        if error.errcode == 41030:
            raise DomainError(MarketingError.MP_PAGE_NOT_RELEASED) from error
        if error.errcode in (40129, 40169, 85096):
            raise DomainError(MarketingError.MP_BAD_SCENE) from error
        raise DomainError(MarketingError.MP_CODE_REFUSED) from error
    return answer.content, answer.content_type


def mp_link_state(entry_id: int):
    """What WeChat says of a kept URL Link now: expiry and the account's opens left today."""
    from wxmall.wechat import client
    from wxmall.wechat.errors import WeChatError

    entry = MpEntry.objects.filter(pk=entry_id, kind=MpEntry.Kind.URL_LINK).first()
    if entry is None:
        raise DomainError(MarketingError.MP_ENTRY_NOT_FOUND)
    try:
        return client("mp").wxa.query_url_link(entry.url)
    except ValueError as error:
        raise DomainError(MarketingError.MP_ENTRY_UNKNOWN_TO_WECHAT) from error
    except WeChatError as error:
        if error.errcode == 85403:
            raise DomainError(MarketingError.MP_ENTRY_UNKNOWN_TO_WECHAT) from error
        raise DomainError(MarketingError.MP_QUERY_FAILED) from error
