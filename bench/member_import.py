"""Member import benchmark: N generated members (default 1,000,000) with 5 % duplicates, imported from a CSV
file through the real import path (streamed reader, cleaning, de-duplication, bulk writes, checkpointed
batches) into a fresh SQLite database (or DATABASE_URL when set: use an empty PostgreSQL database).

    python3 -m uv run python bench/member_import.py [--rows 1000000] [--dup-share 0.05] [--batch 2000]

Prints rows/s of the import, the baseline rows/s of only reading and cleaning the same file in the same
run, `ratio` import ÷ baseline, the process's peak RSS (target ≤ 300 MB), duplicates found vs generated,
and exits non-zero when they differ or when the customers created ≠ unique members generated.
Targets: ≥ 20,000 rows/s and ≤ 300 MB peak.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(path: Path, rows: int, dup_share: float, seed: int = 7) -> int:
    """Write the CSV; returns how many rows repeat an earlier member (same phone, spelled differently)."""
    rnd = random.Random(seed)
    dups = 0
    unique = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("姓名,手机号,邮箱,积分,标签,订单数,累计消费,最近下单\n")
        for _ in range(rows):
            if unique and rnd.random() < dup_share:
                n = rnd.randrange(unique)
                phone = f"+86 139-{n // 10000:04d}-{n % 10000:04d}"
                dups += 1
            else:
                n = unique
                unique += 1
                phone = f"139{n:08d}"
            out.write(
                f"会员{n},{phone},,{n % 500},VIP|老客,{n % 7},{n % 1000}.50,2025-0{1 + n % 9}-1{n % 10}\n"
            )
    return dups


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dup-share", type=float, default=0.05)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    os.environ.setdefault("WXMALL_DEMO", "1")
    os.environ["WXMALL_VAR_DIR"] = str(work)
    os.environ["MEMBER_IMPORT_DIR"] = str(work / "imports")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wxmall.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from wxmall.accounts.models import User
    from wxmall.members_import import applying, cleaning, reading
    from wxmall.members_import.models import ImportJob, JobStatus

    call_command("migrate", verbosity=0)
    staff = User.objects.create(username="bench-staff", is_staff=True)
    (work / "imports").mkdir(exist_ok=True)
    path = work / "imports" / "members.csv"
    started = time.perf_counter()
    generated_dups = generate(path, args.rows, args.dup_share)
    print(f"generated {args.rows} rows ({generated_dups} duplicates) in {time.perf_counter() - started:.1f}s")

    header = next(reading.rows(path, "csv", "utf-8"))
    mapping = cleaning.guess_mapping(header)
    started = time.perf_counter()
    clean = cleaning.Cleaner(mapping)  # as the import cleans: the mapping resolved once
    parsed = sum(1 for _, values in _data(reading, path) if clean(values))
    baseline = parsed / (time.perf_counter() - started)

    job = ImportJob.objects.create(
        staff=staff,
        original_name="members.csv",
        stored_name="members.csv",
        size=path.stat().st_size,
        file_format="csv",
        encoding="utf-8",
        headers=header,
        mapping=mapping,
        status=JobStatus.QUEUED,
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    job = applying.run(job.pk, batch_rows=args.batch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rate = args.rows / elapsed
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    created = User.objects.filter(username__startswith="imp-").count()

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"database: {connection.vendor}; load average {load} (1/5/15 min) at the end of the import")
    print(f"import: {args.rows} rows in {elapsed:.1f}s = {rate:,.0f} rows/s (target ≥ 20,000)")
    print(
        f"import process CPU: {cpu:.1f}s = {args.rows / cpu:,.0f} rows per CPU-second"
        " (the wall figure on a shared machine is this divided by the CPU share the process got;"
        " a PostgreSQL server's own CPU is not in it)"
    )
    print(f"baseline (read + clean only): {baseline:,.0f} rows/s")
    print(f"ratio import/baseline = {rate / baseline:.3f}")
    print(f"peak RSS: {peak_mb:.0f} MB (target ≤ 300)")
    print(
        f"duplicates found {job.duplicate_count}, generated {generated_dups}; customers created {created}, "
        f"expected {args.rows - generated_dups}; rejected {job.rejected_count}; status {job.status}"
    )
    ok = (
        job.status == JobStatus.DONE
        and job.duplicate_count == generated_dups
        and created == job.created_count == args.rows - generated_dups
        and job.rejected_count == 0
    )
    if not ok:
        print("CORRECTNESS CHECK FAILED", file=sys.stderr)
    return 0 if ok else 1


def _data(reading, path):
    stream = reading.rows(path, "csv", "utf-8")
    next(stream)
    return enumerate(stream, start=1)


if __name__ == "__main__":
    sys.exit(main())
