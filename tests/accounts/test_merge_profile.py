"""A merge fills in what the target lacks from the source (the phone number with its lookup hash, email,
nickname, the earlier membership start) and a reversal takes back exactly that."""

import pytest

from wxmall.accounts import actions, phones, points
from wxmall.accounts.models import Member, User
from wxmall.accounts.testing import give_points, make_customer

pytestmark = pytest.mark.django_db


def test_merge_carries_the_phone_and_empty_fields_and_reversal_clears_them(staff):
    source = make_customer(nickname="老客户", email="old@example.com")
    actions.set_phone(source, "+86 138-0013-8000")
    give_points(source, 50)  # the source has been a member for longer
    target = make_customer(nickname="微信用户")  # has a nickname of its own, no phone, no email
    give_points(target, 1)
    source.refresh_from_db()
    source_joined = Member.objects.get(user=source).joined_at

    merge = actions.merge_customers(source.pk, target.pk, staff=staff, reason="同一客户")
    target.refresh_from_db()
    assert target.phone == "13800138000" and target.phone_hash == phones.phone_hash("13800138000")
    assert target.email == "old@example.com" and target.nickname == "微信用户"  # its own one stays
    assert Member.objects.get(user=target).joined_at == source_joined
    assert Member.objects.get(user=target).points == 51
    assert set(merge.fields_copied) == {"phone", "email", "member_joined_at", "member_source"}
    assert User.objects.filter(phone_hash=phones.phone_hash("13800138000"), is_active=True).get() == target

    actions.reverse_merge(merge.pk, staff=staff)
    target.refresh_from_db()
    assert (target.phone, target.phone_hash, target.email, target.nickname) == ("", "", "", "微信用户")
    assert Member.objects.get(user=target).joined_at > source_joined
    assert User.objects.get(pk=source.pk).phone == "13800138000"  # the source kept its own all along


def test_a_target_with_a_phone_keeps_its_own_and_an_edited_field_survives_reversal(staff):
    source, target = make_customer(email="a@example.com"), make_customer()
    actions.set_phone(source, "13900000001")
    actions.set_phone(target, "13900000002")
    merge = actions.merge_customers(source.pk, target.pk, staff=staff)
    assert User.objects.get(pk=target.pk).phone == "13900000002" and "phone" not in merge.fields_copied
    User.objects.filter(pk=target.pk).update(email="new@example.com")  # changed since: not ours to clear
    actions.reverse_merge(merge.pk, staff=staff)
    assert User.objects.get(pk=target.pk).email == "new@example.com"
    assert points.balance_of(target) == 0


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        ("86 13800138000", "13800138000"),
        ("(+86)138.0013.8000", "13800138000"),
        ("+1 415 555 0100", "+14155550100"),
        ("12800138000", None),  # 12x is not a mainland mobile prefix
        ("1380013800", None),
        ("138001380000", None),
        ("010-12345678", None),
        ("abc", None),
        ("", None),
        ("1" * 50, None),
        ("=1+13800138000", None),
    ],
)
def test_phone_normal_form(raw, normal):
    assert phones.normalize(raw) == normal
