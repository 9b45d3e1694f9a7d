"""Storefront and console pages of growth."""

import pytest

from wxmall.customers.testing import as_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    from wxmall.accounts.testing import make_customer

    client.force_login(as_owner(make_customer("growth-staff", is_staff=True)))
    return client


def test_the_group_page_shows_members_countdown_and_the_share_link(client, deal, customer, address, shoppers):
    from wxmall.growth.actions import groups

    group = groups.open_group(customer, deal.pk, address_id=address.pk).group
    client.force_login(shoppers[0][0])
    page = client.get(f"/g/groups/{group.pk}/").content.decode()
    assert (
        "笔记本三人团" in page
        and "拼团中" in page
        and "countdown" in page
        and f"/l/{group.link.code}" in page
    )
    response = client.post(f"/g/groups/{group.pk}/join/", {"address_id": str(shoppers[0][1].pk)})
    assert response.status_code == 302 and "/pay/" in response["Location"]
    again = client.post(f"/g/groups/{group.pk}/join/", {"address_id": str(shoppers[0][1].pk)}, follow=True)
    assert "你已参加过这个团" in again.content.decode()
    assert client.get("/g/groups/999999/").status_code == 404


def test_console_lists_groups_and_refuses_induced_sharing_campaigns(staff_client, deal, customer, address):
    from wxmall.growth.actions import groups
    from wxmall.growth.models import ReferralCampaign

    groups.open_group(customer, deal.pk, address_id=address.pk)
    assert "笔记本三人团" in staff_client.get("/console/growth/groups/?state=open").content.decode()
    staff_client.post(
        "/console/growth/campaigns/",
        {
            "name": "<script>x</script>",
            "copy": "分享有礼，集赞送积分",
            "mechanism": "转发朋友圈即得",
            "inviter_points": "10",
        },
    )
    campaign = ReferralCampaign.objects.get()
    page = staff_client.post(f"/console/growth/campaigns/{campaign.pk}/start/", follow=True).content.decode()
    assert "诱导分享" in page and "分享有礼" in page and "<script>x" not in page
    campaign.refresh_from_db()
    assert campaign.state == "draft"


def test_console_pages_are_staff_only(client, customer):
    client.force_login(customer)
    assert client.get("/console/growth/groups/").status_code == 302


def test_posters_carry_the_tracked_link_as_a_qr_code(client, deal, customer, address):
    import io

    import zxingcpp
    from PIL import Image

    from wxmall.growth.actions import groups

    group = groups.open_group(customer, deal.pk, address_id=address.pk).group
    response = client.get(f"/g/groups/{group.pk}/poster.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    (decoded,) = zxingcpp.read_barcodes(image)
    assert decoded.text.endswith(f"/l/{group.link.code}")
    assert client.get("/g/groups/999999/poster.png").status_code == 404


def test_the_invite_page_gives_the_link_and_accepting_is_a_post(client, customer, other_customer):
    import io

    import zxingcpp
    from PIL import Image

    from wxmall.growth.actions import referral
    from wxmall.growth.models import Invitation

    campaign = referral.create_campaign(
        name="老带新",
        copy="邀请新朋友逛逛",
        mechanism="新朋友首单付款后双方各得积分",
        inviter_points=1,
        invitee_points=1,
    )
    referral.start_campaign(campaign.pk)
    from wxmall.marketing.models import Link

    client.force_login(customer)
    page = client.get("/g/invite/").content.decode()
    link = Link.objects.get(campaign=f"referral:{campaign.pk}", content_id=str(customer.pk))
    assert f"/l/{link.code}" in page and client.get("/g/invite/").status_code == 200
    assert Link.objects.filter(channel="invite").count() == 1  # made once, then reused
    url = f"/g/invite/{campaign.pk}/{customer.pk}/"
    assert link.target_url.endswith(url)
    poster = Image.open(io.BytesIO(client.get("/g/invite/poster.png").content))
    assert zxingcpp.read_barcodes(poster)[0].text.endswith(f"/l/{link.code}")
    client.force_login(other_customer)
    assert "接受邀请" in client.get(url).content.decode() and not Invitation.objects.exists()
    client.post(url)
    assert Invitation.objects.get().inviter == customer


def test_a_group_deal_is_priced_in_yuan_in_the_admin(sku):
    from django.test import Client

    from wxmall.accounts.testing import make_customer
    from wxmall.growth.models import GroupDeal

    staff = Client()
    staff.force_login(make_customer("deal-boss", is_staff=True, is_superuser=True))
    form = {
        "title": "三人团",
        "sku": sku.pk,
        "group_price": "1,099.5",
        "size": 3,
        "hours": 24,
        "is_active": "on",
    }
    assert staff.post("/admin/growth/groupdeal/add/", form).status_code == 302
    assert GroupDeal.objects.get().group_price == 109950
    refused = staff.post("/admin/growth/groupdeal/add/", form | {"title": "负价", "group_price": "-1"})
    assert refused.status_code == 200 and GroupDeal.objects.count() == 1
    assert "¥1,099.50" in staff.get("/admin/growth/groupdeal/").content.decode()
