"""扫一扫 reads QR code images: ``POST /sandbox/phone/scan-image`` (zxing-cpp) against an independent encoder
(segno), over versions 1–10, every error-correction level and mask, several scales and file formats; its
errors; then in the browser, a screenshot of a checkout page showing a Native code_url is chosen, pasted
and dropped into the phone and paid.
"""

import base64
import io
import json
import random

import pytest
import segno
from PIL import Image
from playwright.sync_api import expect
from test_sandbox_phone_browser import open_phone, trade_state, wxpay
from wechatpayv3 import WeChatPayType

from wxsandbox.phone import qrimage

SCAN_IMAGE = "/sandbox/phone/scan-image"
NO_QR = "未能识别图片中的二维码（请用清晰、端正的二维码截图）"

# Bytes that fit versions 1–10 at each level (byte mode).
CAPACITY = {
    "L": [17, 32, 53, 78, 106, 134, 154, 192, 230, 271],
    "M": [14, 26, 42, 62, 84, 106, 122, 152, 180, 213],
    "Q": [11, 20, 32, 46, 60, 74, 86, 108, 130, 151],
    "H": [7, 14, 24, 34, 44, 58, 64, 84, 98, 119],
}
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/?=&.-_"


def png(qr_or_text, scale=3, border=4, **make):
    qr = segno.make(qr_or_text, error="M", **make) if isinstance(qr_or_text, str) else qr_or_text
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def codes():
    """(text, qr) for versions 1–10 × L/M/Q/H × masks 0–7; data from short to the version's capacity."""
    rng = random.Random(20241123)
    for version in range(1, 11):
        for level, capacities in CAPACITY.items():
            for mask in range(8):
                size = rng.randint(1, capacities[version - 1])
                alphabet = {3: "0123456789", 5: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"}.get(
                    mask, ALPHABET
                )
                text = "".join(rng.choice(alphabet) for _ in range(size))  # numeric/alphanumeric segments too
                qr = segno.make(text, version=version, error=level, mask=mask, boost_error=False, micro=False)
                assert (qr.version, qr.mask, qr.error) == (version, mask, level)
                yield text, qr


def scan_image(sb, body, content_type="image/png"):
    return sb.client.post(SCAN_IMAGE, content=body, headers={"content-type": content_type})


def test_every_version_level_and_mask_segno_writes_decodes_to_the_exact_text(wxsandbox):
    wrong, count = [], 0
    for text, qr in codes():
        answer = scan_image(wxsandbox, png(qr, scale=2))
        count += 1
        if answer.status_code != 200 or answer.json()["texts"] != [text]:
            wrong.append((text, qr.designator, qr.mask, answer.status_code, answer.text[:200]))
    assert not wrong, wrong[:5]
    assert count == 320


