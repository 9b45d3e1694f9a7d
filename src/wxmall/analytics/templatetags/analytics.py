"""Storefront markers for track.js: `{% recommended product_ids %}`, the "bought together" block whose
views and clicks (rec_view, rec_click) give its click-through rate, and `{% landing_view %}`, a short
video's or live session's view on the page its tracked link lands on."""

import re
import time

from django import template

from wxmall.marketing import touch as touches
from wxmall.marketing.models import Link
from wxmall.marketing.views import visitor_of

from .. import rollouts
from ..recommendations import for_products

register = template.Library()
CONTENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")  # what the ingest accepts as an event's content_id


def _visitor(request) -> str:
    visitor, new = visitor_of(request)
    return "" if new else visitor  # no valid `wxv` cookie yet: no bucket (on only at 100%)


@register.inclusion_tag("analytics/_recommended.html", takes_context=True)
def recommended(context, products, title: str = "搭配购买"):
    """`products`: one product id (the product page), or the cart's lines (each with `product_id`).
    Shown to whom the grey release `recommendations` lets see it (on for all if it was never defined)."""
    request = context.get("request")
    if request is not None and not rollouts.is_on(
        rollouts.RECOMMENDATIONS,
        visitor=_visitor(request),
        user=getattr(request, "user", None),
        default=True,
    ):
        return {"products": [], "title": title}
    ids = [products] if isinstance(products, int) else [line.product_id for line in products]
    return {"products": for_products(ids), "title": title}


# The redirect's target is the landing page: a view counts when the page opens this soon after the click.
LANDING_SECONDS = 120
VIEW_OF_CHANNEL = {"channels_video": "video_view", "live": "live_view"}


@register.inclusion_tag("analytics/_landing_view.html", takes_context=True)
def landing_view(context):
    """A `video_view` / `live_view` marker when the visitor just came through a short video's or a live
    session's tracked link (the signed touch cookie says which, and when). track.js sends it once per
    click (`data-track-once`), so reloading the page is not another view; the dashboards credit it to the
    link's content through the event's last touch, whatever content id the page could add."""
    request = context.get("request")
    touched = touches.read(request.COOKIES.get(touches.TOUCH_COOKIE)) if request is not None else None
    if touched is None or not 0 <= time.time() - touched.last_at <= LANDING_SECONDS:
        return {}
    link = Link.objects.filter(pk=touched.last_link).values("channel", "content_id").first()
    kind = VIEW_OF_CHANNEL.get(link["channel"]) if link else None
    if kind is None:
        return {}
    content = link["content_id"] if CONTENT_ID.fullmatch(link["content_id"] or "") else ""
    return {"kind": kind, "content": content, "once": f"{touched.last_link}-{touched.last_at}"}
