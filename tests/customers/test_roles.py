"""Staff roles: each role reaches its pages and gets a Chinese 403 elsewhere; the nav shows only its
entries. The groups come from the console's data migration."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

# Marked (not just through fixtures): the role fixtures are looked up by name at run time, and unmarked
# tests would be ordered after transactional ones, whose flush removes the migration's groups.
pytestmark = pytest.mark.django_db

PAGES = {
    "/console/customers/": "顾客",
    "/console/segments/": "分群",
    "/console/coupons/": "优惠券",
    "/console/audit/": "操作日志",
}
ALLOWED = {
    "owner": set(PAGES),
    "operator": {"/console/customers/", "/console/segments/", "/console/coupons/"},
    "service": {"/console/customers/", "/console/coupons/"},
    "warehouse": set(),
}


def test_the_migration_created_the_four_roles(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"店主", "运营", "客服", "仓库"}
    assert Group.objects.get(name="客服").permissions.filter(codename="reveal_personal_data").exists()
    assert not Group.objects.get(name="运营").permissions.filter(codename="reveal_personal_data").exists()


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_reaches_only_its_pages(request, login, role):
    client = login(request.getfixturevalue(role))
    for url in PAGES:
        response = client.get(url)
        if url in ALLOWED[role]:
            assert response.status_code == 200, (role, url)
        else:
            assert response.status_code == 403, (role, url)
            assert "无权访问" in response.content.decode()


@pytest.mark.parametrize("role", ["owner", "operator", "service"])
def test_the_nav_shows_each_role_only_its_entries(request, login, role):
    page = login(request.getfixturevalue(role)).get("/console/customers/").content.decode()
    nav = page.split("<main>")[0]
    for url, label in PAGES.items():
        assert (f'href="{url}"' in nav) == (url in ALLOWED[role]), (role, url)
        assert (f">{label}</a>" in nav) == (url in ALLOWED[role]), (role, label)


def test_a_role_without_a_write_permission_cannot_post(login, service):
    client = login(service)
    assert client.post("/console/segments/", {"name": "x"}).status_code == 403
    response = client.post("/console/coupons/", {"name": "x"})
    assert response.status_code == 403 and "新建优惠券" in response.content.decode()
    assert client.post("/console/coupons/issue/", {"coupon": 1, "segment": 1}).status_code == 403
    assert "新建优惠券" not in client.get("/console/coupons/").content.decode()


def test_older_console_pages_follow_the_role_table(login, warehouse, service, db):
    from wxmall.customers.testing import make_staff

    for url in ("/console/payments/", "/console/outbox/", "/console/oa/"):
        response = login(warehouse).get(url)
        assert response.status_code == 403 and "无权访问" in response.content.decode(), url
    assert login(service).get("/console/payments/").status_code == 200
    assert login(warehouse).get("/console/pickup/").status_code == 200
    # A staff account with no role keeps the console as before roles; anonymous visitors log in.
    assert login(make_staff("legacy")).get("/console/outbox/").status_code == 200
    assert Client().get("/console/payments/").status_code == 302
    nav = login(warehouse).get("/console/pickup/").content.decode().split("<main>")[0]
    assert 'href="/console/pickup/"' in nav and 'href="/console/payments/"' not in nav
    assert 'href="/console/fulfilment/"' in nav and 'href="/console/outbox/"' not in nav