def image_bytes(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def test_utf8_scales_formats_rotation_and_transparency(wxsandbox):
    text = "沙箱电脑城 ¥5399.00 联想小新 weixin://wxpay/bizpayurl?pr=8yAeSJyHn"
    for scale, border in [(1, 4), (2, 1), (3, 4), (8, 4), (20, 2)]:
        answer = scan_image(wxsandbox, png(text, scale, border))
        assert answer.status_code == 200, (scale, border, answer.text)
        assert answer.json()["texts"] == [text]

    image = Image.open(io.BytesIO(png(text, scale=4)))
    variants = {
        "jpeg": (image_bytes(image.convert("RGB"), "JPEG", quality=60), "image/jpeg"),
        "gif": (image_bytes(image.convert("P"), "GIF"), "image/gif"),
        "webp": (image_bytes(image.convert("RGB"), "WEBP", quality=80), "image/webp"),
        "rotated": (
            image_bytes(image.convert("L").rotate(30, expand=True, fillcolor=255), "PNG"),
            "image/png",
        ),
        "no content type": (png(text), "application/octet-stream"),
    }
    # A black code on a transparent background, as design tools export it: read as if shown on white.
    out = io.BytesIO()
    segno.make(text, error="M").save(out, kind="png", scale=4, light=None)
    transparent = Image.open(io.BytesIO(out.getvalue()))
    assert transparent.mode in ("RGBA", "LA") or "transparency" in transparent.info
    variants["transparent"] = (out.getvalue(), "image/png")
    for name, (body, content_type) in variants.items():
        answer = scan_image(wxsandbox, body, content_type)
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["texts"] == [text], name


def test_the_first_code_is_classified_like_a_pasted_text(wxsandbox):
    client = wxpay(wxsandbox, WeChatPayType.NATIVE)
    code, message = client.pay(
        description="罗技 MX Master 3S 鼠标", out_trade_no="PHONEQR0002", amount={"total": 69900}
    )
    assert code == 200, message
    code_url = json.loads(message)["code_url"]

    found = scan_image(wxsandbox, png(code_url)).json()
    pasted = wxsandbox.client.post("/sandbox/phone/scan", json={"text": code_url}).json()
    assert found == {"texts": [code_url]} | pasted
    assert found["kind"] == "pay" and found["order"]["amount_total"] == 69900

    unknown = "weixin://wxpay/bizpayurl?pr=NoSuchOrder"
    assert scan_image(wxsandbox, png(unknown)).json() == {
        "texts": [unknown],
        "kind": "unknown_pay",
        "text": unknown,
    }

    # Two codes side by side: both texts, the first one read is the one classified.
    left, right = (Image.open(io.BytesIO(png(t, scale=4))) for t in ("https://example.com/a", "你好"))
    both = Image.new("L", (left.width + right.width + 40, max(left.height, right.height)), 255)
    both.paste(left, (0, 0))
    both.paste(right, (left.width + 40, 0))
    found = scan_image(wxsandbox, image_bytes(both, "PNG")).json()
    assert sorted(found["texts"]) == sorted(["https://example.com/a", "你好"])
    assert found["kind"] == ("url" if found["texts"][0].startswith("https") else "text")


def test_unreadable_bodies_get_clear_errors(wxsandbox):
    def error(body, content_type="image/png"):
        answer = scan_image(wxsandbox, body, content_type)
        return answer.status_code, answer.json()["error"], answer.json()["message"]

    assert error(b"") == (400, "not_an_image", "请选择一张二维码图片")
    assert error(b"%PDF-1.7 not a picture", "application/pdf")[:2] == (400, "not_an_image")
    assert error(png("truncated")[:60])[:2] == (400, "not_an_image")
    bmp = image_bytes(Image.new("L", (50, 50), 255), "BMP")  # Pillow reads it, but it is not one we accept
    assert error(bmp)[:2] == (400, "not_an_image")

    blank = image_bytes(Image.new("RGB", (300, 200), "white"), "PNG")
    assert error(blank) == (422, "no_qrcode", NO_QR)
    half = Image.open(io.BytesIO(png("https://example.com/half", scale=4)))
    assert error(image_bytes(half.crop((0, 0, half.width // 2, half.height)), "PNG")) == (
        422,
        "no_qrcode",
        NO_QR,
    )

    limit = wxsandbox.config.max_body_bytes
    assert error(b"\x89PNG" + b"\0" * limit) == (413, "too_large", f"body exceeds {limit} bytes")
    # A few kilobytes that decompress into 64 million pixels: refused before decoding.
    bomb = image_bytes(Image.new("1", (8000, 8000), 1), "PNG")
    assert len(bomb) < 100_000 and qrimage.MAX_PIXELS < 8000 * 8000
    assert error(bomb)[:2] == (413, "too_large")
    huge = image_bytes(Image.new("1", (14000, 14000), 1), "PNG")  # past Pillow's own bomb limit too
    assert error(huge) == (413, "too_large", "图片尺寸过大，请截取二维码附近的区域")


def checkout_screenshot(browser, code_url):
    """The hub's PC checkout: a QR code among other things; the user takes a screenshot of it."""
    desktop = browser.new_page(viewport={"width": 900, "height": 600})
    desktop.set_content(
        '<body style="font-family:sans-serif;margin:40px"><h1>请使用微信扫码支付</h1><p>应付 ¥1299.00</p>'
        f'<img src="data:image/png;base64,{base64.b64encode(png(code_url, scale=5)).decode()}">'
        "<p>二维码 2 小时内有效</p></body>"
    )
    screenshot = desktop.screenshot()
    desktop.close()
    return screenshot


def native_order(sb, out_trade_no, total=129900):
    client = wxpay(sb, WeChatPayType.NATIVE)
    code, message = client.pay(
        description="戴尔 27 英寸显示器", out_trade_no=out_trade_no, amount={"total": total}
    )
    assert code == 200, message
    return client, json.loads(message)["code_url"]


def give_image(page, how, data, name="checkout.png", mime="image/png"):
    """Choose, paste or drop a picture into 扫一扫, as a user would."""
    if how == "choose":
        page.set_input_files("#scan-file", files=[{"name": name, "mimeType": mime, "buffer": data}])
        return
    page.evaluate(
        """([how, bytes, name, mime]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
            if (how === "paste") {
              document.querySelector("#scan-input").dispatchEvent(
                new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
            } else {
              document.querySelector(".scan-body").dispatchEvent(
                new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
            }
        }""",
        [how, list(data), name, mime],
    )


@pytest.mark.browser
@pytest.mark.parametrize("how", ["choose", "paste", "drop"])
def test_screenshot_of_a_checkout_page_is_scanned_and_paid(page, browser, wxsandbox, how):
    out_trade_no = f"PHONEQR{how.upper()}"
    client, code_url = native_order(wxsandbox, out_trade_no)
    screenshot = checkout_screenshot(browser, code_url)

    open_phone(page, wxsandbox, "lihua")
    page.click(".tabbar >> text=扫一扫")
    give_image(page, how, screenshot)
    expect(page.locator("#scan-input")).to_have_value(code_url)
    expect(page.locator("#sheet-amount")).to_have_text("¥1299.00")
    page.click("#sheet-confirm")
    expect(page.locator("#scan-result")).to_have_text("支付成功")
    assert trade_state(client, out_trade_no)["trade_state"] == "SUCCESS"
    uploads = [e for e in wxsandbox.journal(direction="in") if e["target"] == SCAN_IMAGE]
    assert [e["status"] for e in uploads] == [200]

    # A picture with no QR code in it, and a file that is no picture.
    give_image(page, how, page.screenshot(clip={"x": 0, "y": 0, "width": 50, "height": 50}), "blank.png")
    expect(page.locator("#scan-result")).to_have_text(NO_QR)
    give_image(page, how, b"just text", "notes.png")
    expect(page.locator("#scan-result")).to_have_text("无法读取这张图片（支持 PNG、JPEG、GIF、WebP）")


@pytest.mark.browser
def test_a_screenshot_over_the_body_limit_is_sent_again_as_a_smaller_jpeg(page, wxsandbox):
    client, code_url = native_order(wxsandbox, "PHONEQRBIG", total=5399_00)
    # A 2400×2400 phone screenshot with faint noise (as photos and gradients have): PNG over 1 MiB.
    side, rng = 2400, random.Random(7)
    picture = Image.frombytes("L", (side, side), bytes(250 + b % 6 for b in rng.randbytes(side * side)))
    picture.paste(Image.open(io.BytesIO(png(code_url, scale=12))).convert("L"), (800, 900))
    big = image_bytes(picture, "PNG")
    assert len(big) > wxsandbox.config.max_body_bytes

    open_phone(page, wxsandbox, "xiaoming")
    page.click(".tabbar >> text=扫一扫")
    give_image(page, "choose", big, "screenshot.png")
    expect(page.locator("#sheet-amount")).to_have_text("¥5399.00")
    page.click("#sheet-cancel")
    expect(page.locator("#scan-result")).to_have_text("已取消支付")
    uploads = [e for e in wxsandbox.journal(direction="in") if e["target"] == SCAN_IMAGE]
    assert [e["status"] for e in uploads] == [413, 200]
    assert trade_state(client, "PHONEQRBIG")["trade_state"] == "NOTPAY"


@pytest.mark.browser
def test_the_accounts_own_qr_image_is_scanned_into_a_follow(page, wxsandbox):
    oa = wxsandbox.app_of_kind("official_account")
    token = wxsandbox.access_token(oa)
    qr = wxsandbox.client.post(
        f"/cgi-bin/qrcode/create?access_token={token}",
        json={"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "poster-2024"}}},
    ).json()
    image = wxsandbox.client.get("/cgi-bin/showqrcode", params={"ticket": qr["ticket"]})
    assert image.headers["content-type"] == "image/png"

    open_phone(page, wxsandbox, "wangfang")
    page.click(".tabbar >> text=扫一扫")
    give_image(page, "choose", image.content, "poster.png")
    expect(page.locator("#screen-chat")).to_be_visible()
    expect(page.locator("#follow-button")).to_have_text("取消关注")
    follower = wxsandbox.control("GET", "mp/oa/conversation", params={"user": "wangfang"})
    assert follower["following"] is True
