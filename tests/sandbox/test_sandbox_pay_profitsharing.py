"""Profit sharing (分账) against the sandbox with wechatpayv3 as the independent peer: receivers, shares capped
by the max ratio, returns bounded by what was shared, unfreeze, idempotency, and the refusals."""

import itertools
import json

import pytest
from pay_client import PayClient
from test_sandbox_pay_peer import peer

RECEIVER_MCHID = "86693852"
_numbers = itertools.count(1)


@pytest.fixture
def ps(shared_handle):
    return peer(shared_handle)


def paid(sb, wxpay, total=100000, *, profit_sharing=True, wait=61):
    """A NATIVE payment (settle_info.profit_sharing as given) paid by lihua; its transaction_id."""
    out_trade_no = f"PS{next(_numbers):08d}X"
    settle = {"profit_sharing": profit_sharing}
    code, message = wxpay.pay(
        description="显示器 27 寸", out_trade_no=out_trade_no, amount={"total": total}, settle_info=settle
    )
    assert code == 200, message
    done = sb.control(
        "POST", "pay/confirm", json={"code_url": json.loads(message)["code_url"], "user_id": "lihua"}
    )
    if wait:
        sb.control("POST", "clock/advance", json={"seconds": wait})
    return done["transaction"]["transaction_id"]


def openid(sb, user="xiaoming"):
    return sb.openid(user, sb.config.apps[0].appid)


def add_receivers(sb, wxpay):
    code, message = wxpay.profitsharing_add_receiver(
        "MERCHANT_ID", RECEIVER_MCHID, "PARTNER", name="深圳渠道商有限公司"
    )
    assert code == 200, message
    assert json.loads(message)["account"] == RECEIVER_MCHID
    code, message = wxpay.profitsharing_add_receiver("PERSONAL_OPENID", openid(sb), "DISTRIBUTOR")
    assert code == 200, message


def share(wxpay, transaction_id, out_order_no, amounts, unfreeze=False, sb=None):
    receivers = [
        {"type": "MERCHANT_ID", "account": RECEIVER_MCHID, "amount": amounts[0], "description": "渠道佣金"}
    ]
    if len(amounts) > 1:
        receivers.append(
            {
                "type": "PERSONAL_OPENID",
                "account": openid(sb),
                "amount": amounts[1],
                "description": "分享员佣金",
            }
        )
    code, message = wxpay.profitsharing_order(transaction_id, out_order_no, receivers, unfreeze)
    return code, json.loads(message)


def unsplit(wxpay, transaction_id):
    code, message = wxpay.profitsharing_amount_query(transaction_id)
    assert code == 200, message
    return json.loads(message)["unsplit_amount"]


def test_share_query_finish_return_and_unfreeze(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps, 100000)
    assert unsplit(ps, tid) == 100000
    code, order = share(ps, tid, "SO-1", [20000, 5000], sb=shared_handle)
    assert code == 200, order
    assert order["state"] == "PROCESSING" and order["out_order_no"] == "SO-1" and order["order_id"]
    assert [(r["account"], r["amount"], r["result"]) for r in order["receivers"]] == [
        (RECEIVER_MCHID, 20000, "PENDING"), (openid(shared_handle), 5000, "PENDING")]  # fmt: skip
    assert unsplit(ps, tid) == 75000
    shared_handle.control("POST", "clock/advance", json={"seconds": 3})
    code, message = ps.profitsharing_order_query(tid, "SO-1")
    assert code == 200
    assert json.loads(message)["state"] == "FINISHED"
    assert {r["result"] for r in json.loads(message)["receivers"]} == {"SUCCESS"}

    code, message = ps.profitsharing_return("RT-1", RECEIVER_MCHID, 8000, "用户退款", out_order_no="SO-1")
    assert code == 200, message
    assert json.loads(message)["result"] == "SUCCESS" and json.loads(message)["amount"] == 8000
    code, message = ps.profitsharing_return("RT-2", RECEIVER_MCHID, 12001, "用户退款", out_order_no="SO-1")
    assert code == 400 and json.loads(message)["code"] == "INVALID_REQUEST"
    assert "回退金额超过分账金额" in json.loads(message)["message"]
    code, message = ps.profitsharing_return(
        "RT-2", openid(shared_handle), 100, "个人不能回退", out_order_no="SO-1"
    )
    assert code == 400  # only MERCHANT_ID receivers can be returned
    code, message = ps.profitsharing_return_query("SO-1", "RT-1")
    assert code == 200 and json.loads(message)["amount"] == 8000

    code, message = ps.profitsharing_unfreeze(tid, "UF-1", "解冻剩余资金")
    assert code == 200, message
    lines = json.loads(message)["receivers"]
    assert lines[-1]["account"] == shared_handle.merchant.mchid and lines[-1]["amount"] == 75000
    assert unsplit(ps, tid) == 0
    code, later = share(ps, tid, "SO-2", [100])
    assert code == 400 and later["code"] == "INVALID_REQUEST" and "分账完结" in later["message"]


