"""The worker side of coupon campaigns."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="wxmall.customers.run_campaign", ignore_result=True, acks_late=True)
def run_campaign(campaign_id: int) -> None:
    """Issue a campaign's coupon; acks late, so a worker that dies mid-way gets it again (grants are
    unique per customer, so nobody gets two)."""
    from .actions import run_campaign as run

    run(campaign_id)
