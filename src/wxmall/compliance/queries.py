"""Read side of compliance: whether an object's copy may be published, and the review queue."""

from __future__ import annotations

from wxmall.compliance import subjects
from wxmall.compliance.models import PUBLISHABLE, ReviewItem, ReviewStatus


def is_cleared(obj) -> bool:
    """True when `obj`'s current copy may reach WeChat: its review item judged exactly this copy and it
    was cleared or approved. Without such an item (copy written around the ORM), only clean copy with no
    external check configured passes."""
    from wxmall.compliance import external
    from wxmall.compliance.actions import scan_fields

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
    from django.db.models import Count

    rows = ReviewItem.objects.values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}
