"""The Celery application. Broker from CELERY_BROKER_URL: a filesystem queue under var/ by default,
Redis (or RabbitMQ) in production. All CELERY_* settings live in wxmall.settings; the periodic jobs are
defined here, once, and nowhere else."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wxmall.settings")

app = Celery("wxmall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule() -> dict:
    """Every periodic job of the hub. Built when the app is configured, not at import: this module is
    imported by `wxmall/__init__` before Django's settings exist."""
    from django.conf import settings

    relay_interval = settings.OUTBOX_RELAY_INTERVAL_SECONDS
    return {
        "outbox-relay": {
            "task": "wxmall.core.relay_outbox",  # core.outbox.RELAY_TASK (imported there would be a cycle)
            "schedule": relay_interval,
            # A stopped worker must not come back to a pile of stale relay runs; the next tick suffices.
            "options": {"expires": max(relay_interval, 1)},
        },
        "outbox-purge": {
            "task": "wxmall.core.purge_outbox",
            "schedule": crontab(hour=4, minute=17),  # quiet hour, Asia/Shanghai (CELERY_TIMEZONE)
        },
        "wechat-refresh-credentials": {
            # Fetch access_tokens and the jsapi_ticket ahead of expiry, so callers rarely wait for one.
            "task": "wxmall.wechat.refresh_credentials",
            "schedule": settings.WECHAT_REFRESH_INTERVAL_SECONDS,
            "options": {"expires": settings.WECHAT_REFRESH_INTERVAL_SECONDS},
        },
        "orders-cancel-expired": {
            "task": "wxmall.orders.cancel_expired_orders",
            "schedule": 60.0,
            "options": {"expires": 60},
        },
        # Before orders-cancel-expired gets to them: close on WeChat first, then cancel ours.
        "payments-close-expired": {
            "task": "wxmall.payments.close_expired",
            "schedule": 20.0,
            "options": {"expires": 20},
        },
        # Stored notifications a lost kick or a crashed worker left unapplied (the kick is the fast path).
        "payments-apply-notifications": {
            "task": "wxmall.payments.apply_notifications",
            "schedule": settings.PAYMENT_NOTIFY_SWEEP_SECONDS,
            "kwargs": {"older_than": settings.PAYMENT_NOTIFY_SWEEP_SECONDS},
            "options": {"expires": settings.PAYMENT_NOTIFY_SWEEP_SECONDS},
        },
        # Pending payments are queried actively, so a lost notification never leaves an order unpaid.
        "payments-query-pending": {
            "task": "wxmall.payments.query_pending",
            "schedule": 30.0,
            "options": {"expires": 30},
        },
        # Refunds whose notification never came are queried; ABNORMAL ones are flagged for staff.
        "payments-query-stuck-refunds": {
            "task": "wxmall.payments.query_stuck_refunds",
            "schedule": 60.0,
            "options": {"expires": 60},
        },
        # Queued flash-sale admission: admission kicks a drain itself; this catches what a lost kick or
        # a dead worker left behind. Both are no-ops without a flash-sale Redis.
        "flash-drain-tickets": {
            "task": "wxmall.checkout.drain_flash_tickets",
            "schedule": settings.FLASH_SALE_DRAIN_INTERVAL_SECONDS,
            "options": {"expires": max(settings.FLASH_SALE_DRAIN_INTERVAL_SECONDS, 1)},
        },
        "flash-reconcile": {
            "task": "wxmall.checkout.reconcile_flash_sales",
            "schedule": settings.FLASH_SALE_RECONCILE_INTERVAL_SECONDS,
            "options": {"expires": settings.FLASH_SALE_RECONCILE_INTERVAL_SECONDS},
        },
        "officialaccount-drain-spool": {
            "task": "wxmall.officialaccount.drain_spool",  # fast-path pushes whose drain kick was lost
            "schedule": settings.OA_SPOOL_DRAIN_INTERVAL_SECONDS,
            "options": {"expires": max(settings.OA_SPOOL_DRAIN_INTERVAL_SECONDS, 1)},
        },
        "officialaccount-process-pending": {
            "task": "wxmall.officialaccount.process_pending",  # pushes whose task kick was lost
            "schedule": 30.0,
            "options": {"expires": 30},
        },
        "officialaccount-sync-tags": {
            "task": "wxmall.officialaccount.sync_tags",  # follower tags both ways with WeChat
            "schedule": 600.0,
            "options": {"expires": 600},
        },
        "analytics-flush-events": {
            "task": "wxmall.analytics.flush_events",  # spooled events into Parquet: visible within seconds
            "schedule": settings.ANALYTICS_FLUSH_INTERVAL_SECONDS,
            "options": {"expires": settings.ANALYTICS_FLUSH_INTERVAL_SECONDS},
        },
        "analytics-compact-events": {
            "task": "wxmall.analytics.compact_events",  # a day's small parts merged into one file
            "schedule": settings.ANALYTICS_COMPACT_INTERVAL_SECONDS,
            "options": {"expires": settings.ANALYTICS_COMPACT_INTERVAL_SECONDS},
        },
        "analytics-refresh-recommendations": {
            "task": "wxmall.analytics.refresh_recommendations",  # "bought together" from paid orders
            "schedule": 86400.0,
            "options": {"expires": 3600},
        },
        "analytics-pull-article-stats": {
            "task": "wxmall.analytics.pull_article_stats",  # OA articles' reads from WeChat's datacube
            "schedule": 6 * 3600.0,
            "options": {"expires": 3600},
        },
        "analytics-check-alerts": {
            "task": "wxmall.analytics.check_alerts",  # success rates below threshold notify staff
            "schedule": settings.ALERT_CHECK_INTERVAL_SECONDS,
            "options": {"expires": settings.ALERT_CHECK_INTERVAL_SECONDS},
        },
        "marketing-flush-clicks": {
            "task": "wxmall.marketing.flush_clicks",  # buffered redirect clicks into the database
            "schedule": settings.MARKETING_FLUSH_INTERVAL_SECONDS,
            "options": {"expires": settings.MARKETING_FLUSH_INTERVAL_SECONDS},
        },
        # WeChat Pay generates the previous day's bills by about 10:00 Beijing time.
        "payments-reconcile-yesterday": {
            "task": "wxmall.payments.reconcile_yesterday",
            "schedule": crontab(hour=10, minute=30),
        },
        # WeChat Store: pushes are the fast path; these catch what pushes missed (reference §9.4).
        "store-retry-events": {
            "task": "wxmall.store.retry_events",
            "schedule": settings.STORE_EVENT_RETRY_SECONDS,
            "options": {"expires": settings.STORE_EVENT_RETRY_SECONDS},
        },
        "store-poll-audits": {
            "task": "wxmall.store.poll_audits",
            "schedule": settings.STORE_AUDIT_POLL_INTERVAL_SECONDS,
            "options": {"expires": settings.STORE_AUDIT_POLL_INTERVAL_SECONDS},
        },
        "store-poll-orders": {
            "task": "wxmall.store.poll_orders",
            "schedule": settings.STORE_ORDER_POLL_INTERVAL_SECONDS,
            "options": {"expires": settings.STORE_ORDER_POLL_INTERVAL_SECONDS},
        },
        "store-reconcile-stock": {
            "task": "wxmall.store.reconcile_stock",
            "schedule": settings.STORE_STOCK_RECONCILE_SECONDS,
            "options": {"expires": settings.STORE_STOCK_RECONCILE_SECONDS},
        },
        # Compass (罗盘): content metrics on an interval, the buyer profile at fixed times (the seeds' cadences).
        "store-compass-content": {
            "task": "wxmall.store.pull_content_metrics",
            "schedule": settings.STORE_CONTENT_METRICS_INTERVAL_SECONDS,
            "options": {"expires": settings.STORE_CONTENT_METRICS_INTERVAL_SECONDS},
        },
        # Review items whose external check was lost (broker restart) are asked again.
        "compliance-recheck": {
            "task": "compliance.recheck_stale",
            "schedule": 300,
            "options": {"expires": 300},
        },
        **{
            f"store-compass-user-behaviour-{at.replace(':', '')}": {
                "task": "wxmall.store.pull_user_behaviour",
                "schedule": crontab(hour=int(at[:2]), minute=int(at[3:])),
            }
            for at in settings.STORE_USER_BEHAVIOUR_TIMES
        },
        # Channels: calendar reminders, live figures while a session runs, commissions due after the
        # after-sale window, settlements in flight, bound sharers.
        "channels-remind": {"task": "wxmall.channels.remind", "schedule": 60.0, "options": {"expires": 60}},
        "channels-live-figures": {
            "task": "wxmall.channels.sync_live_figures",
            "schedule": settings.CHANNELS_LIVE_POLL_SECONDS,
            "options": {"expires": settings.CHANNELS_LIVE_POLL_SECONDS},
        },
        "channels-settle-due": {
            "task": "wxmall.channels.settle_due",
            "schedule": 600.0,
            "options": {"expires": 600},
        },
        "channels-poll-settling": {
            "task": "wxmall.channels.poll_settling",
            "schedule": 300.0,
            "options": {"expires": 300},
        },
        "channels-sync-sharers": {
            "task": "wxmall.channels.sync_sharers",
            "schedule": 3600.0,
            "options": {"expires": 3600},
        },
        # Unfilled groups fail (and are refunded) within a minute of their deadline.
        "growth-expire-groups": {
            "task": "wxmall.growth.expire_groups",
            "schedule": 60.0,
            "options": {"expires": 60},
        },
        "growth-behaviour-tags": {
            "task": "wxmall.growth.rebuild_behaviour_tags",
            "schedule": crontab(hour=3, minute=30),
        },
    }


@app.on_after_configure.connect
def _configure(sender: Celery, **kwargs) -> None:
    sender.conf.beat_schedule = beat_schedule()
