"""Applying an import job batch by batch (see `actions` for the de-duplication rules). Each batch is one
transaction together with the job's checkpoint, so a crash re-runs at most one batch and every row is
applied exactly once."""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from wxmall.accounts import actions as accounts
from wxmall.accounts import phones, points
from wxmall.accounts.models import Address, Member, PointsEntry, User, WeChatIdentity
from wxmall.core.bulk import insert_tuples
from wxmall.core.errors import DomainError

from . import cleaning, reading
from .models import CustomerTag, ImportedHistory, ImportedUnionId, ImportJob, ImportReject, JobStatus

MAX_REJECT_VALUES = 20
LOOKUP_CHUNK = 900  # under SQLite's 999 host parameters of old builds


def data_rows(job, after: int = 0):
    """(row number, values) of every data row after `after` (1-based; the header is row 0)."""
    stream = reading.rows(reading.job_path(job), job.file_format, job.encoding)
    next(stream, None)
    for number, values in enumerate(stream, start=1):
        if number > after and any(values):
            yield number, values


# --- applying -----------------------------------------------------------------------------------------------
def run(job_id: int, *, batch_rows: int | None = None) -> ImportJob:
    """Apply a queued (or interrupted) job from its checkpoint to the end, batch by batch."""
    claimed = ImportJob.objects.filter(pk=job_id, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).update(
        status=JobStatus.RUNNING
    )
    job = ImportJob.objects.get(pk=job_id)
    if not claimed:
        return job
    size = batch_rows or settings.MEMBER_IMPORT_BATCH_ROWS
    batch: list[tuple[int, list[str]]] = []
    try:
        with _collected_per_batch() as batch_done:
            for row in data_rows(job, after=job.checkpoint):
                batch.append(row)
                if len(batch) >= size:
                    apply_batch(job, batch)
                    batch = []
                    batch_done()
            if batch:
                apply_batch(job, batch)
    except DomainError as error:
        ImportJob.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=error.message[:200])
        return ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=timezone.now())
    # The file holds customers' phones and addresses in the clear: kept only while the job needs it.
    reading.job_path(job).unlink(missing_ok=True)
    return ImportJob.objects.get(pk=job_id)


FULL_COLLECT_BATCHES = 50


@contextlib.contextmanager
def _collected_per_batch():
    """Python's cyclic garbage collector paused while batches run, and run once after each one instead.
    A batch keeps ~20 objects per row alive until its commit; the collector's automatic passes over them
    (and over the process's long-lived objects) cost about a third of the import's CPU (measured with
    process time on 100k rows: 10.2 s with them, 7.0 s without). A young-generation pass after each
    batch, and a full one every FULL_COLLECT_BATCHES, keep memory bounded; the previous state is
    restored however the run ends."""
    was_enabled = gc.isenabled()
    done = 0

    def batch_done() -> None:
        nonlocal done
        done += 1
        gc.collect(2 if done % FULL_COLLECT_BATCHES == 0 else 1)

    gc.disable()
    try:
        yield batch_done
    finally:
        if was_enabled:
            gc.enable()


@dataclass(eq=False, slots=True)
class _Customer:
    """One person as this batch sees them: an existing customer (pk) or one to create (pk None)."""

    pk: int | None
    first_row: int = 0
    name: str = ""
    phone: str = ""
    email: str = ""
    unionid: str = ""
    had: dict = field(default_factory=dict)  # existing customer's current name/phone/email
    points: int = 0
    points_rows: list[int] = field(default_factory=list)
    tags: set = field(default_factory=set)
    addresses: dict = field(default_factory=dict)  # address tuple -> None: deduplicated, in file order
    history: list[tuple[int, cleaning.Clean]] = field(default_factory=list)

    def take(self, number: int, row: cleaning.Clean) -> None:
        for name in ("name", "phone", "email", "unionid"):
            if getattr(row, name) and not getattr(self, name):
                setattr(self, name, getattr(row, name))
        if row.points:
            self.points += row.points
            self.points_rows.append(number)
        self.tags.update(row.tags)
        if row.address:
            self.addresses.setdefault(row.address)
        if row.order_count or row.order_total or row.last_order_at:
            self.history.append((number, row))

    def absorb(self, other: _Customer) -> None:
        for name in ("name", "phone", "email", "unionid"):
            if getattr(other, name) and not getattr(self, name):
                setattr(self, name, getattr(other, name))
        self.points += other.points
        self.points_rows += other.points_rows
        self.tags |= other.tags
        self.addresses |= other.addresses
        self.history += other.history


