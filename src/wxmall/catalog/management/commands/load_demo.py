"""`python manage.py load_demo`: the demo computer store, a staff account and a customer account.

Only in the embedded demo (WXMALL_DEMO=1): a production hub never gets demo accounts. The staff account
`admin` gets WXMALL_ADMIN_PASSWORD or a random password, printed once when the account is created (the
same for the customer `demo` and WXMALL_DEMO_PASSWORD). Safe to run any number of times. After the catalogue, every other wxmall app that has a `demo`
module with a `load()` function gets to add its own demo data (coupons, flash sales, ...), in
INSTALLED_APPS order; `load()` may return a one-line summary to print."""

import importlib
import importlib.util
import os
import secrets

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError

from wxmall.catalog import demo as catalog_demo


def demo_password(variable: str) -> str:
    return os.environ.get(variable) or secrets.token_urlsafe(12)


def ensure_user(username: str, password: str, *, staff: bool, nickname: str) -> bool:
    """Create the user if absent; an existing one (and its password) is left as it is."""
    _, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "is_staff": staff,
            "is_superuser": staff,
            "nickname": nickname,
            "password": make_password(password),
        },
    )
    return created


def other_demo_loaders():
    """(app label, load function) of every other wxmall app shipping `<app>/demo.py`."""
    for config in apps.get_app_configs():
        if not config.name.startswith("wxmall.") or config.label == "catalog":
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        loader = getattr(importlib.import_module(module_name), "load", None)
        if callable(loader):
            yield config.label, loader


class Command(BaseCommand):
    help = "载入演示数据：电脑商城商品目录、管理员 admin、顾客 demo（可重复执行）"

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError(
                "load_demo 只用于演示环境（WXMALL_DEMO=1），生产环境不创建演示账号。 "
                "load_demo is for the embedded demo only (WXMALL_DEMO=1); production gets no demo accounts."
            )
        self.stdout.write(catalog_demo.load())
        for label, loader in other_demo_loaders():
            summary = loader()
            self.stdout.write(f"{label}: {summary}" if summary else f"{label}: 已载入")

        admin_password = demo_password("WXMALL_ADMIN_PASSWORD")
        if ensure_user("admin", admin_password, staff=True, nickname="店长"):
            self.stdout.write(
                f"已创建管理员：用户名 admin，密码 {admin_password}（登录 /admin/；只显示这一次）"
            )
        else:
            self.stdout.write("管理员 admin 已存在，密码未改动")
        customer_password = demo_password("WXMALL_DEMO_PASSWORD")
        if ensure_user("demo", customer_password, staff=False, nickname="演示顾客"):
            self.stdout.write(f"已创建演示顾客：用户名 demo，密码 {customer_password}")
        self.stdout.write(self.style.SUCCESS("演示数据已就绪"))
