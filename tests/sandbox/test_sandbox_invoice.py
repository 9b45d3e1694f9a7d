"""wxsandbox's e-invoice surface (card/invoice, reference §1) and its fake invoicing platform, on the wire:
the order state table (never auth, rejected, inserted once), the multipart PDF field, card status
transitions, titles; the platform's signatures, idempotency on request_no and red-letter reversals."""

from __future__ import annotations

import json
import secrets
import time

import pytest

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.fapiao.api import sign


@pytest.fixture(scope="module")
def sb(wxsandbox_session):
    return wxsandbox_session


@pytest.fixture(scope="module")
def oa(sb):
    app = sb.app_of_kind(OFFICIAL_ACCOUNT)
    return {"appid": app.appid, "params": {"access_token": sb.access_token(app)}}


def call(sb, oa, path, body=None, **params):
    return sb.client.post(f"/card/invoice/{path}", params=oa["params"] | params, json=body or {}).json()


@pytest.fixture(scope="module")
def s_pappid(sb, oa):
    url = call(sb, oa, "seturl")["invoice_url"]
    assert call(sb, oa, "seturl")["invoice_url"] == url  # stable per platform
    return url.split("s_pappid=")[1]


def auth_url(sb, oa, s_pappid, order_id, money=599900):
    ticket = sb.client.get("/cgi-bin/ticket/getticket", params=oa["params"] | {"type": "wx_card"}).json()
    body = {"s_pappid": s_pappid, "order_id": order_id, "money": money, "timestamp": int(time.time())}
    body |= {"source": "web", "type": 0, "ticket": ticket["ticket"]}
    return call(sb, oa, "getauthurl", body)


def test_the_order_state_table(sb, oa, s_pappid):
    order_id = "T" + secrets.token_hex(6)
    answer = auth_url(sb, oa, s_pappid, order_id)
    if answer["errcode"] == 72063:  # the contact must be set first (the first test in the module)
        call(sb, oa, "setbizattr", {"contact": {"phone": "0755", "time_out": 7200}}, action="set_contact")
        answer = auth_url(sb, oa, s_pappid, order_id)
    assert answer["errcode"] == 0 and "/bizmall/authinvoice?" in answer["auth_url"]
    assert call(sb, oa, "getauthdata", {"s_pappid": s_pappid, "order_id": order_id})["invoice_status"] == (
        "never auth"
    )
    assert (
        call(sb, oa, "rejectinsert", {"s_pappid": s_pappid, "order_id": order_id, "reason": "x"})["errcode"]
        == 72038
    )
    assert sb.invoice_consent(answer["auth_url"], "lihua") == 200
    data = call(sb, oa, "getauthdata", {"s_pappid": s_pappid, "order_id": order_id})
    assert data["invoice_status"] == "auth success"
    assert (
        call(sb, oa, "rejectinsert", {"s_pappid": s_pappid, "order_id": order_id, "reason": "重复开票"})[
            "errcode"
        ]
        == 0
    )
    assert call(sb, oa, "getauthdata", {"s_pappid": s_pappid, "order_id": order_id})["errcode"] == 72035
    assert auth_url(sb, oa, s_pappid, order_id)["errcode"] == 72035  # a rejected order id is dead


def test_pdf_insert_once_and_card_status(sb, oa, s_pappid):
    order_id = "T" + secrets.token_hex(6)
    call(sb, oa, "setbizattr", {"contact": {"phone": "0755", "time_out": 7200}}, action="set_contact")
    assert sb.invoice_consent(auth_url(sb, oa, s_pappid, order_id)["auth_url"], "lihua") == 200
    card_id = call(
        sb,
        oa,
        "platform/createcard",
        {
            "invoice_info": {
                "base_info": {"logo_url": "http://x/0", "title": "沙箱"},
                "payee": "沙箱",
                "type": "普票",
            }
        },
    )["card_id"]
    pdf = b"%PDF-1.4 sandbox"
    wrong = sb.client.post(
        "/card/invoice/platform/setpdf",
        params=oa["params"],
        files={"media": ("a.pdf", pdf, "application/pdf")},
    )
    assert wrong.json()["errcode"] == 47001  # the part must be named pdf
    media = sb.client.post(
        "/card/invoice/platform/setpdf", params=oa["params"], files={"pdf": ("a.pdf", pdf, "application/pdf")}
    ).json()["s_media_id"]
    data = {
        "fee": 100,
        "title": "某公司",
        "billing_time": int(time.time()),
        "billing_no": secrets.token_hex(10),
    }
    data |= {"billing_code": "", "fee_without_tax": 88, "tax": 12, "s_pdf_media_id": media}
    body = {"order_id": order_id, "card_id": card_id, "appid": oa["appid"]}
    body["card_ext"] = {"nonce_str": "n", "user_card": {"invoice_user_data": data | {"tax": 13}}}
    assert call(sb, oa, "insert", body)["errcode"] == 72031  # fee ≠ fee_without_tax + tax
    body["card_ext"]["user_card"]["invoice_user_data"] = data
    inserted = call(sb, oa, "insert", body)
    assert inserted["errcode"] == 0 and inserted["openid"] == sb.openid("lihua", oa["appid"])
    assert call(sb, oa, "insert", body)["errcode"] == 72018
    status = {"card_id": card_id, "code": inserted["code"], "reimburse_status": "INVOICE_REIMBURSE_CANCEL"}
    assert call(sb, oa, "platform/updatestatus", status)["errcode"] == 0
    assert (
        call(sb, oa, "platform/updatestatus", status | {"reimburse_status": "INVOICE_REIMBURSE_INIT"})[
            "errcode"
        ]
        == 72060
    )
    assert call(sb, oa, "platform/updatestatus", status | {"code": data["billing_no"]})["errcode"] == 72038
    cards = sb.control("GET", "invoice/cards", params={"user": "lihua"})["cards"]
    assert any(c["code"] == inserted["code"] and c["reimburse_status"].endswith("CANCEL") for c in cards)


