"""Daily reconciliation with WeChat Pay's trade bill and fund-flow bill (reference §1.13).

The bill for a Beijing day is downloaded (hash checked), parsed (backtick-prefixed CSV, then a summary)
and every line matched to our Payment / Refund by merchant number and amount; our own paid payments and
successful refunds of that day that the bill lacks are differences too. Fees come from the bill's fee
column, summed per payment method (WeChat's trade type, with JSAPI lines of the Mini Program's appid
counted as MINIPROGRAM; MWEB is H5, NATIVE is QR), with net income = paid - refunded - fee. The day's
fund-flow bills (BASIC, and FEES for merchants with a fee account) add what really moved: their totals,
and differences for money that moved without a record here (`fundflow`). Re-running a day updates its run and never duplicates a
difference (unique per day + reference + kind); one already resolved by staff is left as they left it."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from . import fundflow, wechatpay
from .actions import query_payment
from .billfile import BillFormatError, fen, rows_of
from .config import PayConfig, pay_config
from .models import (
    DifferenceKind,
    DifferenceStatus,
    Payment,
    PaymentStatus,
    ReconciliationDifference,
    ReconciliationRun,
    Refund,
    RefundStatus,
)

BEIJING = timezone.get_fixed_timezone(8 * 60)
SUMMARY_FIRST = "总交易单数"
# The accounts whose fund flows are fetched: the hub's business never touches OPERATION (marketing funds).
FUND_ACCOUNTS = ("BASIC", "FEES")


@dataclass(frozen=True)
class BillLine:
    trade_type: str
    appid: str
    state: str  # SUCCESS or REFUND
    transaction_id: str
    out_trade_no: str
    out_refund_no: str
    paid: int  # fen (应结订单金额)
    refunded: int  # fen
    fee: int  # fen, negative for a refund's returned fee


def parse_trade_bill(text: str) -> list[BillLine]:
    rows = rows_of(text)
    if not rows or rows[0][:1] != ["交易时间"]:
        raise BillFormatError("not a trade bill")
    col = {name: i for i, name in enumerate(rows[0])}
    needed = (
        "交易类型",
        "交易状态",
        "微信订单号",
        "商户订单号",
        "商户退款单号",
        "应结订单金额",
        "退款金额",
        "手续费",
    )
    if any(name not in col for name in needed):
        raise BillFormatError("bill header lacks a needed column")
    lines = []
    for row in rows[1:]:
        if row[0] == SUMMARY_FIRST:
            break
        if len(row) < len(rows[0]):
            raise BillFormatError("short bill row")
        lines.append(
            BillLine(
                trade_type=row[col["交易类型"]],
                appid=row[col["公众账号ID"]] if "公众账号ID" in col else "",
                state=row[col["交易状态"]],
                transaction_id=row[col["微信订单号"]],
                out_trade_no=row[col["商户订单号"]],
                out_refund_no=row[col["商户退款单号"]],
                paid=fen(row[col["应结订单金额"]]),
                refunded=fen(row[col["退款金额"]]),
                fee=fen(row[col["手续费"]]),
            )
        )
    else:
        raise BillFormatError("bill has no summary")
    return lines


def method_of(line: BillLine, config: PayConfig) -> str:
    """WeChat's trade type, except that JSAPI of the Mini Program's appid is MINIPROGRAM (its own rate)."""
    if line.trade_type == "JSAPI" and config.mp_appid and line.appid == config.mp_appid:
        return "MINIPROGRAM"
    return line.trade_type


def totals_of(lines: list[BillLine], config: PayConfig) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for line in lines:
        for key in (method_of(line, config), "ALL"):
            t = totals.setdefault(key, {"count": 0, "paid": 0, "refunded": 0, "fee": 0, "net": 0})
            t["count"] += 1
            t["paid"] += line.paid
            t["refunded"] += line.refunded
            t["fee"] += line.fee
            t["net"] += line.paid - line.refunded - line.fee
    return totals


def _differences(lines: list[BillLine], day: date, config: PayConfig) -> list[dict]:
    found: list[dict] = []

    def add(kind, reference, line=None, local=None, detail="", **extra):
        found.append(
            {
                "kind": kind,
                "reference": reference[:64],
                "out_trade_no": (line.out_trade_no if line else extra.get("out_trade_no", ""))[:64],
                "transaction_id": (line.transaction_id if line else extra.get("transaction_id", ""))[:64],
                "trade_type": (line.trade_type if line else extra.get("trade_type", ""))[:16],
                "wechat_amount": None
                if line is None
                else (line.paid if line.state == "SUCCESS" else line.refunded),
                "local_amount": local,
                "detail": detail[:200],
            }
        )

    payments = {
        p.out_trade_no: p
        for p in Payment.objects.filter(
            mchid=config.mchid, out_trade_no__in=[line.out_trade_no for line in lines]
        )
    }
    refunds = {
        r.out_refund_no: r
        for r in Refund.objects.filter(
            out_refund_no__in=[line.out_refund_no for line in lines if line.out_refund_no]
        )
    }
    seen_paid, seen_refunds = set(), set()
    for line in lines:
        if line.state == "SUCCESS":
            seen_paid.add(line.out_trade_no)
            payment = payments.get(line.out_trade_no)
            if payment is None:
                add(DifferenceKind.MISSING_HERE, line.out_trade_no, line, detail="本地无此支付单")
            elif line.paid != payment.amount:
                add(
                    DifferenceKind.AMOUNT, line.out_trade_no, line, payment.amount, "账单金额与下单金额不一致"
                )
            elif payment.status not in (PaymentStatus.PAID, PaymentStatus.FLAGGED):
                add(
                    DifferenceKind.STATE,
                    line.out_trade_no,
                    line,
                    payment.amount,
                    f"微信已支付，本地状态为「{payment.get_status_display()}」",
                )
        elif line.state == "REFUND":
            seen_refunds.add(line.out_refund_no)
            refund = refunds.get(line.out_refund_no)
            if refund is None:
                add(DifferenceKind.REFUND_MISSING_HERE, line.out_refund_no, line, detail="本地无此退款单")
            elif line.refunded != refund.amount:
                add(DifferenceKind.REFUND_AMOUNT, line.out_refund_no, line, refund.amount, "退款金额不一致")
            elif refund.status != RefundStatus.SUCCESS:
                add(
                    DifferenceKind.STATE,
                    line.out_refund_no,
                    line,
                    refund.amount,
                    f"微信已退款，本地状态为「{refund.get_status_display()}」",
                )
    start = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    end = start + timedelta(days=1)
    for p in Payment.objects.filter(
        mchid=config.mchid, status=PaymentStatus.PAID, paid_at__gte=start, paid_at__lt=end
    ).exclude(out_trade_no__in=seen_paid):
        add(
            DifferenceKind.MISSING_ON_WECHAT,
            p.out_trade_no,
            local=p.paid_amount,
            detail="本地已支付，账单中没有",
            out_trade_no=p.out_trade_no,
            transaction_id=p.transaction_id or "",
            trade_type=p.trade_type,
        )
    for r in (
        Refund.objects.filter(status=RefundStatus.SUCCESS, succeeded_at__gte=start, succeeded_at__lt=end)
        .exclude(out_refund_no__in=seen_refunds)
        .select_related("payment")
    ):
        add(
            DifferenceKind.REFUND_MISSING_ON_WECHAT,
            r.out_refund_no,
            local=r.amount,
            detail="本地已退款，账单中没有",
            out_trade_no=r.payment.out_trade_no,
        )
    return found


def reconcile_day(day: date, config: PayConfig | None = None) -> ReconciliationRun:
    """Download, parse and match one day's bill (network first, then one transaction)."""
    config = config or pay_config()
    try:
        lines = parse_trade_bill(wechatpay.trade_bill(config, day.isoformat()))
    except wechatpay.NoBill:
        lines = []
    flows: list[fundflow.Flow] = []
    for account in FUND_ACCOUNTS:
        with contextlib.suppress(wechatpay.NoBill):
            flows += fundflow.parse(wechatpay.fund_flow_bill(config, day.isoformat(), account), account)
    found = _differences(lines, day, config) + fundflow.differences(flows, config.mchid)
    with transaction.atomic():
        for diff in found:
            key = {"bill_date": day, "reference": diff.pop("reference"), "kind": diff.pop("kind")}
            row, created = ReconciliationDifference.objects.get_or_create(**key, defaults=diff)
            if not created:
                ReconciliationDifference.objects.filter(pk=row.pk, status=DifferenceStatus.OPEN).update(
                    **diff
                )
        run, _ = ReconciliationRun.objects.update_or_create(
            bill_date=day,
            defaults={
                "bill_rows": len(lines),
                "totals": totals_of(lines, config),
                "fund_totals": fundflow.totals_of(flows),
                "differences": ReconciliationDifference.objects.filter(bill_date=day).count(),
            },
        )
    return run


