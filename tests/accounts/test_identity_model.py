import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.accounts.models import WeChatIdentity
from wxmall.accounts.queries import openid_for


@pytest.mark.django_db
def test_openid_for_is_per_app(customer, other_customer):
    WeChatIdentity.objects.create(user=customer, appid="wxoa", openid="o-oa", kind="oa")
    WeChatIdentity.objects.create(user=customer, appid="wxmini", openid="o-mini", kind="miniprogram")
    WeChatIdentity.objects.create(user=other_customer, appid="wxoa", openid="o-other", kind="oa")

    assert openid_for(customer, "wxoa") == "o-oa"
    assert openid_for(customer, "wxmini") == "o-mini"
    assert openid_for(customer, "wxelse") is None
    assert openid_for(other_customer, "wxmini") is None


@pytest.mark.django_db
def test_one_openid_per_app_belongs_to_one_customer(customer, other_customer):
    WeChatIdentity.objects.create(user=customer, appid="wxoa", openid="o-1", kind="oa")
    with pytest.raises(IntegrityError), transaction.atomic():
        WeChatIdentity.objects.create(user=other_customer, appid="wxoa", openid="o-1", kind="oa")
    # The same openid string under another appid is a different identity.
    WeChatIdentity.objects.create(user=other_customer, appid="wxmini", openid="o-1", kind="miniprogram")


@pytest.mark.django_db
def test_openid_for_prefers_the_most_recent_login(customer):
    old = WeChatIdentity.objects.create(user=customer, appid="wxoa", openid="o-old", kind="oa")
    WeChatIdentity.objects.create(
        user=customer, appid="wxoa", openid="o-new", kind="oa", last_login_at=timezone.now()
    )
    assert openid_for(customer, "wxoa") == "o-new"
    old.last_login_at = timezone.now()
    old.save()
    assert openid_for(customer, "wxoa") == "o-old"
