"""The invoice's audit trail (shown on the desk): one row per thing that happened to it."""

from __future__ import annotations

from .models import Invoice, InvoiceEvent


def record(invoice: Invoice, kind: str, detail: str = "", actor=None) -> None:
    staff = actor if actor is not None and getattr(actor, "is_staff", False) else None
    InvoiceEvent.objects.create(invoice=invoice, kind=kind[:32], detail=detail[:300], actor=staff)
