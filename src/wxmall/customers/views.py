"""Console pages of the customers desk: the customer list and search, a profile (personal data masked;
revealed only to staff holding console.reveal_personal_data, every attempt audited), and segments."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from wxmall.core.errors import DomainError
from wxmall.core.http import forbidden, staff_permission_required
from wxmall.core.validation import parse_positive_int

from . import actions, queries
from .forms import SegmentForm, SegmentMessageForm
from .models import Segment, SegmentMessage

PAGE_SIZE = 30


@staff_permission_required("accounts.view_user", what="查看顾客")
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: queries.MAX_QUERY + 1]
    page = Paginator(queries.search(query), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(c, queries.display_name(c)) for c in page]
    return render(
        request, "customers/customer_list.html", {"page": page, "rows": rows, "q": query[: queries.MAX_QUERY]}
    )


def _profile_page(request: HttpRequest, customer_id: int, *, revealed: bool) -> HttpResponse:
    try:
        profile = queries.profile(parse_positive_int(customer_id, 0))
    except DomainError as error:
        return render(request, "customers/not_found.html", {"message": error.message}, status=404)
    return render(
        request,
        "customers/customer_detail.html",
        {
            "p": profile,
            "revealed": revealed,
            "can_reveal": request.user.has_perm(actions.REVEAL_PERMISSION),
        },
    )


@staff_permission_required("accounts.view_user", what="查看顾客")
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _profile_page(request, customer_id, revealed=False)


@require_POST
@staff_permission_required("accounts.view_user", what="查看顾客")
def customer_reveal(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Shows the profile once with personal data in full (this response only, never cached)."""
    try:
        customer = queries.profile(parse_positive_int(customer_id, 0)).customer
    except DomainError as error:
        return render(request, "customers/not_found.html", {"message": error.message}, status=404)
    if not actions.reveal(customer, staff=request.user, request=request):
        return forbidden(request, "查看顾客完整个人信息")
    response = _profile_page(request, customer_id, revealed=True)
    response["Cache-Control"] = "no-store"
    return response


@staff_permission_required("customers.view_segment", what="查看顾客分群")
def segment_list(request: HttpRequest) -> HttpResponse:
    form = SegmentForm()
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("customers.add_segment"):
            return forbidden(request, "新建顾客分群")
        form = SegmentForm(request.POST)
        if form.is_valid():
            try:
                segment = actions.save_segment(dict(form.cleaned_data), staff=request.user, request=request)
            except DomainError as error:
                form.add_error("name", error.message)
            else:
                messages.success(request, f"已保存分群「{segment.name}」")
                return redirect("customers:segments")
        status = 400
    return render(
        request,
        "customers/segment_list.html",
        {"segments": queries.segments_with_sizes(), "form": form, "known_tags": queries.known_tags()},
        status=status,
    )


@staff_permission_required("customers.view_segment", what="查看顾客分群")
def segment_detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = Segment.objects.filter(pk=parse_positive_int(segment_id, 0)).first()
    if segment is None:
        return render(request, "customers/not_found.html", {"message": "分群不存在"}, status=404)
    return _segment_page(request, segment, SegmentMessageForm())


def _segment_page(request: HttpRequest, segment: Segment, form, status: int = 200) -> HttpResponse:
    page = Paginator(queries.segment_members(segment), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(c, queries.display_name(c)) for c in page]
    try:
        preview = queries.message_preview(segment, actions.oa_appid())
    except DomainError:
        preview = None  # no Official Account configured: the form says so
    context = {
        "segment": segment,
        "page": page,
        "rows": rows,
        "form": form,
        "preview": preview,
        "may_message": request.user.has_perm(actions.MESSAGE_PERMISSION),
        "sent": SegmentMessage.objects.filter(segment=segment)[:20],
    }
    return render(request, "customers/segment_detail.html", context, status=status)


@require_POST
@staff_permission_required(actions.MESSAGE_PERMISSION, what="分群群发")
def segment_message(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = Segment.objects.filter(pk=parse_positive_int(segment_id, 0)).first()
    if segment is None:
        return render(request, "customers/not_found.html", {"message": "分群不存在"}, status=404)
    form = SegmentMessageForm(request.POST)
    if not form.is_valid():
        return _segment_page(request, segment, form, status=400)
    try:
        sent = actions.message_segment(
            segment,
            form.cleaned_data["content"],
            staff=request.user,
            send_id=form.cleaned_data["send_id"],
            request=request,
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _segment_page(request, segment, form, status=error.status)
    messages.success(
        request, f"已提交群发：{sent.followers} 位关注公众号的顾客将收到，{sent.skipped} 位未关注已跳过"
    )
    return redirect("customers:segment", segment.pk)
