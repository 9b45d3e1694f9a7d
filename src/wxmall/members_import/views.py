"""Console pages of the member import (mounted under /console/members/ by the console's urls): upload,
column mapping with a preview of the first rows and their reject reasons, start, progress, rejects export.
Staff only. Uploads beyond MEMBER_IMPORT_MAX_BYTES are refused from Content-Length before they are read."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from wxmall.core.errors import DomainError

from . import actions, cleaning, reading
from .errors import MemberImportError
from .models import ImportJob, ImportReject, JobStatus

ENCODING_CHOICES = [("", "自动识别（UTF-8 / GBK）"), ("utf-8", "UTF-8"), ("gb18030", "GBK / GB18030")]


@staff_member_required
def jobs(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _upload(request)
    return render(
        request,
        "members_import/jobs.html",
        {
            "jobs": ImportJob.objects.all()[:50],
            "encodings": ENCODING_CHOICES,
            "max_mb": settings.MEMBER_IMPORT_MAX_BYTES // (1024 * 1024),
        },
    )


def _upload(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    try:
        if length > settings.MEMBER_IMPORT_MAX_BYTES + 64 * 1024:  # refuse before reading the body
            raise DomainError(MemberImportError.FILE_TOO_LARGE)
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError(MemberImportError.FILE_EMPTY)
        declared = request.POST.get("encoding", "")
        job = actions.create_job(request.user, upload, declared if declared in dict(ENCODING_CHOICES) else "")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("console:members_import")
    return redirect("console:members_import_job", job_id=job.pk)


@staff_member_required
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    item = get_object_or_404(ImportJob, pk=job_id)
    if request.method == "POST" and item.status == JobStatus.UPLOADED:
        mapping = {}
        for name in cleaning.FIELDS:
            value = request.POST.get(f"map_{name}", "")
            if value.isdigit() and len(value) < 4:
                mapping[name] = int(value)
        try:
            actions.set_mapping(item, mapping)
            if request.POST.get("action") == "start":
                actions.start(item.pk)
                messages.success(request, "已开始导入")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("console:members_import_job", job_id=item.pk)
    preview, problem = [], ""
    if item.status == JobStatus.UPLOADED:
        try:
            preview = actions.preview(item)
        except DomainError as error:
            problem = error.message
    total = item.checkpoint
    return render(
        request,
        "members_import/job.html",
        {
            "job": item,
            "fields": [(name, label, item.mapping.get(name)) for name, (label, _) in cleaning.FIELDS.items()],
            "headers": list(enumerate(item.headers)),
            "preview": preview,
            "problem": problem,
            "running": item.status in (JobStatus.QUEUED, JobStatus.RUNNING),
            "processed": total,
            "progress": min(100, round(100 * _read_share(item))) if item.status != JobStatus.DONE else 100,
            "rejects": ImportReject.objects.filter(job=item)[:20],
        },
    )


def _read_share(job: ImportJob) -> float:
    """How far the job has got, by rows processed against an estimate from the file size and the bytes
    per row seen so far (counting a 1 GB file's rows up front would mean reading it twice)."""
    if not job.checkpoint:
        return 0.0
    try:
        avg = max(1, job.size // max(1, _rows_estimate(job)))
    except OSError:
        return 0.0
    return min(1.0, job.checkpoint * avg / max(1, job.size))


def _rows_estimate(job: ImportJob) -> int:
    # Rows in the first 256 KiB of the file, scaled to the whole size.
    with open(reading.job_path(job), "rb") as raw:
        head = raw.read(256 * 1024)
    lines = max(1, head.count(b"\n"))
    return max(job.checkpoint, lines * job.size // max(1, len(head)))


@staff_member_required
@require_POST
def resume(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        actions.resume(job_id)
        messages.success(request, "已继续导入（从上次的进度接着处理）")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("console:members_import_job", job_id=job_id)


class _Echo:
    def write(self, value):
        return value


@staff_member_required
def rejects_csv(request: HttpRequest, job_id: int) -> StreamingHttpResponse:
    """Refused rows (row number, reason, the row as read), formula-neutralised, streamed; UTF-8 with a BOM
    so Excel on Chinese Windows opens it correctly."""
    item = get_object_or_404(ImportJob, pk=job_id)
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow(["行号", "原因", *[cleaning.safe_cell(h) for h in item.headers]])
        for reject in ImportReject.objects.filter(job=item).order_by("row_number").iterator(chunk_size=2000):
            yield writer.writerow(
                [reject.row_number, reject.reason, *[cleaning.safe_cell(v) for v in reject.values]]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="member-import-{item.pk}-rejects.csv"'
    return response
