import pytest
from django.test import Client


@pytest.fixture
def admin_client_(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("root-compliance", "r@example.com", "pw-compliance-1")
    client = Client()
    client.force_login(user)
    return client


def _form(sku, **overrides):
    from django.forms.models import model_to_dict

    from wxmall.catalog.admin import ProductForm

    data = {k: v for k, v in model_to_dict(sku.product).items() if v is not None}
    data.update(overrides)

    class Form(ProductForm):
        class Meta:
            model = type(sku.product)
            fields = (
                "category",
                "title",
                "subtitle",
                "brand",
                "slug",
                "description",
                "is_listed",
                "sort_order",
            )

    return Form(data=data, instance=sku.product)


def test_blocking_copy_is_refused_with_the_hit_shown(sku):
    form = _form(sku, title="全网最低价 <b>笔记本</b>")
    assert not form.is_valid()
    [message] = form.errors["title"]
    assert "全网最低价" in message and "删除比价表述" in message
    html = str(form.errors)
    assert "<b>" not in html  # rendered escaped


def test_clean_and_spec_copy_saves(sku):
    form = _form(sku, title="轻薄笔记本 第一代", description="最大支持 64GB 内存")
    assert form.is_valid(), form.errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, ok", [("全网最低价神券", False), ("分享到朋友圈即可领取", False), ("新人满减券", True)]
)
def test_coupon_names_are_scanned(name, ok):
    from wxmall.checkout.admin import CouponForm
    from wxmall.checkout.models import Coupon

    class Form(CouponForm):
        class Meta:
            model = Coupon
            fields = ("name",)

    form = Form(data={"name": name})
    assert form.is_valid() is ok
    if not ok:
        assert form.errors["name"]
