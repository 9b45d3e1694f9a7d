"""State changes of the customers desk, each one transaction and each audited: saving a segment,
revealing a customer's personal data (or being refused it), and issuing a coupon to a segment."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.audit.actions import record
from wxmall.celery import app as celery_app
from wxmall.checkout.actions.coupons import grant_to
from wxmall.checkout.models import Coupon, GrantSource
from wxmall.core.errors import DomainError
from wxmall.core.outbox import enqueue
from wxmall.officialaccount import tags as oa_tags
from wxmall.officialaccount.models import Follower, FollowerTag
from wxmall.wechat.config import NotConfigured, get_app

from . import queries
from .errors import CustomerError
from .models import CampaignStatus, CouponCampaign, Segment, SegmentMessage

REVEAL_PERMISSION = "console.reveal_personal_data"
MESSAGE_PERMISSION = "customers.add_segmentmessage"
MASS_DESTINATION = "oa_mass"  # outbox destination: handlers.deliver_mass
RUN_TASK = "wxmall.customers.run_campaign"  # tasks.py; sent by name (tasks imports this module)


def save_segment(data: dict, *, staff, request=None) -> Segment:
    """Create a segment from the form's cleaned data (amounts already fen)."""
    try:
        with transaction.atomic():
            segment = Segment.objects.create(created_by=staff, **data)
            record(staff, "segment.create", segment, f"新建顾客分群「{segment.name}」", request=request)
    except IntegrityError:
        raise DomainError(CustomerError.SEGMENT_NAME_TAKEN) from None
    return segment


def reveal(customer, *, staff, request=None) -> bool:
    """Whether `staff` may see `customer`'s personal data in full; the attempt is audited either way."""
    allowed = staff.has_perm(REVEAL_PERMISSION)
    with transaction.atomic():
        record(
            staff,
            "customer.reveal" if allowed else "customer.reveal_denied",
            ("accounts.user", customer.pk, queries.display_name(customer)),
            "查看了顾客的完整个人信息" if allowed else "试图查看顾客完整个人信息，无权限，已拒绝",
            detail={"fields": ["手机号", "收货地址"]},
            request=request,
        )
    return allowed


def start_campaign(coupon: Coupon, segment: Segment, *, staff, request=None) -> CouponCampaign:
    """Queue issuing `coupon` to `segment`. Refused (nothing written) when the coupon cannot be used or
    the segment is empty right now; the job runs after the commit."""
    now = timezone.now()
    if not coupon.is_active or coupon.ends_at <= now:
        raise DomainError(CustomerError.CAMPAIGN_COUPON_UNUSABLE)
    size = queries.segment_members(segment, now=now).count()
    if not size:
        raise DomainError(CustomerError.SEGMENT_EMPTY)
    with transaction.atomic():
        campaign = CouponCampaign.objects.create(
            coupon=coupon, segment=segment, matched=size, created_by=staff
        )
        record(
            staff,
            "coupon.issue_segment",
            coupon,
            f"向分群「{segment.name}」（{size} 人）发放优惠券「{coupon.name}」",
            detail={"segment": segment.pk, "campaign": campaign.pk, "matched": size},
            request=request,
        )
        transaction.on_commit(lambda: celery_app.signature(RUN_TASK, args=(campaign.pk,)).apply_async())
    return campaign


def run_campaign(campaign_id: int) -> CouponCampaign | None:
    """The job: evaluate the segment now and grant the coupon to each member not holding it. Runs once
    per campaign (guarded status change); a retry after a crash grants only the missing ones."""
    if not CouponCampaign.objects.filter(
        pk=campaign_id, status__in=(CampaignStatus.QUEUED, CampaignStatus.RUNNING)
    ).update(status=CampaignStatus.RUNNING):
        return None
    campaign = CouponCampaign.objects.select_related("coupon", "segment").get(pk=campaign_id)
    ids = list(queries.segment_members(campaign.segment).values_list("pk", flat=True))
    issued = grant_to(campaign.coupon, ids, source=GrantSource.SEGMENT, ref=f"campaign:{campaign.pk}")
    CouponCampaign.objects.filter(pk=campaign_id).update(
        status=CampaignStatus.DONE, matched=len(ids), issued=issued, finished_at=timezone.now()
    )
    campaign.refresh_from_db()
    return campaign


def segment_tag_name(segment: Segment) -> str:
    """The Official Account tag that mirrors the segment (stable across renames; WeChat allows 30 chars)."""
    return f"分群#{segment.pk}"


def oa_appid() -> str:
    try:
        return get_app("oa").appid
    except NotConfigured:
        raise DomainError(CustomerError.OA_NOT_CONFIGURED) from None


def message_segment(segment: Segment, content: str, *, staff, send_id: str, request=None) -> SegmentMessage:
    """Mass-send `content` (already checked by the form: length, compliance) to the segment's followers.
    In one transaction: the segment's tag is set to exactly its followers now (WeChat follows in the
    outbox handler, before the send), the message is recorded with its counts, audited, and queued with
    a clientmsgid made from the form's one-time `send_id`: the same form submitted twice finds its send
    and queues nothing more. Members who do not follow the Official Account are counted and skipped."""
    appid = oa_appid()
    clientmsgid = f"seg{segment.pk}-{send_id}"
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment.pk)  # one send at a time per segment
        already = SegmentMessage.objects.filter(clientmsgid=clientmsgid).first()
        if already is not None:
            return already
        followers = list(queries.segment_followers(segment, appid))
        preview = queries.message_preview(segment, appid)
        if not followers:
            raise DomainError(CustomerError.NO_FOLLOWERS)
        tag, _ = FollowerTag.objects.get_or_create(name=segment_tag_name(segment))
        wanted = {f.pk for f in followers}
        stale = Follower.objects.filter(appid=appid, tags=tag).exclude(pk__in=wanted)
        oa_tags.untag_followers(tag, stale)
        oa_tags.tag_followers(tag, followers)
        message = SegmentMessage.objects.create(
            segment=segment,
            tag=tag,
            content=content,
            clientmsgid=clientmsgid,
            members=preview.members,
            followers=preview.followers,
            skipped=preview.skipped,
            created_by=staff,
        )
        record(
            staff,
            "segment.message",
            segment,
            f"向分群「{segment.name}」群发消息：{preview.followers} 位关注者，跳过 {preview.skipped} 位未关注",
            {"message": message.pk, "clientmsgid": message.clientmsgid},
            request=request,
        )
        enqueue(
            MASS_DESTINATION,
            "segment.message",
            {"message": message.pk},
            key=f"{MASS_DESTINATION}:{message.clientmsgid}",
        )
    return message