def apply_batch(job: ImportJob, batch: list[tuple[int, list[str]]]) -> None:
    """Apply rows (all after the job's checkpoint) in one transaction with the new checkpoint."""
    good: list[tuple[int, cleaning.Clean]] = []
    rejects = []
    clean = cleaning.Cleaner(job.mapping)
    for number, values in batch:
        result = clean(values)
        if type(result) is cleaning.Clean:
            good.append((number, result))
        else:
            rejects.append(
                ImportReject(job=job, row_number=number, reason=result, values=values[:MAX_REJECT_VALUES])
            )
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.checkpoint >= batch[-1][0]:
            return  # applied by an earlier run that died after committing
        ImportReject.objects.bulk_create(rejects, ignore_conflicts=True)
        counts = _apply_rows(job, good)
        ImportJob.objects.filter(pk=job.pk).update(
            checkpoint=batch[-1][0],
            rejected_count=F("rejected_count") + len(rejects),
            created_count=F("created_count") + counts["created"],
            updated_count=F("updated_count") + counts["updated"],
            duplicate_count=F("duplicate_count") + counts["duplicates"],
            merged_count=F("merged_count") + counts["merged"],
        )


def _owners(model, column: str, owner: str, values, extra: str = "") -> list[tuple[str, int]]:
    """(value, owner id) of active `model` rows (or rows of active users, through the `extra` join) whose
    `column` (text) is one of `values`: raw SQL, because the ORM's per-parameter preparation of a
    2,000-value IN list costs more than the query itself. On PostgreSQL the values go as one array
    parameter (`= ANY(%s)`): psycopg's client-side parse of a 900-placeholder statement dominated."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    select = f"SELECT t.{qn(column)}, t.{qn(owner)} FROM {table} t {extra} WHERE "
    active = " AND u.is_active" if extra else " AND t.is_active"
    values = list(values)
    if not values:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{select}t.{qn(column)} = ANY(%s::text[]){active}", [values])
            return cursor.fetchall()
        found: list[tuple[str, int]] = []
        for start in range(0, len(values), LOOKUP_CHUNK):
            chunk = values[start : start + LOOKUP_CHUNK]
            cursor.execute(f"{select}t.{qn(column)} IN ({', '.join(['%s'] * len(chunk))}){active}", chunk)
            found += cursor.fetchall()
    return found


def _existing(good: list[tuple[int, cleaning.Clean]], hashes: dict[str, str]) -> dict[tuple[str, str], int]:
    """Active customers the rows' keys already belong to (the oldest when several share one). `hashes`
    maps each phone's lookup hash to the phone (computed once per batch, reused for the inserts)."""
    emails = {r.email for _, r in good if r.email}
    unionids = {r.unionid for _, r in good if r.unionid}
    found: dict[tuple[str, str], int] = {}

    def keep(key, pk):
        if key not in found or pk < found[key]:
            found[key] = pk

    for h, pk in _owners(User, "phone_hash", "id", hashes):
        keep(("phone", hashes[h]), pk)
    for email, pk in _owners(User, "email", "id", emails):
        keep(("email", email), pk)
    if unionids:
        users = connection.ops.quote_name(User._meta.db_table)
        join = f"JOIN {users} u ON u.id = t.user_id"
        for model in (WeChatIdentity, ImportedUnionId):
            for u, pk in _owners(model, "unionid", "user_id", unionids, join):
                keep(("unionid", u), pk)
    return found


def _apply_rows(job: ImportJob, good: list[tuple[int, cleaning.Clean]]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "duplicates": 0, "merged": 0}
    phone_hashes = {r.phone: phones.phone_hash(r.phone) for _, r in good if r.phone}
    existing = _existing(good, {h: phone for phone, h in phone_hashes.items()})
    by_key: dict[tuple[str, str], _Customer] = {}
    by_pk: dict[int, _Customer] = {}
    people: list[_Customer] = []

    def known(pk: int) -> _Customer:
        if pk not in by_pk:
            by_pk[pk] = _Customer(pk=pk)
            people.append(by_pk[pk])
        return by_pk[pk]

    for number, row in good:
        keys = [
            (k, v) for k, v in (("phone", row.phone), ("email", row.email), ("unionid", row.unionid)) if v
        ]
        matches: list[_Customer] = []
        for key in keys:
            match = by_key.get(key) or (known(existing[key]) if key in existing else None)
            if match is not None and match not in matches:
                matches.append(match)
        if not matches:
            person = _Customer(pk=None, first_row=number)
            people.append(person)
            counts["created"] += 1
        else:
            counts["duplicates"] += 1
            matches.sort(key=lambda p: (p.pk is None, p.pk or 0, p.first_row))
            person = matches[0]
            for other in matches[1:]:
                if other.pk is None:
                    counts["created"] -= 1  # it turns out to be this person too
                else:
                    try:
                        accounts.merge_customers(other.pk, person.pk, reason=f"会员导入去重（任务 {job.pk}）")
                    except DomainError:
                        continue  # e.g. a staff account: never merged; this row goes to the first match
                    counts["merged"] += 1
                    by_pk[other.pk] = person
                person.absorb(other)
                people.remove(other)
                for key, holder in list(by_key.items()):
                    if holder is other:
                        by_key[key] = person
        person.take(number, row)
        if person.phone:  # the person's keys, inline: this loop runs once per row
            by_key["phone", person.phone] = person
        if person.email:
            by_key["email", person.email] = person
        if person.unionid:
            by_key["unionid", person.unionid] = person

    new = [p for p in people if p.pk is None]
    old = [p for p in people if p.pk is not None]
    counts["updated"] = len(old)
    _create(job, new, phone_hashes)
    _update(job, old, phone_hashes)
    return counts


