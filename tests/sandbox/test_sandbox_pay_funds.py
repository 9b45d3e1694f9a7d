"""Fee rates per payment method and the fund-flow bill (资金账单): numbers checked by hand below."""

import csv
import gzip
import hashlib
import io

import pytest
from pay_client import PayClient


@pytest.fixture
def pay(wxsandbox):
    return PayClient(wxsandbox)


def _pay(pay, path, out_trade_no, total, user, **body):
    assert pay.request("POST", path, pay.order_body(out_trade_no, total, **body)).status_code == 200
    return pay.handle.control("POST", "pay/confirm", json={"out_trade_no": out_trade_no, "user_id": user})


def _day_of_four_methods(pay):
    """Native 5,399.00 (0.60 % → 32.39), H5 1,999.00 (1.00 % → 19.99), Mini Program 88.88 (0.60 % → 0.53),
    JSAPI 0.01 (0.60 % → 0.00); then 1,000.00 of the laptop refunded (fee share 6.00 returned) and a
    100.00 refund of the H5 order accepted and closed again."""
    h = pay.handle
    oa, mp = h.app_of_kind("official_account"), h.app_of_kind("mini_program")
    _pay(pay, "/v3/pay/transactions/native", "FUND00000001", 539900, "xiaoming")
    h5_scene = {"payer_client_ip": "203.0.113.9", "h5_info": {"type": "Wap"}}
    _pay(pay, "/v3/pay/transactions/h5", "FUND00000002", 199900, "lihua", scene_info=h5_scene)
    _pay(
        pay,
        "/v3/pay/transactions/jsapi",
        "FUND00000003",
        8888,
        "wangfang",
        appid=mp.appid,
        payer={"openid": h.openid("wangfang", mp.appid)},
    )
    _pay(
        pay,
        "/v3/pay/transactions/jsapi",
        "FUND00000004",
        1,
        "xiaoming",
        appid=oa.appid,
        payer={"openid": h.openid("xiaoming", oa.appid)},
    )
    amount = {"refund": 100000, "total": 539900, "currency": "CNY"}
    body = {"out_trade_no": "FUND00000001", "out_refund_no": "FUNDRF01", "reason": "缺货", "amount": amount}
    assert pay.request("POST", "/v3/refund/domestic/refunds", body).status_code == 200
    amount = {"refund": 10000, "total": 199900, "currency": "CNY"}
    body = {"out_trade_no": "FUND00000002", "out_refund_no": "FUNDRF02", "amount": amount}
    assert pay.request("POST", "/v3/refund/domestic/refunds", body).status_code == 200
    h.control("POST", "pay/refund-result", json={"out_refund_no": "FUNDRF02", "status": "CLOSED"})
    h.advance_clock(2)
    pay.request("GET", "/v3/refund/domestic/refunds/FUNDRF01")  # settles
    day = h.sandbox.clock.datetime().date()
    first = h.sandbox.state.scalar("SELECT MIN(booked_at) FROM pay_fund_flows")
    if h.sandbox.clock.rfc3339(first)[:10] != day.isoformat():
        pytest.skip("ran across Beijing midnight: the rows fall on two bill days")
    h.advance_clock(86400)
    return day.isoformat()


def _download(pay, path):
    pointer = pay.request("GET", path)
    assert pointer.status_code == 200 and pay.verify(pointer), pointer.text
    info = pointer.json()
    file = pay.request("GET", info["download_url"][len(pay.handle.base_url) :])
    assert file.status_code == 200 and "Wechatpay-Signature" not in file.headers
    text = gzip.decompress(file.content) if "tar_type=GZIP" in path else file.content
    assert hashlib.sha1(text).hexdigest() == info["hash_value"]
    return [[v.removeprefix("`") for v in row] for row in csv.reader(io.StringIO(text.decode()))]


def test_trade_bill_fee_column_uses_each_methods_rate(pay):
    day = _day_of_four_methods(pay)
    rows = _download(pay, f"/v3/bill/tradebill?bill_date={day}&bill_type=ALL")
    fee = {(r[6], r[9]): (r[22], r[23]) for r in rows[1:-2]}
    assert fee[("FUND00000001", "SUCCESS")] == ("32.39", "0.60%")
    assert fee[("FUND00000002", "SUCCESS")] == ("19.99", "1.00%")
    assert fee[("FUND00000003", "SUCCESS")] == ("0.53", "0.60%")
    assert fee[("FUND00000004", "SUCCESS")] == ("0.00", "0.60%")
    assert fee[("FUND00000001", "REFUND")] == ("-6.00", "0.60%")
    # 32.39 + 19.99 + 0.53 + 0.00 - 6.00 = 46.91; the closed refund is not in the trade bill.
    assert rows[-1][4] == "46.91" and rows[-1][0] == "5"


