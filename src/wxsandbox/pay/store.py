"""Pay state: orders, refunds, bill files (tables in the sandbox's SQLite DB)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from wxsandbox.clock import CHINA_TZ

SCHEMA = """
CREATE TABLE IF NOT EXISTS pay_orders (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    mchid            TEXT    NOT NULL,
    appid            TEXT    NOT NULL,
    out_trade_no     TEXT    NOT NULL,
    trade_type       TEXT    NOT NULL,             -- JSAPI | NATIVE | APP | MWEB
    description      TEXT    NOT NULL,
    attach           TEXT    NOT NULL DEFAULT '',
    notify_url       TEXT    NOT NULL,
    amount_total     INTEGER NOT NULL CHECK (amount_total > 0),
    currency         TEXT    NOT NULL DEFAULT 'CNY',
    payer_openid     TEXT    NOT NULL DEFAULT '',
    payer_user_id    TEXT    NOT NULL DEFAULT '',
    device_id        TEXT    NOT NULL DEFAULT '',
    request_digest   TEXT    NOT NULL,             -- canonical request body: same params ⇒ same prepay
    prepay_id        TEXT    NOT NULL UNIQUE,
    code_url         TEXT    UNIQUE,
    h5_url           TEXT,
    trade_state      TEXT    NOT NULL DEFAULT 'NOTPAY',
    transaction_id   TEXT    UNIQUE,
    bank_type        TEXT    NOT NULL DEFAULT '',
    payer_total      INTEGER,
    success_time     REAL,
    refunded_total   INTEGER NOT NULL DEFAULT 0 CHECK (refunded_total >= 0),
    created_at       REAL    NOT NULL,
    expire_at        REAL    NOT NULL,
    closed_at        REAL,
    UNIQUE (mchid, out_trade_no),
    CHECK (refunded_total <= amount_total)
);
CREATE TABLE IF NOT EXISTS pay_refunds (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    mchid            TEXT    NOT NULL,
    order_id         INTEGER NOT NULL REFERENCES pay_orders (id),
    out_refund_no    TEXT    NOT NULL,
    refund_id        TEXT    NOT NULL UNIQUE,
    amount_refund    INTEGER NOT NULL CHECK (amount_refund > 0),
    reason           TEXT    NOT NULL DEFAULT '',
    notify_url       TEXT    NOT NULL DEFAULT '',
    request_digest   TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'PROCESSING',
    created_at       REAL    NOT NULL,
    success_at       REAL,                          -- when PROCESSING turns SUCCESS (sandbox time)
    settle_real      REAL,                          -- same moment in wall-clock time, scaled by time_factor
    UNIQUE (mchid, out_refund_no)
);
-- A merchant's available balance, in fen, only when a test or the phone UI has set one: no row means
-- the balance never runs short. Payments credit it, refunds debit it (guarded), closed refunds credit back.
CREATE TABLE IF NOT EXISTS pay_balances (
    mchid       TEXT PRIMARY KEY,
    balance     INTEGER NOT NULL CHECK (balance >= 0)
);
CREATE TABLE IF NOT EXISTS pay_bill_files (
    token       TEXT PRIMARY KEY,
    mchid       TEXT NOT NULL,
    content     BLOB NOT NULL,
    created_at  REAL NOT NULL
);
"""

TRADE_STATE_DESC = {
    "NOTPAY": "订单未支付",
    "SUCCESS": "支付成功",
    "REFUND": "订单发生过退款",
    "CLOSED": "订单已关闭",
    "REVOKED": "订单已撤销",
    "USERPAYING": "用户支付中",
    "PAYERROR": "支付失败",
}
PAID_STATES = ("SUCCESS", "REFUND")


def _digits(n: int) -> str:
    return str(secrets.randbelow(10**n)).zfill(n)


def new_prepay_id(now: float) -> str:
    """``wx`` + yyyymmddHHMMSS + 20 hex chars = 36 chars, like ``wx201410272009395522657a690389285100``."""
    return "wx" + datetime.fromtimestamp(now, CHINA_TZ).strftime("%Y%m%d%H%M%S") + secrets.token_hex(10)


def new_code_url() -> str:
    """``weixin://wxpay/bizpayurl?pr=`` + 9 alphanumerics (like ``JyC91EIz1``)."""
    token = secrets.token_urlsafe(12).replace("-", "").replace("_", "")
    return "weixin://wxpay/bizpayurl?pr=" + (token + secrets.token_hex(5))[:9]


