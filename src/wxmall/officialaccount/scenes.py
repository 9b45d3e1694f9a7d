"""Scene QR codes (reference §4.5): a follow through a parametrised QR (`subscribe` with EventKey
`qrscene_<scene>`) or a scan by a follower (`SCAN`, EventKey `<scene>`)."""

from __future__ import annotations

from django.db.models import Q

from . import events
from .models import Follower, FollowerEvent, InboundMessage


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
    """Record the scan and, the first time, attribute the follower to the scene."""
    Follower.objects.filter(pk=follower.pk).filter(Q(first_scene="")).update(first_scene=scene)
    events.record(follower, FollowerEvent.Kind.SCANNED, scene, inbound=inbound)
