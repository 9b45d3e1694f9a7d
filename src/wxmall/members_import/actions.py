"""Import jobs: store an upload, preview it, set its mapping, queue it (the Celery task then runs
`applying.run`).

De-duplication, per row: the row's keys (phone lookup hash, email, unionid) are looked up among active
customers and among the customers this batch is creating. No match: a new customer. One match: the row
is a duplicate and adds to that customer (empty fields filled in, points, tags, history). Several
existing customers matched (phone says A, email says B): they are one person and are merged through
`accounts.actions.merge_customers` (audited, undoable) into the oldest. Each batch is one transaction
with the job's checkpoint, so a crash re-runs at most one batch and every row is applied exactly once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from wxmall.accounts.models import User
from wxmall.core.errors import DomainError

from . import cleaning, reading, tasks
from .applying import data_rows
from .errors import MemberImportError
from .models import ImportJob, JobStatus

PREVIEW_ROWS = 20


# --- upload and preview ----------------------------------------------------------------------------------
def create_job(staff: User, upload, declared_encoding: str = "") -> ImportJob:
    """Store an uploaded file (a Django UploadedFile) and read its header. Refused: over
    MEMBER_IMPORT_MAX_BYTES, not CSV/XLSX, an encoding that is neither the declared one nor UTF-8/GBK."""
    if upload.size > settings.MEMBER_IMPORT_MAX_BYTES:
        raise DomainError(MemberImportError.FILE_TOO_LARGE)
    if declared_encoding and declared_encoding not in reading.ENCODINGS:
        raise DomainError(MemberImportError.BAD_ENCODING)
    stored = secrets.token_hex(16)
    target = reading.import_dir() / stored
    head = b""
    with open(target, "wb") as out:
        for chunk in upload.chunks():
            if len(head) < reading.SNIFF_BYTES:
                head += chunk[: reading.SNIFF_BYTES - len(head)]
            out.write(chunk)
    try:
        if not head:
            raise DomainError(MemberImportError.FILE_EMPTY)
        file_format = reading.detect_format(upload.name or "", head)
        encoding = reading.detect_encoding(head, declared_encoding) if file_format == "csv" else ""
        header = next(reading.rows(target, file_format, encoding), None)
        if not header or not any(header):
            raise DomainError(MemberImportError.FILE_EMPTY)
    except DomainError:
        target.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        staff=staff,
        original_name=(upload.name or "members")[:200],
        stored_name=stored,
        size=upload.size,
        file_format=file_format,
        encoding=encoding,
        headers=header,
        mapping=cleaning.guess_mapping(header),
    )


def set_mapping(job: ImportJob, mapping: dict[str, int]) -> ImportJob:
    """The merchant's column choice: target field → column index; at least one key column."""
    if job.status != JobStatus.UPLOADED:
        raise DomainError(MemberImportError.NOT_STARTABLE)
    clean = {}
    for name, index in mapping.items():
        if name not in cleaning.FIELDS or not isinstance(index, int) or not 0 <= index < len(job.headers):
            raise DomainError(MemberImportError.BAD_MAPPING)
        clean[name] = index
    if not any(k in clean for k in cleaning.KEY_FIELDS):
        raise DomainError(MemberImportError.BAD_MAPPING)
    ImportJob.objects.filter(pk=job.pk).update(mapping=clean)
    job.mapping = clean
    return job


@dataclass
class PreviewRow:
    number: int
    values: list[str]
    clean: cleaning.Clean | None
    reason: str


def preview(job: ImportJob, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    found = []
    for number, values in data_rows(job):
        result = cleaning.clean(values, job.mapping)
        ok = isinstance(result, cleaning.Clean)
        found.append(PreviewRow(number, values, result if ok else None, "" if ok else result))
        if len(found) >= limit:
            break
    return found


def start(job_id: int) -> ImportJob:
    """Queue the job for the worker (guarded: a job starts once); the task is sent after the commit."""
    with transaction.atomic():
        if not ImportJob.objects.filter(pk=job_id, status=JobStatus.UPLOADED).update(status=JobStatus.QUEUED):
            raise DomainError(MemberImportError.NOT_STARTABLE)
        transaction.on_commit(lambda: tasks.run_import.delay(job_id))
    return ImportJob.objects.get(pk=job_id)


def resume(job_id: int) -> ImportJob:
    """Run again a job whose worker died (running or failed): it continues after its checkpoint."""
    with transaction.atomic():
        if not ImportJob.objects.filter(pk=job_id, status__in=(JobStatus.RUNNING, JobStatus.FAILED)).update(
            status=JobStatus.QUEUED, error=""
        ):
            raise DomainError(MemberImportError.NOT_STARTABLE)
        transaction.on_commit(lambda: tasks.run_import.delay(job_id))
    return ImportJob.objects.get(pk=job_id)
