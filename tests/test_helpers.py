"""The shared test helpers themselves: a helper that cannot fail would make every test using it worthless."""

import threading

import httpx
import pytest

from helpers.db import changes, refused, snapshot, unchanged
from helpers.http import HttpReceiver
from wxmall.catalog.models import SKU
from wxmall.catalog.testing import make_sku
from wxmall.core.errors import CommonError, DomainError


@pytest.mark.django_db
def test_unchanged_sees_a_changed_counter_a_new_row_and_a_deleted_row():
    sku = make_sku(stock=5)
    with pytest.raises(AssertionError, match="catalog.SKU"), unchanged():
        SKU.objects.filter(pk=sku.pk).update(stock=4)
    before = snapshot()
    other = make_sku()
    diff = changes(before, snapshot())
    assert [row[0] for row in diff["catalog.SKU"]["new"]] == [other.pk] and diff["catalog.SKU"]["gone"] == []
    with pytest.raises(AssertionError, match="catalog.SKU"), unchanged():
        other.delete()
    with unchanged():
        SKU.objects.filter(pk=sku.pk).update(stock=4)  # already 4: rewriting a value is no change


@pytest.mark.django_db
def test_refused_wants_that_code_and_no_write():
    def raises():
        raise DomainError(CommonError.NOT_FOUND)

    def writes_then_raises():
        make_sku()
        raises()

    refused(CommonError.NOT_FOUND.code, raises)
    with pytest.raises(AssertionError):
        refused(CommonError.INVALID_REQUEST.code, raises)
    with pytest.raises(AssertionError):
        refused(CommonError.NOT_FOUND.code, writes_then_raises)
    with pytest.raises(pytest.fail.Exception):
        refused(CommonError.NOT_FOUND.code, lambda: None)


def test_receiver_records_answers_in_script_order_and_waits():
    with HttpReceiver("/notify?x=1") as receiver:
        receiver.answer_next(500, 503)
        replies = []

        def send(n):
            replies.append(httpx.post(receiver.url, content=f"body{n}".encode(), headers={"X-N": str(n)}))

        threads = [threading.Thread(target=send, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        requests = receiver.wait_for(3)
        for thread in threads:
            thread.join()
        assert sorted(r.status_code for r in replies) == [200, 500, 503]
        assert sorted(r.body for r in requests) == [b"body0", b"body1", b"body2"]
        assert {r.headers["x-n"] for r in requests} == {"0", "1", "2"}  # case-insensitive
        assert requests[0].method == "POST" and requests[0].query == {"x": "1"}
        receiver.respond = lambda request: (
            (201, b"made", {"X-Reply": "yes"}) if request.method == "PUT" else None
        )
        made = httpx.put(receiver.base_url + "/thing", content=b"{}")
        assert (made.status_code, made.content, made.headers["x-reply"]) == (201, b"made", "yes")
        assert httpx.get(receiver.base_url + "/").status_code == 200
        with pytest.raises(AssertionError, match="expected 9 requests"):
            receiver.wait_for(9, timeout=0.05)
