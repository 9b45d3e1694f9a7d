"""Console pages of the review queue (/console/compliance/review/): copy with warnings waits here for a
person, who approves it, rejects it with a reason, or rewrites it (saved on the object, judged again).
Staff with the `compliance.review_copy` permission only; every decision carries the digest of the copy
the reviewer saw, so a decision about older copy changes nothing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from wxmall.compliance import actions, queries, subjects
from wxmall.compliance.models import ReviewItem, ReviewStatus
from wxmall.compliance.views import segments
from wxmall.core.http import staff_permission_required
from wxmall.core.validation import CleanCharField

MAX_COPY_CHARS = 20_000
reviewer_only = staff_permission_required("compliance.review_copy", what="审核文案")


class DecisionForm(forms.Form):
    digest = forms.CharField(max_length=64, min_length=64)
    reason = CleanCharField(max_length=500, required=False)


def _labels(item: ReviewItem) -> dict[str, str]:
    """Field name -> its verbose name on the model (people read 商品名称, not title)."""
    subject = subjects.SUBJECTS.get(item.subject)
    if subject is None:
        return {name: name for name in item.copy}
    meta = subjects.model(subject)._meta
    return {name: str(meta.get_field(name).verbose_name) for name in item.copy}


def _edit_form(item: ReviewItem) -> type[forms.Form]:
    labels = _labels(item)
    fields = {
        name: CleanCharField(
            label=labels[name],
            multiline=True,
            required=False,
            max_length=MAX_COPY_CHARS,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        for name in item.copy
    }
    return type("EditForm", (forms.Form,), fields)


@reviewer_only
def review_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ReviewStatus.PENDING)
    if status not in ReviewStatus.values:
        status = ReviewStatus.PENDING
    counts = queries.counts()
    tabs = [(value, label, counts.get(value, 0)) for value, label in ReviewStatus.choices]
    return render(
        request,
        "compliance/review_list.html",
        {"items": queries.queue(status), "status": status, "label": ReviewStatus(status).label, "tabs": tabs},
    )


def _marked(item: ReviewItem) -> list[tuple[str, list]]:
    """(field, pieces) with each field's hits marked; the template escapes every piece."""
    from types import SimpleNamespace

    out, labels = [], _labels(item)
    for name, text in item.copy.items():
        hits = [SimpleNamespace(**h) for h in item.hits if h.get("field") == name]
        out.append((labels[name], segments(text, sorted(hits, key=lambda h: (h.start, -h.end)))))
    return out


@reviewer_only
def review_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(ReviewItem, pk=item_id)
    subject = subjects.SUBJECTS.get(item.subject)
    edit = _edit_form(item)(request.POST or None, initial=item.copy)
    if request.method == "POST":
        if not edit.is_valid():
            return render(request, "compliance/review_detail.html", _context(item, subject, edit), status=400)
        try:
            item = actions.edit(item.pk, request.user, edit.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    edit.add_error(field if field in edit.fields else None, error)
            return render(request, "compliance/review_detail.html", _context(item, subject, edit), status=400)
        except ObjectDoesNotExist:
            raise Http404 from None
        messages.success(request, f"已保存并重新检查：{item.get_status_display()}")
        return redirect("compliance:review_detail", item_id=item.pk)
    return render(request, "compliance/review_detail.html", _context(item, subject, edit))


def _context(item, subject, edit) -> dict:
    labels = _labels(item)
    hits = [{**h, "field": labels.get(h.get("field"), h.get("field"))} for h in item.hits]
    return {
        "item": item,
        "subject": subject,
        "fields": _marked(item),
        "hits": hits,
        "edit": edit,
        "statuses": ReviewStatus,
    }


@require_POST
@reviewer_only
def review_decide(request: HttpRequest, item_id: int, decision: str) -> HttpResponse:
    item = get_object_or_404(ReviewItem, pk=item_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请求无效，请刷新页面后重试")
        return redirect("compliance:review_detail", item_id=item.pk)
    digest, reason = form.cleaned_data["digest"], form.cleaned_data["reason"]
    if decision == "approve":
        done = actions.approve(item.pk, request.user, digest)
    elif not reason:
        messages.error(request, "驳回时请填写理由")
        return redirect("compliance:review_detail", item_id=item.pk)
    else:
        done = actions.reject(item.pk, request.user, digest, reason)
    if done:
        messages.success(request, "已通过" if decision == "approve" else "已驳回")
    else:
        messages.error(request, "文案已变化或不在待审核状态，未做更改")
    return redirect("compliance:review_detail", item_id=item.pk)
