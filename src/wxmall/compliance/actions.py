"""Entry point other apps call before they publish copy, and the review queue's state changes."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone

from wxmall.audit.actions import record
from wxmall.compliance import external, subjects, tasks
from wxmall.compliance.events import announce_cleared
from wxmall.compliance.lexicon import Term
from wxmall.compliance.models import PUBLISHABLE, MerchantTerm, ReviewItem, ReviewStatus
from wxmall.compliance.scanner import Scanner, Verdict, builtin_scanner

CONTEXTS = (
    "product_title",
    "product_description",
    "coupon",
    "campaign",
    "live_script",
    "oa_reply",
    "store_sync",
    "api",
    "assistant",
)


def _merchant_scanner() -> Scanner | None:
    """The merchant's own words, read per call (a few dozen rows; a small automaton builds in
    microseconds) so an edit in admin applies at once in every process."""
    rows = MerchantTerm.objects.filter(active=True).values_list("term", "severity", "suggestion")[:2000]
    terms = [Term(t, "merchant", sev, sug or "商家自定义禁用词，请改写") for t, sev, sug in rows]
    return Scanner(terms, pinyin=False) if terms else None


def check_copy(text: str, *, context: str) -> Verdict:
    """Scan `text` for advertising-law, induced-sharing, efficacy and merchant-defined violations.
    `context` names the caller (one of CONTEXTS) so later rules can differ per surface."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown compliance context {context!r}")
    verdict = builtin_scanner().scan(text)
    merchant = _merchant_scanner()
    if merchant is None:
        return verdict
    hits = sorted(verdict.hits + merchant.scan(text).hits, key=lambda h: (h.start, -h.end))
    return Verdict(tuple(hits))


# --- the review queue: automatic check → human review → external content security --------------------
# (the external tier's result is recorded by external.record, run by tasks.check_externally)


def scan_fields(copy: dict[str, str], context: str) -> list[dict]:
    hits = []
    for name, text in copy.items():
        for h in check_copy(text, context=context).hits:
            hits.append(
                {
                    "field": name,
                    **{
                        k: getattr(h, k)
                        for k in ("start", "end", "text", "term", "rule", "severity", "suggestion")
                    },
                }
            )
    return hits


def submit(obj) -> ReviewItem | None:
    """File `obj`'s current copy (a registered subject) for review and judge it: a blocking hit blocks, a
    warning waits for a person, clean copy is cleared, or checked externally first when a provider is
    on. Unchanged copy keeps its verdict (a person's approval stays). Returns the ReviewItem."""
    subject = subjects.subject_of(obj)
    if subject is None:
        return None
    copy = subjects.copy_of(subject, obj)
    digest = subjects.digest(copy)
    with transaction.atomic():
        item, created = ReviewItem.objects.select_for_update().get_or_create(
            subject=subject.label,
            object_id=str(obj.pk),
            defaults={"digest": "", "status": ReviewStatus.PENDING, "title": str(obj)[:200]},
        )
        if item.digest == digest:
            return item
        was_publishable = item.status in PUBLISHABLE and not created
        hits = scan_fields(copy, subject.context)
        if any(h["severity"] == "block" for h in hits):
            status = ReviewStatus.BLOCKED
        elif hits:
            status = ReviewStatus.PENDING
        elif external.enabled(subject.user_facing):
            status = ReviewStatus.CHECKING
        else:
            status = ReviewStatus.CLEARED
        item.title, item.copy, item.digest, item.status, item.hits = (
            str(obj)[:200],
            copy,
            digest,
            status,
            hits,
        )
        item.external, item.reason, item.reviewer, item.reviewed_at = [], "", None, None
        item.save()
        if status == ReviewStatus.CHECKING:
            pk = item.pk
            transaction.on_commit(lambda: tasks.check_externally.delay(pk), robust=True)
        elif status == ReviewStatus.CLEARED and not was_publishable:
            announce_cleared(item)  # a copy change of a published object is pushed by its own save hook
    return item


def _audit(user, action: str, item, summary: str) -> None:
    target = (item.subject, item.object_id, item.title)
    record(user, action, target, summary, {"review_item": item.pk, "status": item.status})


def approve(item_id: int, user, digest: str) -> bool:
    """A person approves copy with warnings. Only a pending item, and only the copy they saw (`digest`):
    if it changed meanwhile, nothing happens (False)."""
    with transaction.atomic():
        done = ReviewItem.objects.filter(pk=item_id, status=ReviewStatus.PENDING, digest=digest).update(
            status=ReviewStatus.APPROVED, reviewer=user, reviewed_at=timezone.now(), reason=""
        )
        if done:
            item = ReviewItem.objects.get(pk=item_id)
            announce_cleared(item)
            _audit(user, "compliance.approve", item, f"通过文案审核：{item.title}")
    return bool(done)


def reject(item_id: int, user, digest: str, reason: str) -> bool:
    with transaction.atomic():
        done = ReviewItem.objects.filter(
            pk=item_id, status__in=(ReviewStatus.PENDING, ReviewStatus.CHECKING), digest=digest
        ).update(status=ReviewStatus.REJECTED, reviewer=user, reviewed_at=timezone.now(), reason=reason[:500])
        if done:
            item = ReviewItem.objects.get(pk=item_id)
            _audit(user, "compliance.reject", item, f"驳回文案：{item.title}（{reason[:100]}）")
    return bool(done)


def edit(item_id: int, user, copy: dict[str, str]):
    """A person rewrites the copy: it is saved on the object (its own validation applies) and judged
    again from the start. Raises ValidationError (nothing written) or ObjectDoesNotExist."""
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().get(pk=item_id)
        subject = subjects.SUBJECTS.get(item.subject)
        if subject is None:
            raise ObjectDoesNotExist(item.subject)
        if not subject.editable:
            raise ValidationError({NON_FIELD_ERRORS: [subject.edit_hint or "此类文案不能在审核队列中修改"]})
        obj = subjects.model(subject).objects.select_for_update().get(pk=item.object_id)
        fields = [f for f in subject.fields if f in copy]
        for f in fields:
            setattr(obj, f, copy[f])
        obj.full_clean(
            exclude=[f.name for f in obj._meta.fields if f.name not in fields], validate_unique=False
        )
        obj.save(update_fields=fields)  # post_save files the new copy (submit)
        item = submit(obj)
        _audit(user, "compliance.edit", item, f"修改并重新检查文案：{item.title}")
    return item


def on_subject_saved(sender, instance, raw=False, **kwargs) -> None:
    """post_save of every registered subject (connected in apps.ready); fixtures loading raw rows skip."""
    if not raw:
        submit(instance)
