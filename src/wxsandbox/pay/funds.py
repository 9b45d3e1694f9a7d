"""The merchant's fund ledger: fee rates per payment method and the fund-flow bill (资金账单, §1.13).

Every movement of a merchant's money is one ledger row written in the transaction that moves it:

  payment success   交易 / 交易 收入 (the amount) and 交易 / 扣除交易手续费 支出 (the fee)
  refund accepted   退款 / 退款 支出 (the amount) and 退款 / 退还交易手续费 收入 (the refund's share of the fee)
  refund closed     退款 / 退款关闭 收入 (the amount back) and 交易 / 扣除交易手续费 支出 (the share again)

Refund money moves when WeChat accepts the refund, not when it succeeds (WeChat's field list: 记账时间 "is
not the refund success time"), so a refund is booked at creation. Fees are charged per transaction at the
rate of its payment method, rounded half up to the fen; a refund returns the fee of its own amount, the
same rounding, so the trade bill's 手续费 column and the ledger always agree row by row.

Which account the fee is taken from is the ``fees_account`` knob: BASIC by default (the fee is netted out
of the basic account), FEES for merchants with a separate fee account. OPERATION never moves here.

File layout (WeChat's published fund-bill structure; the reference names only the endpoint): header
``记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,
备注,业务凭证号``, backtick-prefixed values, then ``资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额`` and one
summary row. 账户结余 is the running balance of that account in this emulator's ledger (it starts at 0).
业务凭证号 is the merchant's number: out_trade_no for 交易 rows, out_refund_no for 退款 rows (WeChat's sample
shows ``REF`` + transaction id; which one real bills carry per business type is unconfirmed).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from wxsandbox.clock import CHINA_TZ
from wxsandbox.config import MINI_PROGRAM

SCHEMA = """
CREATE TABLE IF NOT EXISTS pay_fund_flows (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    mchid           TEXT    NOT NULL,
    account         TEXT    NOT NULL,              -- BASIC | OPERATION | FEES
    booked_at       REAL    NOT NULL,              -- sandbox time
    business_no     TEXT    NOT NULL,              -- transaction_id or refund_id
    business_name   TEXT    NOT NULL,              -- 交易 | 退款
    business_type   TEXT    NOT NULL,              -- 交易 | 扣除交易手续费 | 退款 | 退还交易手续费 | 退款关闭
    income          INTEGER NOT NULL CHECK (income IN (0, 1)),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    remark          TEXT    NOT NULL DEFAULT '',
    voucher_no      TEXT    NOT NULL               -- out_trade_no or out_refund_no
);
CREATE INDEX IF NOT EXISTS pay_fund_flows_day ON pay_fund_flows (mchid, account, booked_at);
"""

ACCOUNT_TYPES = ("BASIC", "OPERATION", "FEES", "ALL")
HEADER = (
    "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),"
    "资金变更提交申请人,备注,业务凭证号"
)
SUMMARY_HEADER = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额"

# Bill and hub vocabulary for where the customer paid: JSAPI orders of a Mini Program appid are 小程序.
METHODS = ("JSAPI", "MINIPROGRAM", "NATIVE", "MWEB", "APP")


def method_of(sandbox, order: dict[str, Any]) -> str:
    if order["trade_type"] == "JSAPI":
        app = sandbox.config.app(order["appid"])
        return "MINIPROGRAM" if app is not None and app.kind == MINI_PROGRAM else "JSAPI"
    return order["trade_type"] if order["trade_type"] in METHODS else "JSAPI"


def rate_bp(sandbox, order: dict[str, Any]) -> int:
    """The order's fee rate in basis points (1 = 0.01 %)."""
    pay = sandbox.config.pay
    return {
        "JSAPI": pay.fee_rate_bp_jsapi,
        "MINIPROGRAM": pay.fee_rate_bp_miniprogram,
        "NATIVE": pay.fee_rate_bp_native,
        "MWEB": pay.fee_rate_bp_h5,
        "APP": pay.fee_rate_bp_app,
    }[method_of(sandbox, order)]


def fee(amount: int, bp: int) -> int:
    """Fee in fen, rounded half up (per transaction or refund row)."""
    return (amount * bp + 5000) // 10000


def rate_text(bp: int) -> str:
    return f"{bp / 100:.2f}%"


