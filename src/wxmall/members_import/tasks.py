"""The worker side of a member import."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="wxmall.members_import.run_import", ignore_result=True, acks_late=True)
def run_import(job_id: int) -> None:
    """Apply a queued job; acks late, so a worker that dies mid-way gets the task again and the job
    continues after its checkpoint (each batch commits with it)."""
    from .applying import run

    run(job_id)