def new_transaction_id(now: float) -> str:
    """28 digits: ``4200`` + 6 + yyyymmdd + 10, like ``4200000483202001042069747825``."""
    return "4200" + _digits(6) + datetime.fromtimestamp(now, CHINA_TZ).strftime("%Y%m%d") + _digits(10)


def new_refund_id(now: float) -> str:
    """29 digits like ``50200207182018070300011301001``."""
    return "5030" + _digits(5) + datetime.fromtimestamp(now, CHINA_TZ).strftime("%Y%m%d") + _digits(12)


def order_by(
    state,
    mchid: str,
    *,
    out_trade_no: str | None = None,
    transaction_id: str | None = None,
    prepay_id: str | None = None,
    code_url: str | None = None,
) -> dict[str, Any] | None:
    if out_trade_no is not None:
        row = state.one(
            "SELECT * FROM pay_orders WHERE mchid = ? AND out_trade_no = ?", (mchid, out_trade_no)
        )
    elif transaction_id is not None:
        row = state.one(
            "SELECT * FROM pay_orders WHERE mchid = ? AND transaction_id = ?", (mchid, transaction_id)
        )
    elif prepay_id is not None:
        row = state.one("SELECT * FROM pay_orders WHERE prepay_id = ?", (prepay_id,))
    elif code_url is not None:
        row = state.one("SELECT * FROM pay_orders WHERE code_url = ?", (code_url,))
    else:
        return None
    return dict(row) if row else None


def expire_if_due(state, order: dict[str, Any], now: float, expired_state: str) -> dict[str, Any]:
    """An unpaid order past its deadline turns ``expired_state`` (guarded update; returns the fresh row)."""
    if order["trade_state"] == "NOTPAY" and now >= order["expire_at"] and expired_state != "NOTPAY":
        state.execute(
            "UPDATE pay_orders SET trade_state = ?, closed_at = ? WHERE id = ? AND trade_state = 'NOTPAY'",
            (expired_state, now, order["id"]),
        )
        return dict(state.one("SELECT * FROM pay_orders WHERE id = ?", (order["id"],)))
    return order


def get_balance(state, mchid: str) -> int | None:
    """The merchant's set balance in fen, or None when none was set (never short)."""
    return state.scalar("SELECT balance FROM pay_balances WHERE mchid = ?", (mchid,))


def set_balance(state, mchid: str, balance: int | None) -> None:
    if balance is None:
        state.execute("DELETE FROM pay_balances WHERE mchid = ?", (mchid,))
    else:
        state.execute(
            "INSERT INTO pay_balances (mchid, balance) VALUES (?, ?)"
            " ON CONFLICT (mchid) DO UPDATE SET balance = excluded.balance",
            (mchid, balance),
        )


def credit_balance(state, mchid: str, amount: int) -> None:
    """Add to a set balance (no-op for merchants without one)."""
    state.execute("UPDATE pay_balances SET balance = balance + ? WHERE mchid = ?", (amount, mchid))


def debit_balance(state, mchid: str, amount: int) -> bool:
    """Take from a set balance if it covers ``amount`` (guarded update); True when there is no balance row."""
    if get_balance(state, mchid) is None:
        return True
    taken = state.execute(
        "UPDATE pay_balances SET balance = balance - ? WHERE mchid = ? AND balance >= ?",
        (amount, mchid, amount),
    )
    return taken.rowcount == 1
