""" "Bought together": co-occurrence in paid orders, hand-counted; shown on the product and cart pages
marked for the click-through rate, which the dashboard computes from the events."""

from datetime import date

import pytest

from wxmall.analytics import queries, recommendations
from wxmall.analytics.models import Recommendation
from wxmall.analytics.testing import at, event, write_events
from wxmall.catalog.testing import make_sku
from wxmall.checkout.actions import place_order
from wxmall.orders.actions import transition
from wxmall.orders.state import ActorKind, OrderStatus

pytestmark = pytest.mark.django_db


def buy(user, address, *skus, paid: bool = True):
    order = place_order(user, items=[(s.pk, 1) for s in skus], address_id=address.pk)
    if paid:
        transition(order.pk, OrderStatus.PAID, actor_kind=ActorKind.WECHAT)


def test_co_occurrence_by_hand(customer, address):
    laptop, mouse, bag, cable, hidden = (
        make_sku(title=t, stock=50) for t in ("笔记本", "鼠标", "电脑包", "数据线", "已下架")
    )
    buy(customer, address, laptop, mouse, bag)  # laptop: mouse 1, bag 1
    buy(customer, address, laptop, mouse)  # laptop: mouse 2
    buy(customer, address, laptop, hidden)  # then taken off sale: never recommended
    buy(customer, address, laptop, cable, paid=False)  # unpaid orders do not count
    hidden.product.is_listed = False
    hidden.product.save()
    # laptop→mouse (2), bag (1); mouse→laptop, bag; bag→laptop, mouse; hidden→laptop
    assert recommendations.refresh() == 7
    rows = {(r.product_id, r.recommended_id): r.support for r in Recommendation.objects.all()}
    assert rows[(laptop.product_id, mouse.product_id)] == 2 and rows[(laptop.product_id, bag.product_id)] == 1
    assert (laptop.product_id, hidden.product_id) not in rows and (
        laptop.product_id,
        cable.product_id,
    ) not in rows
    assert [p.pk for p in recommendations.for_products([laptop.product_id])] == [
        mouse.product_id,
        bag.product_id,
    ]
    assert [p.pk for p in recommendations.for_products([laptop.product_id, mouse.product_id])] == [
        bag.product_id
    ]


def test_the_pages_show_them_marked_for_tracking(api, customer, address):
    laptop, mouse = make_sku(title="笔记本", stock=50), make_sku(title="无线鼠标", stock=50)
    buy(customer, address, laptop, mouse)
    recommendations.refresh()
    page = api.get(f"/product/{laptop.product_id}/").content.decode()
    assert "搭配购买" in page and "无线鼠标" in page
    assert f'data-track-view="rec_view" data-product-id="{mouse.product_id}"' in page
    assert f'data-track="rec_click" data-product-id="{mouse.product_id}"' in page
    api.post("/cart/add/", {"product": mouse.product_id, "sku": mouse.pk, "quantity": 1, "intent": "cart"})
    assert "买了这些的人还买了" in api.get("/cart/").content.decode()


def test_click_through_rate_from_events():
    day = date(2026, 12, 1)
    write_events(
        [event("rec_view", f"v{i}", at(day), product_id=7) for i in range(8)]
        + [
            event("rec_click", "v1", at(day, 13), product_id=7),
            event("rec_click", "v2", at(day, 13), product_id=7),
        ]
    )
    with queries.Board(queries.Filters(start=day, end=day)) as board:
        assert board.recommendation_ctr() == {"views": 8, "clicks": 2, "ctr": 0.25}
