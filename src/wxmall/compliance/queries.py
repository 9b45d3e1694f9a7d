"""Read side of compliance: whether an object's copy may be published, and the review queue."""

from __future__ import annotations

from django.db.models import Count

from wxmall.compliance import category_rules, external, subjects
from wxmall.compliance.actions import scan_fields
from wxmall.compliance.models import PUBLISHABLE, ReviewItem, ReviewStatus


def is_cleared(obj) -> bool:
    """True when `obj`'s current copy may reach WeChat: its review item judged exactly this copy and it
    was cleared or approved. Without such an item (copy written around the ORM), only clean copy with no
    external check configured passes."""
    subject = subjects.subject_of(obj)
    if subject is None:
        return True
    copy = subjects.copy_of(subject, obj)
    digest = subjects.digest(copy)
    status = (
        ReviewItem.objects.filter(subject=subject.label, object_id=str(obj.pk), digest=digest)
        .values_list("status", flat=True)
        .first()
    )
    if status is not None:
        return status in PUBLISHABLE
    return not scan_fields(copy, subject.context) and not external.enabled(subject.user_facing)


def queue(status: str = ReviewStatus.PENDING, limit: int = 200):
    return ReviewItem.objects.filter(status=status).select_related("reviewer")[:limit]


def counts() -> dict[str, int]:
    rows = ReviewItem.objects.values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def category_problem(product) -> str:
    """Why `product`'s category may not be sold by this shop ("" when it may)."""
    return category_rules.problem(category_rules.category_names(product.category), category_rules.shop_type())


def hold_reason(obj) -> str:
    """Why `obj`'s copy is held, in Chinese for the console (its review status, or the blocking terms)."""
    subject = subjects.subject_of(obj)
    if subject is None:
        return ""
    item = ReviewItem.objects.filter(subject=subject.label, object_id=str(obj.pk)).first()
    if item is None or item.digest != subjects.digest(subjects.copy_of(subject, obj)):
        return "文案待检查"
    blocking = sorted({h["term"] for h in item.hits if h.get("severity") == "block"})
    if blocking:
        return "含禁止用语：" + "、".join(blocking)[:200]
    return item.get_status_display()
