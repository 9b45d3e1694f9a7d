"""Factories for tests that need staff in a role (the groups the console migration creates)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from wxmall.accounts.models import User

OWNER, OPERATOR, SERVICE, WAREHOUSE = "店主", "运营", "客服", "仓库"


def make_staff(username: str, role: str | None = None) -> User:
    """A staff member (is_staff) in `role`, or in none."""
    user = User.objects.create_user(username, password=f"pw-{username}-123", is_staff=True)
    if role:
        user.groups.add(_role(role))
    return user


def as_owner(user: User) -> User:
    """`user` (staff) in the 店主 role: staff with no role open no console page."""
    user.groups.add(_role(OWNER))
    return user


def _role(name: str) -> Group:
    if name != OWNER:
        return Group.objects.get(name=name)
    # A transactional test's flush removes the migration's groups; the owner's is rebuilt as it was.
    group, made = Group.objects.get_or_create(name=OWNER)
    if made:
        group.permissions.set(Permission.objects.all())
    return group
