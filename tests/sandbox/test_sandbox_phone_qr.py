"""扫一扫 reads QR code images: the phone's decoder (static/qrdecode.js) against an independent encoder (segno),
over every version it supports, every error-correction level and mask, then end to end with a screenshot of
a checkout page showing a Native code_url.
"""

import base64
import io
import json
import random

import pytest
import segno
from playwright.sync_api import expect
from test_sandbox_phone_browser import open_phone, trade_state, wxpay
from wechatpayv3 import WeChatPayType

pytestmark = pytest.mark.browser

# Bytes that fit versions 1–10 at each level (byte mode, ≤ version 9 count field of 8 bits, 16 from 10).
CAPACITY = {
    "L": [17, 32, 53, 78, 106, 134, 154, 192, 230, 271],
    "M": [14, 26, 42, 62, 84, 106, 122, 152, 180, 213],
    "Q": [11, 20, 32, 46, 60, 74, 86, 108, 130, 151],
    "H": [7, 14, 24, 34, 44, 58, 64, 84, 98, 119],
}
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/?=&.-_"


def matrices():
    """(text, matrix) for versions 1–10 × L/M/Q/H × masks 0–7; data from short to the version's capacity."""
    rng = random.Random(20241123)
    cases = []
    for version in range(1, 11):
        for level, capacities in CAPACITY.items():
            for mask in range(8):
                size = rng.randint(1, capacities[version - 1])
                text = "".join(rng.choice(ALPHABET) for _ in range(size))
                if mask == 3:  # numeric and alphanumeric segments too
                    text = "".join(rng.choice("0123456789") for _ in range(size))
                elif mask == 5:
                    text = "".join(
                        rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:") for _ in range(size)
                    )
                qr = segno.make(text, version=version, error=level, mask=mask, boost_error=False, micro=False)
                assert (qr.version, qr.mask) == (version, mask)
                cases.append({"text": text, "matrix": [list(row) for row in qr.matrix]})
    return cases


def test_decoder_reads_every_version_level_and_mask_segno_writes(page, wxsandbox):
    open_phone(page, wxsandbox)
    cases = matrices()
    decoded = page.evaluate(
        "cases => cases.map(c => { try { return wxsandboxQr.decodeMatrix(c.matrix); }"
        " catch (e) { return 'ERROR ' + e.message; } })",
        cases,
    )
    wrong = [(c["text"], d) for c, d in zip(cases, decoded, strict=True) if c["text"] != d]
    assert not wrong, wrong[:5]
    assert len(cases) == 320


def test_decoder_reads_utf8_and_rejects_damaged_grids(page, wxsandbox):
    open_phone(page, wxsandbox)
    text = "沙箱电脑城 ¥5399.00 联想小新"
    matrix = [list(row) for row in segno.make(text, error="M").matrix]
    assert page.evaluate("m => wxsandboxQr.decodeMatrix(m)", matrix) == text
    shifted = [row[1:] + [0] for row in matrix]  # sampled one module off: no timing pattern
    assert (
        page.evaluate(
            "m => { try { return wxsandboxQr.decodeMatrix(m); } catch (e) { return null; } }", shifted
        )
        is None
    )


def png_data_url(text, scale=5, border=4):
    out = io.BytesIO()
    segno.make(text, error="M").save(out, kind="png", scale=scale, border=border)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize(("scale", "border"), [(1, 4), (3, 1), (8, 4)])
def test_decoder_reads_images_at_several_scales(page, wxsandbox, scale, border):
    open_phone(page, wxsandbox)
    text = "weixin://wxpay/bizpayurl?pr=8yAeSJyHn"
    decoded = page.evaluate(
        """async src => {
            const img = new Image(); img.src = src; await img.decode();
            const canvas = document.createElement("canvas");
            canvas.width = img.width; canvas.height = img.height;
            const ctx = canvas.getContext("2d"); ctx.drawImage(img, 0, 0);
            return wxsandboxQr.decodeImageData(ctx.getImageData(0, 0, img.width, img.height));
        }""",
        png_data_url(text, scale, border),
    )
    assert decoded == text


def test_screenshot_of_a_checkout_page_is_scanned_and_paid(page, browser, wxsandbox):
    client = wxpay(wxsandbox, WeChatPayType.NATIVE)
    code, message = client.pay(
        description="戴尔 27 英寸显示器", out_trade_no="PHONEQR0001", amount={"total": 129900}
    )
    assert code == 200, message
    code_url = json.loads(message)["code_url"]

    # The hub's PC checkout: a QR code among other things; the user takes a screenshot of it.
    desktop = browser.new_page(viewport={"width": 900, "height": 600})
    desktop.set_content(
        '<body style="font-family:sans-serif;margin:40px"><h1>请使用微信扫码支付</h1>'
        f'<p>订单 PHONEQR0001 · 应付 ¥1299.00</p><img src="{png_data_url(code_url)}"><p>二维码 2 小时内有效</p></body>'
    )
    screenshot = desktop.screenshot()
    desktop.close()

    open_phone(page, wxsandbox, "lihua")
    page.click(".tabbar >> text=扫一扫")
    page.set_input_files(
        "#scan-file", files=[{"name": "checkout.png", "mimeType": "image/png", "buffer": screenshot}]
    )
    expect(page.locator("#scan-input")).to_have_value(code_url)
    expect(page.locator("#sheet-amount")).to_have_text("¥1299.00")
    page.click("#sheet-confirm")
    expect(page.locator("#scan-result")).to_have_text("支付成功")
    assert trade_state(client, "PHONEQR0001")["trade_state"] == "SUCCESS"

    # A picture with no QR code in it.
    page.set_input_files(
        "#scan-file",
        files=[
            {
                "name": "blank.png",
                "mimeType": "image/png",
                "buffer": page.screenshot(clip={"x": 0, "y": 0, "width": 50, "height": 50}),
            }
        ],
    )
    expect(page.locator("#scan-result")).to_have_text("未能识别图片中的二维码（请用清晰、端正的二维码截图）")


def test_the_accounts_own_qr_image_is_scanned_into_a_follow(page, wxsandbox):
    oa = wxsandbox.app_of_kind("official_account")
    token = wxsandbox.client.get(
        "/cgi-bin/token", params={"grant_type": "client_credential", "appid": oa.appid, "secret": oa.secret}
    ).json()["access_token"]
    qr = wxsandbox.client.post(
        f"/cgi-bin/qrcode/create?access_token={token}",
        json={"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "poster-2024"}}},
    ).json()
    image = wxsandbox.client.get("/cgi-bin/showqrcode", params={"ticket": qr["ticket"]})
    assert image.headers["content-type"] == "image/png"

    open_phone(page, wxsandbox, "wangfang")
    page.click(".tabbar >> text=扫一扫")
    page.set_input_files(
        "#scan-file", files=[{"name": "poster.png", "mimeType": "image/png", "buffer": image.content}]
    )
    expect(page.locator("#screen-chat")).to_be_visible()
    expect(page.locator("#follow-button")).to_have_text("取消关注")
    follower = wxsandbox.control("GET", "mp/oa/conversation", params={"user": "wangfang"})
    assert follower["following"] is True