def test_saved_titles_and_scantitle(sb, oa):
    saved = sb.control(
        "POST",
        "invoice/titles",
        json={"user": "wangfang", "title": "某某有限公司", "tax_no": "91440300708461136T"},
    )["title"]
    scanned = call(
        sb, oa, "scantitle", {"scan_text": f"https://x/usertitlewxa?invoice_key={saved['invoice_key']}"}
    )
    assert (scanned["title_type"], scanned["tax_no"]) == (0, "91440300708461136T")
    assert (
        call(sb, oa, "scantitle", {"scan_text": "https://x/usertitlewxa?invoice_key=nope"})["errcode"]
        == 72044
    )
    bad = call(sb, oa, "biz/getusertitleurl", {"title": "某公司", "tax_no": "123"})
    assert bad["errcode"] == 72031  # tax_no must be 15–20 digits or letters
    assert (
        "select_title_key=" in call(sb, oa, "biz/getselecttitleurl", {"attach": "a", "biz_name": "店"})["url"]
    )


def platform_call(sb, method, path, payload=None, *, secret=None, nonce=None):
    creds = sb.control("GET", "fapiao/credentials")
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    timestamp, nonce = str(int(time.time())), nonce or secrets.token_hex(8)
    headers = {
        "X-Fapiao-App": creds["app_key"],
        "X-Fapiao-Timestamp": timestamp,
        "X-Fapiao-Nonce": nonce,
        "X-Fapiao-Signature": sign(secret or creds["app_secret"], method, path, timestamp, nonce, body),
    }
    return sb.client.request(method, path, content=body or None, headers=headers)


def blue(request_no, **changes):
    line = {"name": "笔记本", "unit": "台", "quantity": 1, "amount": 530885, "tax": 69015, "tax_rate": 1300}
    payload = {
        "request_no": request_no,
        "invoice_type": "normal",
        "buyer": {"type": "individual", "name": "王小明"},
        "lines": [line],
        "amount": 530885,
        "tax": 69015,
        "total": 599900,
    }
    return payload | changes


def test_the_platform_signs_issues_once_and_reverses(sb):
    no = "FPT" + secrets.token_hex(5)
    assert platform_call(sb, "POST", "/fapiao/v1/invoices", blue(no), secret="wrong").status_code == 401
    first = platform_call(sb, "POST", "/fapiao/v1/invoices", blue(no), nonce="n-" + no)
    assert first.status_code == 200 and len(first.json()["invoice_no"]) == 20
    replayed = platform_call(sb, "POST", "/fapiao/v1/invoices", blue(no), nonce="n-" + no)
    assert replayed.status_code == 401 and replayed.json()["code"] == "NONCE_REPLAYED"
    again = platform_call(sb, "POST", "/fapiao/v1/invoices", blue(no))
    assert again.json()["invoice_no"] == first.json()["invoice_no"]  # a retry: the same invoice
    other = platform_call(
        sb, "POST", "/fapiao/v1/invoices", blue(no, buyer={"type": "individual", "name": "李华"})
    )
    assert other.status_code == 409 and other.json()["code"] == "REQUEST_NO_CONFLICT"
    wrong_tax = blue("FPT" + secrets.token_hex(5))
    wrong_tax["lines"][0]["tax"] = 60000
    assert platform_call(sb, "POST", "/fapiao/v1/invoices", wrong_tax).json()["code"] == "TAX_MISMATCH"
    special = blue("FPT" + secrets.token_hex(5), invoice_type="special")
    assert platform_call(sb, "POST", "/fapiao/v1/invoices", special).status_code == 400  # no bank details
    red = platform_call(
        sb, "POST", f"/fapiao/v1/invoices/{no}/red", {"red_request_no": no + "R", "reason": "退款"}
    )
    assert red.status_code == 200 and red.json()["total"] == -599900
    twice = platform_call(
        sb, "POST", f"/fapiao/v1/invoices/{no}/red", {"red_request_no": no + "X", "reason": "x"}
    )
    assert twice.status_code == 409 and twice.json()["code"] == "ALREADY_REVERSED"
    assert platform_call(sb, "GET", f"/fapiao/v1/invoices/{no}").json()["status"] == "reversed"
    pdf = platform_call(sb, "GET", f"/fapiao/v1/invoices/{no}R/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert platform_call(sb, "GET", "/fapiao/v1/invoices/NOSUCH00").status_code == 404
