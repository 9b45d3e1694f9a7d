"""The notify hot path's database work, pinned: a change that adds queries per notification (an N+1, a
re-read, an extra save) fails here instead of showing up only as lower throughput in bench/notify.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wxmall.orders.state import OrderStatus
from wxmall.payments import actions
from wxmall.payments.testing import signed_notification, transaction_resource

pytestmark = pytest.mark.django_db(transaction=True)
NOTIFY = "/payments/notify/"
# Measured on this branch on SQLite (statement count, transaction control included); lower them when you cut.
# First: 18 for payment + order + event, and 22 since membership accrual joined mark_paid (accounts: a new
# member row, points entry, level lookups), incl. BEGIN/SAVEPOINT/COMMIT; no webhook row in this test.
# 40 with points redemption on main; 22 once the accrual moved to the worker (one outbox row instead).
# +1: store pickup's paid hook looks up whether the order is a pickup (none here: a delivery order).
# +1: the paid notification's hook looks up the customer's WeChat identities (none here).
# +1: channels' paid hook looks up the order's Channels attribution (none here).
# +1: analytics' paid event looks up the order's first/last touch (none here).
# +1: invoicing's paid hook looks up an invoice asked for at checkout (none here).
# +2: growth's paid hooks look up a group seat and a referral invitation (none here).
# 23 after cutting waste (issue 8's speed work): the inbox INSERT runs in autocommit, with no BEGIN/COMMIT
# around it (-2); the order's number comes joined to the locked payment instead of a second read (-1);
# apply_transaction's savepoint around mark_paid went (mark_paid's own undoes a refusal: -2); outbox
# enqueue inserts first instead of get_or_create's read first (-1 per outbox row).
FIRST_NOTIFICATION_QUERIES = 23
# 2: the inbox INSERT that the unique notify_id refuses, and one UPDATE … RETURNING that counts the
# redelivery and says it was applied already (so the payment is not locked and read again).
DUPLICATE_NOTIFICATION_QUERIES = 2


def test_queries_per_notification_are_bounded(pay_hub, order, customer, client):
    payment = actions.start_payment(order.order_no, customer, "native")
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(payment))
    with CaptureQueriesContext(connection) as first:
        response = client.post(NOTIFY, data=body, content_type="application/json", **headers)
    assert response.status_code == 204
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    with CaptureQueriesContext(connection) as duplicate:
        again = client.post(NOTIFY, data=body, content_type="application/json", **headers)
    assert again.status_code == 204
    assert len(first) <= FIRST_NOTIFICATION_QUERIES
    assert len(duplicate) <= DUPLICATE_NOTIFICATION_QUERIES
