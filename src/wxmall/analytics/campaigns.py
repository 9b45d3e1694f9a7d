"""Campaigns (营销活动): create, edit, archive, and attach or detach their links, coupons, A/B tests and
topic challenges (by their number, shown on the Channels page).

A link belongs to at most one campaign: attaching sets its `campaign` to the campaign's code (moving it
from any other), detaching clears it. Each change is one transaction and audited by the caller's view;
bad input raises DomainError before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.channels.models import TopicChallenge
from wxmall.checkout.models import Coupon
from wxmall.core.errors import DomainError
from wxmall.core.money import MAX_FEN
from wxmall.core.validation import TextRefused, clean_text
from wxmall.marketing.models import Link

from .errors import AnalyticsError
from .models import Campaign, Experiment

NAME_MAX = 60
NOTES_MAX = 1000
MAX_SPAN_DAYS = 366
# The value links and ad spend carry: letters (Chinese too), digits and _ - . : — no spaces or markup.
CODE = re.compile(r"[\w.:-]{1,64}")
KINDS = ("link", "coupon", "experiment", "challenge")


@dataclass(frozen=True)
class CampaignInput:
    name: str
    starts_on: date | None
    ends_on: date | None
    budget: int | None  # fen; None when the typed yuan did not parse
    notes: str = ""


def _bad(message: str) -> DomainError:
    return DomainError(AnalyticsError.BAD_CAMPAIGN, message)


def _checked(data: CampaignInput) -> dict:
    """The model fields of `data`, or DomainError with a Chinese sentence saying what is wrong."""
    try:
        name = clean_text(data.name, NAME_MAX)
        notes = clean_text(data.notes, NOTES_MAX, multiline=True)
    except TextRefused as refused:
        raise _bad(f"名称或备注{refused.reason}") from None
    if not name:
        raise _bad("请填写活动名称")
    if "<" in name or ">" in name:
        raise _bad("活动名称不能包含 < 或 >")
    if data.starts_on is None or data.ends_on is None:
        raise _bad("开始与结束日期应为 YYYY-MM-DD")
    if data.ends_on < data.starts_on:
        raise _bad("结束日期不能早于开始日期")
    if (data.ends_on - data.starts_on).days >= MAX_SPAN_DAYS:
        raise _bad(f"活动时长不能超过 {MAX_SPAN_DAYS} 天")
    if data.budget is None or not 0 <= data.budget <= MAX_FEN:
        raise _bad("预算应为不小于 0 的金额（元，最多两位小数）")
    return {
        "name": name,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "budget": data.budget,
        "notes": notes,
    }


def create(code: str, data: CampaignInput) -> Campaign:
    code = code.strip()
    if not CODE.fullmatch(code):
        raise _bad("活动标识应为 1 至 64 个字母、汉字、数字或 _ - . :")
    fields = _checked(data)
    try:
        with transaction.atomic():  # the unique code decides a race between two creators, not a lookup
            return Campaign.objects.create(code=code, **fields)
    except IntegrityError:
        raise DomainError(AnalyticsError.CAMPAIGN_CODE_TAKEN) from None


def _open_campaign(campaign_id: int) -> Campaign:
    """The campaign, locked for the rest of the transaction; archived ones cannot change."""
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise DomainError(AnalyticsError.CAMPAIGN_NOT_FOUND)
    if campaign.archived_at is not None:
        raise DomainError(AnalyticsError.CAMPAIGN_ARCHIVED)
    return campaign


def update(campaign_id: int, data: CampaignInput) -> Campaign:
    fields = _checked(data)
    with transaction.atomic():
        campaign = _open_campaign(campaign_id)
        for name, value in fields.items():
            setattr(campaign, name, value)
        campaign.save(update_fields=[*fields, "updated_at"])
        return campaign


def archive(campaign_id: int) -> Campaign:
    """Archived: hidden from the active list and read-only; its links keep the code, so its figures stay."""
    with transaction.atomic():
        campaign = _open_campaign(campaign_id)
        campaign.archived_at = timezone.now()
        campaign.save(update_fields=["archived_at", "updated_at"])
        return campaign


def _member(kind: str, ref: str):
    """The link (by short code), coupon (by coupon code), experiment (by key) or challenge (by number)
    staff typed."""
    ref = ref.strip()[:64]
    model, field = {
        "link": (Link, "code"),
        "coupon": (Coupon, "code"),
        "experiment": (Experiment, "key"),
        "challenge": (TopicChallenge, "pk"),
    }.get(kind, (None, ""))
    if kind == "challenge":  # its number, as the Channels page shows it ("#12" too)
        ref = ref.removeprefix("#")
        if not (ref.isascii() and ref.isdigit() and len(ref) <= 12):
            raise DomainError(AnalyticsError.CAMPAIGN_MEMBER_NOT_FOUND)
    found = model.objects.filter(**{field: ref}).first() if model is not None and ref else None
    if found is None:
        raise DomainError(AnalyticsError.CAMPAIGN_MEMBER_NOT_FOUND)
    return found


def attach(campaign_id: int, kind: str, ref: str):
    """Attach a link, coupon, experiment or challenge; returns it. Attaching what is already attached is a no-op."""
    with transaction.atomic():
        campaign = _open_campaign(campaign_id)
        member = _member(kind, ref)
        if kind == "link":
            Link.objects.filter(pk=member.pk).update(campaign=campaign.code)
        elif kind == "coupon":
            campaign.coupons.add(member)
        elif kind == "challenge":
            campaign.challenges.add(member)
        else:
            campaign.experiments.add(member)
        return member


def detach(campaign_id: int, kind: str, ref: str):
    """Detach one; a link of another campaign is left alone (only this campaign's code is cleared)."""
    with transaction.atomic():
        campaign = _open_campaign(campaign_id)
        member = _member(kind, ref)
        if kind == "link":
            Link.objects.filter(pk=member.pk, campaign=campaign.code).update(campaign="")
        elif kind == "coupon":
            campaign.coupons.remove(member)
        elif kind == "challenge":
            campaign.challenges.remove(member)
        else:
            campaign.experiments.remove(member)
        return member
