"""Scene QR codes (reference §4.5): a follow through a parametrised QR (`subscribe` with EventKey
`qrscene_<scene>`) or a scan by a follower (`SCAN`, EventKey `<scene>`): the follower is attributed to
the code (once per push), tagged with the code's tag, and the first scene ever is kept as first touch."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Q

from wxmall.wechat import client

from . import events, tags
from .models import Attribution, Follower, FollowerEvent, InboundMessage, SceneCode

SCENE_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def scene_of(inbound: InboundMessage) -> str:
    if inbound.msg_type != "event":
        return ""
    key = inbound.event_key
    if inbound.event == "subscribe" and key.startswith("qrscene_"):
        return key.removeprefix("qrscene_")[:64]
    if inbound.event == "SCAN":
        return key[:64]
    return ""


def apply_scene(follower: Follower, scene: str, inbound: InboundMessage) -> None:
    code = SceneCode.objects.filter(scene=scene).select_related("tag").first()
    Attribution.objects.get_or_create(
        inbound=inbound,
        defaults={
            "follower": follower,
            "code": code,
            "scene": scene,
            "subscribed": inbound.event == "subscribe",
        },
    )
    Follower.objects.filter(pk=follower.pk).filter(Q(first_scene="")).update(first_scene=scene)
    events.record(follower, FollowerEvent.Kind.SCANNED, scene, inbound=inbound)
    if code is not None and code.tag is not None:
        tags.tag_followers(code.tag, [follower])


def create_code(*, scene: str, name: str, kind: str, tag=None) -> SceneCode:
    """A permanent string-scene QR code made on WeChat, then stored (the WeChat call comes first and is
    idempotent for a scene, so a failure leaves nothing behind and a retry is harmless)."""
    if not SCENE_SHAPE.fullmatch(scene):
        raise ValueError("场景值为 1–64 位字母、数字、下划线或连字符")
    made = client("oa").qrcode.create_permanent(scene)
    with transaction.atomic():
        code, _ = SceneCode.objects.update_or_create(
            scene=scene,
            defaults={
                "name": name,
                "kind": kind,
                "tag": tag,
                "ticket": made["ticket"],
                "url": made.get("url", ""),
            },
        )
    return code
