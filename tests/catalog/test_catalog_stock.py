"""Stock under real concurrency: real threads, each with its own connection, on the real database."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from wxmall.catalog import stock
from wxmall.catalog.models import SKU
from wxmall.catalog.testing import make_product


def run_in_threads(count: int, work) -> list:
    """Start `count` threads at the same instant; return what each returned (or the exception)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # surfaced by the caller's assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return results


def new_sku(stock_level: int) -> SKU:
    return make_product(
        "并发测试商品", skus=[{"code": f"RACE-{stock_level}", "stock": stock_level}]
    ).skus.get()


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_for_five_units():
    sku = new_sku(5)
    results = run_in_threads(20, lambda i: stock.take(sku.pk, 1))
    assert results.count(True) == 5 and results.count(False) == 15, results
    sku.refresh_from_db()
    assert sku.stock == 0


@pytest.mark.django_db(transaction=True)
def test_multi_unit_takes_never_oversell():
    sku = new_sku(5)
    results = run_in_threads(8, lambda i: stock.take(sku.pk, 2))
    assert results.count(True) == 2 and results.count(False) == 6, results
    sku.refresh_from_db()
    assert sku.stock == 1


@pytest.mark.django_db(transaction=True)
def test_takes_inside_order_transactions_that_roll_back_give_stock_back():
    sku = new_sku(6)

    def buy(i: int) -> bool:
        with transaction.atomic():
            taken = stock.take(sku.pk, 1)
            if taken and i % 2:
                transaction.set_rollback(True)  # e.g. payment set-up failed: the order is not placed
            return taken and not i % 2

    results = run_in_threads(12, buy)
    sku.refresh_from_db()
    assert sku.stock == 6 - results.count(True)
    assert sku.stock >= 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_put_backs_and_takes_lose_nothing():
    sku = new_sku(10)
    results = run_in_threads(20, lambda i: stock.take(sku.pk, 1) if i % 2 else stock.put_back(sku.pk, 1))
    assert results.count(True) == 10, results  # ten takes, all covered by the initial ten
    sku.refresh_from_db()
    assert sku.stock == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_staff_corrections_never_go_negative():
    sku = new_sku(3)
    results = run_in_threads(6, lambda i: stock.adjust(sku.pk, -1))
    assert results.count(True) == 3, results
    sku.refresh_from_db()
    assert sku.stock == 0


@pytest.mark.django_db
def test_quantities_must_be_positive():
    sku = new_sku(3)
    for bad in (0, -1):
        with pytest.raises(ValueError):
            stock.take(sku.pk, bad)
        with pytest.raises(ValueError):
            stock.put_back(sku.pk, bad)
    assert stock.adjust(sku.pk, 0) is True
    assert stock.adjust(sku.pk, -4) is False
    assert stock.adjust(sku.pk, 2) is True
    assert stock.take(999_999, 1) is False
    sku.refresh_from_db()
    assert sku.stock == 5