def test_fund_flow_bill_books_every_movement_with_a_running_balance(pay):
    day = _day_of_four_methods(pay)
    rows = _download(pay, f"/v3/bill/fundflowbill?bill_date={day}&account_type=BASIC&tar_type=GZIP")
    assert rows[0] == [
        "记账时间",
        "微信支付业务单号",
        "资金流水单号",
        "业务名称",
        "业务类型",
        "收支类型",
        "收支金额(元)",
        "账户结余(元)",
        "资金变更提交申请人",
        "备注",
        "业务凭证号",
    ]
    flows = [(r[3], r[4], r[5], r[6], r[7], r[10]) for r in rows[1:-2]]
    assert flows == [
        ("交易", "交易", "收入", "5399.00", "5399.00", "FUND00000001"),
        ("交易", "扣除交易手续费", "支出", "32.39", "5366.61", "FUND00000001"),
        ("交易", "交易", "收入", "1999.00", "7365.61", "FUND00000002"),
        ("交易", "扣除交易手续费", "支出", "19.99", "7345.62", "FUND00000002"),
        ("交易", "交易", "收入", "88.88", "7434.50", "FUND00000003"),
        ("交易", "扣除交易手续费", "支出", "0.53", "7433.97", "FUND00000003"),
        ("交易", "交易", "收入", "0.01", "7433.98", "FUND00000004"),  # its 0.00 fee books nothing
        ("退款", "退款", "支出", "1000.00", "6433.98", "FUNDRF01"),
        ("退款", "退还交易手续费", "收入", "6.00", "6439.98", "FUNDRF01"),
        ("退款", "退款", "支出", "100.00", "6339.98", "FUNDRF02"),
        ("退款", "退还交易手续费", "收入", "1.00", "6340.98", "FUNDRF02"),
        ("退款", "退款关闭", "收入", "100.00", "6440.98", "FUNDRF02"),
        ("交易", "扣除交易手续费", "支出", "1.00", "6439.98", "FUNDRF02"),
    ]
    refund = next(r for r in rows[1:-2] if r[4] == "退款" and r[10] == "FUNDRF01")
    assert refund[9] == "缺货" and refund[1].startswith("50") and refund[2].startswith(pay.merchant.mchid)
    assert rows[-2] == ["资金流水总笔数", "收入笔数", "收入金额", "支出笔数", "支出金额"]
    # In: 5399.00 + 1999.00 + 88.88 + 0.01 + 6.00 + 1.00 + 100.00 = 7593.89 in 7 rows;
    # out: 32.39 + 19.99 + 0.53 + 1000.00 + 100.00 + 1.00 = 1153.91 in 6 rows; 7593.89 - 1153.91 = 6439.98.
    assert rows[-1] == ["13", "7", "7593.89", "6", "1153.91"]


def test_fees_can_go_to_a_separate_fees_account(wxsandbox_factory):
    sb = wxsandbox_factory(pay={"fees_account": "FEES", "fee_rate_bp_native": 38})
    pay = PayClient(sb)
    _pay(pay, "/v3/pay/transactions/native", "FUND00000009", 10000, "lihua")
    day = sb.sandbox.clock.datetime().date().isoformat()
    sb.advance_clock(86400)
    basic = _download(pay, f"/v3/bill/fundflowbill?bill_date={day}")
    assert [(r[4], r[6]) for r in basic[1:-2]] == [("交易", "100.00")]
    fees = _download(pay, f"/v3/bill/fundflowbill?bill_date={day}&account_type=FEES")
    assert [(r[4], r[5], r[6], r[7]) for r in fees[1:-2]] == [("扣除交易手续费", "支出", "0.38", "-0.38")]
    empty = pay.request("GET", f"/v3/bill/fundflowbill?bill_date={day}&account_type=OPERATION")
    assert (empty.status_code, empty.json()["code"]) == (400, "NO_STATEMENT_EXIST")


def test_fund_flow_bill_errors(pay):
    today = pay.handle.sandbox.clock.datetime().date().isoformat()
    for query, code in [
        ("bill_date=2024/01/01", "PARAM_ERROR"),
        (f"bill_date={today}&account_type=SAVINGS", "PARAM_ERROR"),
        (f"bill_date={today}&tar_type=ZIP", "PARAM_ERROR"),
        (f"bill_date={today}", "NO_STATEMENT_EXIST"),
    ]:
        response = pay.request("GET", f"/v3/bill/fundflowbill?{query}")
        assert (response.status_code, response.json()["code"]) == (400, code), query


def test_fee_rates_are_validated(wxsandbox_factory):
    from wxsandbox.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match="fee_rate_bp_h5"):
        parse_config({"pay": {"fee_rate_bp_h5": -1}})
    with pytest.raises(ConfigError, match="fees_account"):
        parse_config({"pay": {"fees_account": "OPERATION"}})