def _create(job: ImportJob, new: list[_Customer], phone_hashes: dict[str, str]) -> None:
    if not new:
        return
    names = {f"{accounts.IMPORTED_USERNAME_PREFIX}{job.pk}-{p.first_row}": p for p in new}
    # password "!": unusable, an imported customer logs in by WeChat (or staff set one).
    insert_tuples(
        User,
        ("username", "password", "nickname", "phone", "phone_hash", "email"),
        [(u, "!", p.name, p.phone, phone_hashes.get(p.phone, ""), p.email) for u, p in names.items()],
    )
    for username, pk in _owners(User, "username", "id", names):
        names[username].pk = pk
    # The level each new member's points reach, as `points.refresh_levels` would set it after the insert
    # (members without points get none, like any member before their first points change).
    levels = points.levels_high_first()
    level = {
        n: getattr(points.level_reached(levels, n, 0), "pk", None)
        for n in {p.points for p in new if p.points}
    }
    insert_tuples(
        Member,
        ("user_id", "points", "source", "level_id"),
        [(p.pk, p.points, Member.Source.IMPORT, level.get(p.points)) for p in new],
    )
    insert_tuples(
        PointsEntry,
        ("user_id", "kind", "delta", "balance_after", "reason"),
        [
            (
                p.pk,
                PointsEntry.Kind.IMPORT,
                p.points,
                p.points,
                f"会员导入（任务 {job.pk} 第 {p.points_rows[0]} 行）",
            )
            for p in new
            if p.points
        ],
    )
    _extras(job, new, fresh=True)


def _update(job: ImportJob, old: list[_Customer], phone_hashes: dict[str, str]) -> None:
    if not old:
        return
    current = {
        u.pk: u
        for u in User.objects.filter(pk__in=[p.pk for p in old]).only("pk", "nickname", "phone", "email")
    }
    for person in old:
        user = current.get(person.pk)
        if user is None:
            continue
        fill = {}
        if person.name and not user.nickname:
            fill["nickname"] = person.name
        if person.phone and not user.phone:
            fill |= {"phone": person.phone, "phone_hash": phone_hashes[person.phone]}
        if person.email and not user.email:
            fill["email"] = person.email
        if fill:
            User.objects.filter(pk=user.pk).update(**fill)
    points.credit_many(
        {p.pk: p.points for p in old if p.pk in current},
        kind=PointsEntry.Kind.IMPORT,
        reason=f"会员导入（任务 {job.pk}）",
    )
    _extras(job, old, fresh=False)


def _extras(job: ImportJob, people: list[_Customer], *, fresh: bool) -> None:
    """Tags, history, addresses and unionids of `people`. For `fresh` customers (created in this batch) a
    tag or history row cannot exist yet (their tags are a set, their rows lie past the checkpoint read
    under the job's lock): they go without the conflict check (on PostgreSQL a plain COPY instead of a
    COPY into a scratch table and an INSERT … SELECT … ON CONFLICT)."""
    insert_tuples(
        CustomerTag,
        ("user_id", "name"),
        [(p.pk, t) for p in people for t in sorted(p.tags)],
        ignore_conflicts=not fresh,
    )
    insert_tuples(
        ImportedHistory,
        ("user_id", "job_id", "row_number", "order_count", "order_total", "last_order_at"),
        [
            (p.pk, job.pk, number, row.order_count, row.order_total, row.last_order_at)
            for p in people
            for number, row in p.history
        ],
        ignore_conflicts=not fresh,
    )
    # Personal fields are encrypted on the way in (EncryptedTextField's column prep in insert_tuples).
    insert_tuples(
        Address,
        ("user_id", *cleaning.ADDRESS_FIELDS),
        [(p.pk, *address) for p in people for address in p.addresses],
    )
    insert_tuples(
        ImportedUnionId,
        ("user_id", "unionid"),
        [(p.pk, p.unionid) for p in people if p.unionid],
        ignore_conflicts=True,
    )