def yesterday() -> date:
    return timezone.now().astimezone(BEIJING).date() - timedelta(days=1)


def resolve(difference_id: int, status: str, note: str, staff) -> bool:
    """Staff mark an open difference fixed or explained; audited by who and when. Exactly once."""
    if status not in (DifferenceStatus.FIXED, DifferenceStatus.EXPLAINED) or not note.strip():
        return False
    return bool(
        ReconciliationDifference.objects.filter(pk=difference_id, status=DifferenceStatus.OPEN).update(
            status=status, note=note.strip()[:500], resolved_by=staff, resolved_at=timezone.now()
        )
    )


def repair_by_query(difference_id: int, staff) -> bool:
    """A payment WeChat has but we never confirmed (lost notification): ask WeChat through the normal
    query path; when that marks it paid, the difference is fixed."""
    diff = ReconciliationDifference.objects.get(pk=difference_id)
    payment = Payment.objects.filter(out_trade_no=diff.out_trade_no).first()
    if diff.status != DifferenceStatus.OPEN or diff.kind != DifferenceKind.STATE or payment is None:
        return False
    query_payment(payment.pk)
    payment.refresh_from_db()
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.FLAGGED):
        return False
    return resolve(difference_id, DifferenceStatus.FIXED, "主动查单已确认支付", staff)
