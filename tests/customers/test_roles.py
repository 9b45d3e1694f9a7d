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

    for url in ("/console/payments/", "/console/outbox/", "/console/oa/"):
        response = login(warehouse).get(url)
        assert response.status_code == 403 and "无权访问" in response.content.decode(), url
    assert login(service).get("/console/payments/").status_code == 200
    assert login(warehouse).get("/console/pickup/").status_code == 200
    # Anonymous visitors log in.
    assert Client().get("/console/payments/").status_code == 302
    nav = login(warehouse).get("/console/pickup/").content.decode().split("<main>")[0]
    assert 'href="/console/pickup/"' in nav and 'href="/console/payments/"' not in nav
    assert 'href="/console/fulfilment/"' in nav and 'href="/console/outbox/"' not in nav


def test_a_staff_account_with_no_role_sees_the_no_role_page_not_the_pages(login, db):
    from wxmall.customers.testing import make_staff

    client = login(make_staff("legacy"))
    for url in ("/console/", "/console/outbox/", "/console/customers/", "/console/oa/", "/console/audit/"):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 403 and "尚未分配角色" in page and "请联系店主" in page, url
        assert 'href="/console/outbox/"' not in page and 'href="/console/customers/"' not in page
    # Writing is refused the same way, and nothing is written.
    response = client.post("/console/segments/", {"name": "无角色的分群"})
    from wxmall.customers.models import Segment

    assert response.status_code == 403 and not Segment.objects.filter(name="无角色的分群").exists()


def test_permissions_given_one_by_one_open_only_their_pages(login, db):
    """No role, one permission: the table still applies, so the account opens the outbox it may see and
    none of the older pages whose permission it lacks."""
    from django.contrib.auth.models import Permission

    from wxmall.customers.testing import make_staff

    clerk = make_staff("clerk")
    clerk.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    client = login(clerk)
    assert client.get("/console/outbox/").status_code == 200
    for url in ("/console/payments/", "/console/oa/", "/console/pickup/"):
        response = client.get(url)
        assert response.status_code == 403 and "无权访问" in response.content.decode(), url


def test_a_superuser_with_no_role_opens_every_page(login, db):
    from wxmall.accounts.testing import make_customer

    client = login(make_customer("root", is_staff=True, is_superuser=True))
    for url in ("/console/", "/console/outbox/", "/console/customers/", "/console/audit/", "/console/oa/"):
        assert client.get(url).status_code == 200, url


def test_the_upgrade_makes_existing_unassigned_staff_owners(db):
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Permission

    from wxmall.accounts.testing import make_customer
    from wxmall.customers.testing import OPERATOR, make_staff

    migration = importlib.import_module("wxmall.console.migrations.0003_owner_role_for_unassigned_staff")
    legacy, operator, helper = make_staff("legacy"), make_staff("op", OPERATOR), make_staff("helper")
    helper.user_permissions.add(Permission.objects.get(codename="view_order"))
    root = make_customer("root", is_staff=True, is_superuser=True)
    shopper = make_customer("shopper")
    migration.owners_for_unassigned_staff(apps, None)
    roles = {u.username: set(u.groups.values_list("name", flat=True)) for u in (legacy, operator, helper)}
    assert roles == {"legacy": {"店主"}, "op": {OPERATOR}, "helper": set()}
    assert not root.groups.exists() and not shopper.groups.exists()


def test_the_owner_holds_every_permission_including_apps_added_later(db):
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    from wxmall.console.models import Access

    owner = Group.objects.get(name="店主")
    assert set(owner.permissions.all()) == set(Permission.objects.all())
    # A permission the owner lacks (as for an app added after the roles migration) is granted on migrate.
    later = Permission.objects.create(
        codename="run_later_app",
        name="后来的应用",
        content_type=ContentType.objects.get_for_model(Access),
    )
    assert not owner.permissions.filter(pk=later.pk).exists()
    emit_post_migrate_signal(0, False, "default")
    assert owner.permissions.filter(pk=later.pk).exists()
    assert set(owner.permissions.all()) == set(Permission.objects.all())
