"""The group-deal console screen: deals with their groups' outcome, creating and editing in yuan, ending a
deal; which role may do what; bad input refused in Chinese with nothing written."""

from datetime import timedelta

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    from wxmall.customers.testing import OPERATOR, make_staff

    client.force_login(make_staff("deal-operator", OPERATOR))
    return client


def test_operator_creates_a_deal_in_yuan_and_sees_groups_filling_succeeded_and_failed(
    operator_client, sku, customer, address, shoppers
):
    from wxmall.audit.models import AuditEntry
    from wxmall.growth.actions import groups
    from wxmall.growth.models import Group, GroupDeal
    from wxmall.growth.testing import pay

    response = operator_client.post(
        "/console/growth/deals/",
        {"sku": str(sku.pk), "title": "双人团", "group_price": "999.50", "size": "2", "hours": "12"},
    )
    assert response.status_code == 302
    deal = GroupDeal.objects.get()
    assert (deal.group_price, deal.size, deal.hours, deal.is_active) == (99950, 2, 12, True)
    assert AuditEntry.objects.filter(action="growth.deal_create", target_id=str(deal.pk)).exists()

    filled = groups.open_group(customer, deal.pk, address_id=address.pk)
    pay(filled.order)
    pay(groups.join_group(shoppers[0][0], filled.group_id, address_id=shoppers[0][1].pk).order)
    failing = groups.open_group(shoppers[1][0], deal.pk, address_id=shoppers[1][1].pk)
    pay(failing.order)
    Group.objects.filter(pk=failing.group_id).update(expires_at=failing.group.expires_at - timedelta(days=1))
    assert groups.expire_due() == 1
    groups.open_group(shoppers[2][0], deal.pk, address_id=shoppers[2][1].pk)

    listing = operator_client.get("/console/growth/deals/").content.decode()
    assert "双人团" in listing and "¥999.50" in listing and "¥¥" not in listing
    row = listing[listing.index(f'data-deal="{deal.pk}"') :].split("</tr>")[0]
    cells = [c.split("<")[0] for c in row.split("<td>")[1:]]
    assert cells[-4:] == ["1", "1", "1", "1"]  # filling, succeeded, failed, refunds started
    detail = operator_client.get(f"/console/growth/deals/{deal.pk}/").content.decode()
    assert "已成团" in detail and "未成团（已退款）" in detail and "拼团中" in detail
    assert failing.order.order_no in detail and "退款 ¥999.50" in detail


def test_editing_changes_new_groups_only_and_the_size_is_locked_while_a_group_fills(
    operator_client, deal, customer, address
):
    from wxmall.audit.models import AuditEntry
    from wxmall.growth.actions import groups

    member = groups.open_group(customer, deal.pk, address_id=address.pk)
    url = f"/console/growth/deals/{deal.pk}/"
    refused = operator_client.post(url, {"title": "五人团", "group_price": "899", "size": "5", "hours": "24"})
    assert refused.status_code == 400 and "不能修改成团人数" in refused.content.decode()
    deal.refresh_from_db()
    assert (deal.size, deal.group_price) == (3, 99900)

    saved = operator_client.post(
        url, {"title": "三人团特惠", "group_price": "899", "size": "3", "hours": "48"}
    )
    assert saved.status_code == 302
    deal.refresh_from_db()
    member.order.refresh_from_db()
    assert (deal.title, deal.group_price, deal.hours) == ("三人团特惠", 89900, 48)
    assert member.order.total == 99900  # the member already in keeps the price they ordered at
    assert AuditEntry.objects.filter(action="growth.deal_update").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"group_price": "-1"}, "金额不能为负数"),
        ({"group_price": "abc"}, "请输入金额"),
        ({"group_price": "1.001"}, "最多保留两位小数"),
        ({"group_price": "0"}, "金额不能低于"),
        ({"group_price": "99999"}, "拼团价须低于原价"),
        ({"size": "1"}, "成团人数不能小于 2"),
        ({"size": "51"}, "成团人数不能大于 50"),
        ({"hours": "73"}, "不能大于 72"),
        ({"title": ""}, "请填写活动名称"),
        ({"title": "团" * 61}, "不超过 60 个字"),
        ({"sku": "999999"}, "商品不存在或已下架"),
    ],
)
def test_bad_deal_input_is_refused_in_chinese_and_writes_nothing(operator_client, sku, fields, message):
    from wxmall.growth.models import GroupDeal

    data = {"sku": str(sku.pk), "title": "双人团", "group_price": "100", "size": "2", "hours": "12", **fields}
    response = operator_client.post("/console/growth/deals/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not GroupDeal.objects.exists()


def test_ending_a_deal_stops_new_groups_once_and_open_groups_keep_running(
    operator_client, deal, customer, address, shoppers
):
    from wxmall.audit.models import AuditEntry
    from wxmall.core.errors import DomainError
    from wxmall.growth.actions import groups

    open_one = groups.open_group(customer, deal.pk, address_id=address.pk)
    assert operator_client.post(f"/console/growth/deals/{deal.pk}/end/").status_code == 302
    again = operator_client.post(f"/console/growth/deals/{deal.pk}/end/", follow=True).content.decode()
    assert "该活动已经结束" in again and "已结束" in again
    assert AuditEntry.objects.filter(action="growth.deal_end").count() == 1
    with pytest.raises(DomainError):
        groups.open_group(shoppers[0][0], deal.pk, address_id=shoppers[0][1].pk)
    joined = groups.join_group(shoppers[1][0], open_one.group_id, address_id=shoppers[1][1].pk)
    assert joined.group_id == open_one.group_id
    assert operator_client.get(f"/console/growth/deals/{deal.pk}/end/").status_code == 405


def test_roles_service_cannot_open_deals_and_customers_are_sent_to_log_in(client, deal, customer):
    from wxmall.customers.testing import SERVICE, make_staff
    from wxmall.growth.models import GroupDeal

    client.force_login(make_staff("deal-service", SERVICE))
    assert client.get("/console/growth/deals/").status_code == 403
    assert client.post(f"/console/growth/deals/{deal.pk}/end/").status_code == 403
    assert GroupDeal.objects.get().is_active
    client.force_login(customer)
    assert client.get("/console/growth/deals/").status_code == 302
    assert client.get("/console/growth/deals/999999/").status_code == 302


def test_a_staff_member_without_the_permission_sees_the_list_but_cannot_change(client, deal):
    from django.contrib.auth.models import Permission

    from wxmall.customers.testing import make_staff

    viewer = make_staff("deal-viewer", None)  # no role: a permission of its own opens the page
    viewer.user_permissions.add(Permission.objects.get(codename="view_groupdeal"))
    page = client
    page.force_login(viewer)
    listing = page.get("/console/growth/deals/")
    assert listing.status_code == 200 and "新建拼团活动" not in listing.content.decode()
    assert page.post(f"/console/growth/deals/{deal.pk}/end/").status_code == 403
    viewer.user_permissions.add(Permission.objects.get(codename="change_groupdeal"))
    assert page.post(f"/console/growth/deals/{deal.pk}/end/").status_code == 302