def test_split_before_the_receiver_is_added(shared_handle, ps):
    tid = paid(shared_handle, ps)
    ps.profitsharing_delete_receiver("MERCHANT_ID", RECEIVER_MCHID)
    code, answer = share(ps, tid, "SO-NR", [100])
    assert code == 400 and "分账接收方关系不存在" in answer["message"]
    assert unsplit(ps, tid) == 100000  # nothing moved


def test_over_split_beyond_the_max_ratio_and_the_cap_after_a_refund(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps, 100000)
    code, answer = share(ps, tid, "SO-OVER", [30001])
    assert code == 400 and "最大分账比例" in answer["message"]
    code, message = ps.refund(
        out_refund_no=f"RFPS{next(_numbers):06d}", amount={"refund": 50000, "total": 100000, "currency": "CNY"},
        transaction_id=tid,
    )  # fmt: skip
    assert code == 200, message
    code, answer = share(ps, tid, "SO-CAP", [15001])  # 30 % of the 50000 left
    assert code == 400 and "最大分账比例" in answer["message"]
    code, answer = share(ps, tid, "SO-CAP", [15000])
    assert code == 200, answer


def test_same_out_order_no_is_idempotent_and_another_body_is_refused(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps)
    first = share(ps, tid, "SO-DUP", [1000])
    again = share(ps, tid, "SO-DUP", [1000])
    assert first[0] == again[0] == 200 and first[1]["order_id"] == again[1]["order_id"]
    assert unsplit(ps, tid) == 99000  # shared once
    code, other = share(ps, tid, "SO-DUP", [2000])
    assert code == 400 and "不一致" in other["message"]


def test_unfreeze_unsplit_ends_sharing_with_the_merchant_line(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps, 50000)
    code, order = share(ps, tid, "SO-UU", [1000], unfreeze=True)
    assert code == 200
    assert order["receivers"][-1]["account"] == shared_handle.merchant.mchid
    assert order["receivers"][-1]["amount"] == 49000
    assert unsplit(ps, tid) == 0
    code, answer = share(ps, tid, "SO-UU2", [1000])
    assert code == 400 and "分账完结" in answer["message"]


def test_non_sharing_transaction_too_early_and_auto_unfreeze(shared_handle, ps):
    add_receivers(shared_handle, ps)
    plain = paid(shared_handle, ps, profit_sharing=False)
    code, answer = share(ps, plain, "SO-PLAIN", [100])
    assert code == 400 and "非分账订单不支持分账" in answer["message"]
    assert unsplit(ps, plain) == 0
    early = paid(shared_handle, ps, wait=0)
    code, answer = share(ps, early, "SO-EARLY", [100])
    assert code == 400 and "订单处理中" in answer["message"]
    shared_handle.control("POST", "clock/advance", json={"seconds": 30 * 86400 + 61})
    assert unsplit(ps, early) == 0  # frozen funds unfreeze by themselves after 30 days
    code, answer = share(ps, early, "SO-LATE", [100])
    assert code == 400 and "分账完结" in answer["message"]


def test_unknown_orders_and_bad_fields(shared_handle, ps):
    code, message = ps.profitsharing_order_query("4200000000000000000000000000", "SO-NONE")
    assert code == 404 and json.loads(message)["code"] == "RESOURCE_NOT_EXISTS"
    code, message = ps.profitsharing_amount_query("4200000000000000000000000000")
    assert code == 404
    client = PayClient(shared_handle)
    body = {"appid": shared_handle.config.apps[0].appid, "type": "MERCHANT_ID", "account": RECEIVER_MCHID,
            "name": "bm90IGVuY3J5cHRlZA==", "relation_type": "PARTNER"}  # fmt: skip
    headers = {"Wechatpay-Serial": shared_handle.merchant.platform_public_key_id}
    answer = client.request("POST", "/v3/profitsharing/receivers/add", body, headers=headers)
    assert answer.status_code == 400 and answer.json()["code"] == "PARAM_ERROR"  # the name is not OAEP
    answer = client.request("POST", "/v3/profitsharing/receivers/add", body | {"name": None})
    assert answer.status_code == 400  # MERCHANT_ID needs its name
    answer = client.request("POST", "/v3/profitsharing/receivers/add", body | {"type": "BANK"})
    assert answer.status_code == 400
    tid = paid(shared_handle, ps)
    bad = {"appid": body["appid"], "transaction_id": tid, "out_order_no": "bad no!", "unfreeze_unsplit": False,
           "receivers": [{"type": "MERCHANT_ID", "account": RECEIVER_MCHID, "amount": 1, "description": "x"}]}  # fmt: skip
    assert client.request("POST", "/v3/profitsharing/orders", bad).status_code == 400


def test_forged_signature_is_refused_and_nothing_is_shared(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps)
    body = {"appid": shared_handle.config.apps[0].appid, "transaction_id": tid, "out_order_no": "SO-FORGED",
            "unfreeze_unsplit": False,
            "receivers": [{"type": "MERCHANT_ID", "account": RECEIVER_MCHID, "amount": 1, "description": "x"}]}  # fmt: skip
    forged = PayClient(shared_handle).request(
        "POST", "/v3/profitsharing/orders", body, key=shared_handle.merchant.platform_private_key_pem
    )
    assert forged.status_code == 401 and forged.json()["code"] == "SIGN_ERROR"
    assert unsplit(ps, tid) == 100000
