"""Factories for tests that need staff in a role (the groups the console migration creates)."""

from __future__ import annotations

from django.contrib.auth.models import Group

from wxmall.accounts.models import User

OWNER, OPERATOR, SERVICE, WAREHOUSE = "店主", "运营", "客服", "仓库"


def make_staff(username: str, role: str | None = None) -> User:
    """A staff member (is_staff) in `role`, or in none."""
    user = User.objects.create_user(username, password=f"pw-{username}-123", is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
