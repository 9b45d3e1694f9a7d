"""Periodic payment jobs (beat entry added in PaymentsConfig.ready)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)
BATCH = 200
APPLY_PASS = 40  # notifications per worker pass (about a second of work)


@shared_task(name="wxmall.payments.apply_notifications", ignore_result=True)
def apply_notifications(older_than: float = 0.0) -> int:
    """The worker's half of the notify endpoint (kicked after a notification is stored; the sweep runs it
    with `older_than`, for notifications whose kick was lost or whose worker died mid-apply)."""
    from . import actions

    done = actions.apply_received(older_than=older_than, limit=APPLY_PASS)
    if done >= APPLY_PASS:
        # More to do: a fresh task for the rest, queued behind whatever waits (the outbox relay's kicks
        # above all), so a burst's orders reach the merchant as they are paid, not after the last one.
        apply_notifications.apply_async(kwargs={"older_than": older_than}, **actions.apply_route())
    return done


@shared_task(name="wxmall.payments.query_pending", ignore_result=True)
def query_pending() -> int:
    """Query attempts still pending PAYMENT_QUERY_AFTER_SECONDS after prepay (and not queried in the last
    interval), so a lost notification never leaves a paid order unpaid. Returns how many were queried."""
    from . import actions, wechatpay
    from .models import Payment, PaymentStatus

    now = timezone.now()
    due = now - timedelta(seconds=settings.PAYMENT_QUERY_AFTER_SECONDS)
    ids = list(
        Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=due)
        .filter(Q(last_queried_at__isnull=True) | Q(last_queried_at__lte=due))
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for payment_id in ids:
        try:
            actions.query_payment(payment_id)
        except wechatpay.GatewayError as exc:  # one unreachable answer must not stop the batch
            logger.warning("query of payment %s failed: %s", payment_id, exc)
    return len(ids)


@shared_task(name="wxmall.payments.query_stuck_refunds", ignore_result=True)
def query_stuck_refunds() -> int:
    """Refunds still processing (or ABNORMAL, which WeChat says is not final) REFUND_QUERY_AFTER_SECONDS
    after creation are queried, at most once per that interval each, so a lost REFUND.* notification
    never leaves one hanging; an ABNORMAL answer is flagged for staff (console 支付 → 待处理). Returns how
    many were queried."""
    from . import actions, wechatpay
    from .models import Refund, RefundStatus

    due = timezone.now() - timedelta(seconds=settings.REFUND_QUERY_AFTER_SECONDS)
    ids = list(
        Refund.objects.filter(
            status__in=(RefundStatus.PROCESSING, RefundStatus.ABNORMAL), created_at__lte=due
        )
        .filter(Q(last_queried_at__isnull=True) | Q(last_queried_at__lte=due))
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for refund_id in ids:
        try:
            actions.query_refund(refund_id)
        except wechatpay.GatewayError as exc:
            logger.warning("query of refund %s failed: %s", refund_id, exc)
    return len(ids)


@shared_task(name="wxmall.payments.close_expired", ignore_result=True)
def close_expired() -> int:
    """Orders past their payment deadline that have WeChat attempts: close on WeChat, then cancel (see
    `actions.close_then_cancel`). Orders without attempts are left to the orders app's own timeout job,
    and should that job win the race, the cancellation hook closes the attempts and a late payment is
    refunded. Returns how many orders were handled."""
    from wxmall.orders.models import Order
    from wxmall.orders.state import OrderStatus

    from . import actions, wechatpay
    from .models import PaymentStatus

    ids = list(
        Order.objects.filter(
            status=OrderStatus.PENDING_PAYMENT,
            expires_at__lte=timezone.now(),
            payments__status=PaymentStatus.PENDING,
        )
        .distinct()
        .order_by("expires_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for order_id in ids:
        try:
            actions.close_then_cancel(order_id)
        except wechatpay.GatewayError as exc:
            logger.warning("closing the attempts of order %s failed: %s", order_id, exc)
    return len(ids)


@shared_task(name="wxmall.payments.reconcile_yesterday", ignore_result=True)
def reconcile_yesterday() -> int:
    """The previous Beijing day's trade bill against our records; returns the number of differences."""
    from .reconcile import reconcile_day, yesterday

    return reconcile_day(yesterday()).differences
