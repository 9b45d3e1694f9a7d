"""The notify hot path's database work, pinned: a change that adds queries per notification (an N+1, a
re-read, an extra save) fails here instead of showing up only as lower throughput in bench/notify.py.

Two halves since issue 8's two-phase notify: the endpoint (verify, store, kick, answer) and the worker's
apply of a stored notification."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wxmall.orders.state import OrderStatus
from wxmall.payments import actions
from wxmall.payments.models import Notification, NotificationOutcome
from wxmall.payments.testing import signed_notification, transaction_resource

pytestmark = pytest.mark.django_db(transaction=True)
NOTIFY = "/payments/notify/"
# The endpoint: one INSERT … ON CONFLICT DO UPDATE … RETURNING stores a first delivery or counts a
# redelivery (autocommit: no BEGIN/COMMIT around it). The kick is a cache add and a broker message, no SQL.
REQUEST_QUERIES = 1
# The worker's apply of one stored notification, transaction control included, on SQLite (measured; lower
# it when you cut). History: 23 in the request before the split (18 for payment + order + event, then one
# statement per app's paid hook: pickup, OA message identities, channels attribution, analytics touch,
# invoicing, growth's group seat and referral).
# Now: BEGIN, the notification (FOR UPDATE SKIP LOCKED on PostgreSQL), the payment, mark_paid's savepoint
# and order, the paid hooks, the event, the payment's UPDATE, the notification's outcome, COMMIT.
APPLY_QUERIES = 24
# The worker's pass around it: the list of notifications still to apply, and its empty second page.
PASS_QUERIES = 2


def test_queries_per_notification_are_bounded(pay_hub, order, customer, client, settings, monkeypatch):
    settings.PAYMENT_NOTIFY_APPLY_EAGER = False
    kicks = []
    monkeypatch.setattr(actions, "kick_apply", kicks.append)
    payment = actions.start_payment(order.order_no, customer, "native")
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(payment))
    with CaptureQueriesContext(connection) as first:
        response = client.post(NOTIFY, data=body, content_type="application/json", **headers)
    assert response.status_code == 204
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT  # answered before the apply
    (stored,) = Notification.objects.all()
    assert kicks == [stored.pk]
    with CaptureQueriesContext(connection) as duplicate:
        again = client.post(NOTIFY, data=body, content_type="application/json", **headers)
    assert again.status_code == 204
    assert kicks == [stored.pk, stored.pk]  # still received: kicked again, in case the first was lost
    with CaptureQueriesContext(connection) as apply:
        assert actions.apply_received() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    stored.refresh_from_db()
    assert (stored.outcome, stored.deliveries) == (NotificationOutcome.APPLIED, 2)
    with CaptureQueriesContext(connection) as late:
        client.post(NOTIFY, data=body, content_type="application/json", **headers)
    assert len(kicks) == 2  # applied: a third delivery is only counted
    assert len(first) <= REQUEST_QUERIES
    assert len(duplicate) <= REQUEST_QUERIES and len(late) <= REQUEST_QUERIES
    assert len(apply) <= APPLY_QUERIES + PASS_QUERIES
