"""The fund-flow bill (资金账单) side of reconciliation: what actually moved in the merchant's accounts.

The trade bill says what was sold and refunded; the fund-flow bill says what money came in and went out
(交易 income, 扣除交易手续费, 退款 debits, 退还交易手续费, 退款关闭 credits back). Each flow's 业务凭证号 is the
merchant's own number (out_trade_no / out_refund_no), so a debit for a refund we never asked for, or an
amount that differs from ours, is a difference for staff. Fees are summed per account: BASIC nets them,
merchants with a separate fee account see them in FEES.
"""

from __future__ import annotations

from dataclasses import dataclass

from .billfile import BillFormatError, fen, rows_of
from .models import DifferenceKind, Payment, Refund

SUMMARY_FIRST = "资金流水总笔数"
NEEDED = ("记账时间", "微信支付业务单号", "业务名称", "业务类型", "收支类型", "收支金额(元)", "业务凭证号")
FEE_OUT, FEE_BACK = "扣除交易手续费", "退还交易手续费"


@dataclass(frozen=True)
class Flow:
    account: str
    business_no: str
    name: str  # 业务名称: 交易 / 退款 / …
    kind: str  # 业务类型
    income: bool
    amount: int  # fen, always positive
    voucher: str  # 业务凭证号


def parse(text: str, account: str) -> list[Flow]:
    rows = rows_of(text)
    if not rows or rows[0][:1] != ["记账时间"]:
        raise BillFormatError("not a fund-flow bill")
    col = {name: i for i, name in enumerate(rows[0])}
    if any(name not in col for name in NEEDED):
        raise BillFormatError("fund-flow header lacks a needed column")
    flows = []
    for row in rows[1:]:
        if row[0] == SUMMARY_FIRST:
            break
        if len(row) < len(rows[0]):
            raise BillFormatError("short fund-flow row")
        direction = row[col["收支类型"]]
        if direction not in ("收入", "支出"):
            raise BillFormatError("unknown 收支类型")
        flows.append(
            Flow(
                account=account,
                business_no=row[col["微信支付业务单号"]],
                name=row[col["业务名称"]],
                kind=row[col["业务类型"]],
                income=direction == "收入",
                amount=abs(fen(row[col["收支金额(元)"]])),
                voucher=row[col["业务凭证号"]],
            )
        )
    else:
        raise BillFormatError("fund-flow bill has no summary")
    return flows


def totals_of(flows: list[Flow]) -> dict[str, dict[str, int]]:
    """Per account and "ALL": counts and sums in fen; `fee` is charged minus returned, `net` in - out."""
    totals: dict[str, dict[str, int]] = {}
    for f in flows:
        for key in (f.account, "ALL"):
            t = totals.setdefault(
                key, {"count": 0, "income": 0, "expense": 0, "fee": 0, "refund": 0, "net": 0}
            )
            t["count"] += 1
            t["income" if f.income else "expense"] += f.amount
            t["net"] += f.amount if f.income else -f.amount
            if f.kind == FEE_OUT:
                t["fee"] += f.amount
            elif f.kind == FEE_BACK:
                t["fee"] -= f.amount
            elif f.kind == "退款":
                t["refund"] += f.amount
            elif f.kind == "退款关闭":
                t["refund"] -= f.amount
    return totals


def differences(flows: list[Flow], mchid: str) -> list[dict]:
    """Money that moved without a matching record here, or with another amount."""
    incomes = [f for f in flows if f.name == "交易" and f.kind == "交易" and f.income]
    debits = [f for f in flows if f.name == "退款" and f.kind == "退款" and not f.income]
    payments = {
        p.out_trade_no: p
        for p in Payment.objects.filter(mchid=mchid, out_trade_no__in=[f.voucher for f in incomes])
    }
    refunds = {
        r.out_refund_no: r for r in Refund.objects.filter(out_refund_no__in=[f.voucher for f in debits])
    }
    found = []

    def add(kind, flow, local, detail, out_trade_no=""):
        found.append(
            {
                "kind": kind,
                "reference": flow.voucher[:64],
                "out_trade_no": out_trade_no[:64],
                "transaction_id": flow.business_no[:64],
                "trade_type": "",
                "wechat_amount": flow.amount,
                "local_amount": local,
                "detail": detail[:200],
            }
        )

    for flow in incomes:
        payment = payments.get(flow.voucher)
        if payment is None:
            add(DifferenceKind.FUNDS_INCOME_UNKNOWN, flow, None, "资金账单有入账，本地无此支付单")
        elif flow.amount != (payment.paid_amount or payment.amount):
            local = payment.paid_amount or payment.amount
            add(DifferenceKind.FUNDS_AMOUNT, flow, local, "入账金额与本地不一致", payment.out_trade_no)
    for flow in debits:
        refund = refunds.get(flow.voucher)
        if refund is None:
            add(DifferenceKind.FUNDS_REFUND_UNKNOWN, flow, None, "资金账单有退款扣款，本地无此退款单")
        elif flow.amount != refund.amount:
            add(DifferenceKind.FUNDS_AMOUNT, flow, refund.amount, "退款扣款金额与本地不一致")
    return found
