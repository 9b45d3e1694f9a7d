from django.test import Client

from wxmall.store.models import ChannelsAccount
from wxmall.store.testing import make_store_product, make_synced


def staff_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_the_store_page_shows_shop_sync_states_and_reasons(store, admin_user):
    product = make_store_product()
    sp = make_synced(product, state="rejected")
    sp.reason = "主图含有水印"
    sp.save()
    html = staff_client(admin_user).get("/console/store/").content.decode()
    assert "测试小店" in html and "企业店" in html
    assert "审核未通过" in html and "主图含有水印" in html
    assert "重新同步" in html


def test_binding_from_the_console_shows_the_chinese_refusal(store, admin_user, settings):
    settings.STORE_CHANNELS_LIMIT_ENTERPRISE = 1
    client = staff_client(admin_user)
    client.post("/console/store/channels/bind/", {"finder_id": "sph000001abc", "nickname": "官方号"})
    response = client.post("/console/store/channels/bind/", {"finder_id": "sph000002abc"}, follow=True)
    assert "已达到该店铺类型可绑定的视频号数量上限" in response.content.decode()
    assert ChannelsAccount.objects.count() == 1


def test_hostile_input_is_not_echoed(store, admin_user):
    response = staff_client(admin_user).post(
        "/console/store/channels/bind/", {"finder_id": "<img src=x onerror=alert(1)>"}, follow=True
    )
    body = response.content.decode()
    assert "视频号 ID 格式不正确" in body and "onerror" not in body


def test_the_page_is_staff_only(store, customer):
    client = Client()
    client.force_login(customer)
    assert client.get("/console/store/").status_code == 302