def _book(sandbox, mchid, account, business_no, name, kind, income, amount, voucher, remark="") -> None:
    if amount > 0:
        sandbox.state.execute(
            "INSERT INTO pay_fund_flows (mchid, account, booked_at, business_no, business_name, business_type,"
            " income, amount, remark, voucher_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                mchid,
                account,
                sandbox.clock.now(),
                business_no,
                name,
                kind,
                int(income),
                amount,
                remark,
                voucher,
            ),
        )


def book_payment(sandbox, order: dict[str, Any]) -> None:
    """A payment succeeded (caller's transaction): the amount in, the fee out."""
    mchid, tid, voucher = order["mchid"], order["transaction_id"], order["out_trade_no"]
    _book(sandbox, mchid, "BASIC", tid, "交易", "交易", True, order["amount_total"], voucher)
    charged = fee(order["amount_total"], rate_bp(sandbox, order))
    _book(
        sandbox,
        mchid,
        sandbox.config.pay.fees_account,
        tid,
        "交易",
        "扣除交易手续费",
        False,
        charged,
        voucher,
    )


def book_refund(sandbox, refund: dict[str, Any], order: dict[str, Any], *, closed: bool = False) -> None:
    """A refund accepted (or, with ``closed``, given back): the amount and the refund's share of the fee."""
    mchid, rid, voucher = refund["mchid"], refund["refund_id"], refund["out_refund_no"]
    share = fee(refund["amount_refund"], rate_bp(sandbox, order))
    fees_account = sandbox.config.pay.fees_account
    if closed:
        _book(sandbox, mchid, "BASIC", rid, "退款", "退款关闭", True, refund["amount_refund"], voucher)
        _book(sandbox, mchid, fees_account, rid, "交易", "扣除交易手续费", False, share, voucher)
    else:
        _book(
            sandbox,
            mchid,
            "BASIC",
            rid,
            "退款",
            "退款",
            False,
            refund["amount_refund"],
            voucher,
            refund["reason"],
        )
        _book(sandbox, mchid, fees_account, rid, "退款", "退还交易手续费", True, share, voucher)


def _yuan(fen: int) -> str:
    return f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _row(values: list[str]) -> str:
    return ",".join("`" + v.replace(",", "，").replace("\r", "\\r").replace("\n", "\\n") for v in values)


def fund_flow_bill(sandbox, mchid: str, day: date, account_type: str) -> tuple[str, int]:
    """The CSV text of one Beijing day's flows of ``account_type`` and its number of data rows."""
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ).timestamp()
    accounts = ("BASIC", "OPERATION", "FEES") if account_type == "ALL" else (account_type,)
    marks = ",".join("?" * len(accounts))
    # The running balance per account over the whole ledger, then the day's rows of it.
    rows = sandbox.state.query(
        "SELECT * FROM (SELECT f.*, SUM(CASE income WHEN 1 THEN amount ELSE -amount END)"
        " OVER (PARTITION BY account ORDER BY id) AS balance FROM pay_fund_flows f"
        f" WHERE mchid = ? AND account IN ({marks}) AND booked_at < ?)"
        " WHERE booked_at >= ? ORDER BY id",
        (mchid, *accounts, start + 86400, start),
    )
    ymd = day.strftime("%Y%m%d")
    lines = [HEADER]
    incomes = expenses = income_sum = expense_sum = 0
    for r in rows:
        lines.append(
            _row(
                [
                    datetime.fromtimestamp(r["booked_at"], CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"),
                    r["business_no"],
                    f"{mchid}{ymd}{r['id']:010d}",
                    r["business_name"],
                    r["business_type"],
                    "收入" if r["income"] else "支出",
                    _yuan(r["amount"]),
                    _yuan(r["balance"]),
                    "system",
                    r["remark"],
                    r["voucher_no"],
                ]
            )
        )
        if r["income"]:
            incomes, income_sum = incomes + 1, income_sum + r["amount"]
        else:
            expenses, expense_sum = expenses + 1, expense_sum + r["amount"]
    lines.append(SUMMARY_HEADER)
    lines.append(_row([str(len(rows)), str(incomes), _yuan(income_sum), str(expenses), _yuan(expense_sum)]))
    return "\r\n".join(lines) + "\r\n", len(rows)
