"""Mini Program codes (getwxacodeunlimit / getwxacode) and link queries (query_urllink / queryscheme):
wechat-kf-security-shipping.md §6.2-§6.4. Images are decoded with zxing-cpp, not read from a header."""

import io

import pytest
import zxingcpp
from PIL import Image
from tests.sandbox.test_sandbox_mp_messaging import Api


@pytest.fixture
def api(wxsandbox):
    return Api(wxsandbox)


@pytest.fixture
def shared_api(sb):
    return Api(sb)


def decode(image: bytes) -> str:
    picture = Image.open(io.BytesIO(image))
    if picture.mode == "RGBA":  # a transparent code is read on white, as a phone shows it
        white = Image.new("RGB", picture.size, (255, 255, 255))
        white.paste(picture, mask=picture.split()[3])
        picture = white
    (found,) = zxingcpp.read_barcodes(picture)
    return found.text


def code(sb, app, body, path="/wxa/getwxacodeunlimit"):
    return sb.client.post(path, params={"access_token": sb.access_token(app)}, json=body)


def test_unlimited_code_is_a_jpeg_that_decodes_to_page_and_scene(wxsandbox, mp):
    image = code(wxsandbox, mp, {"scene": "sku=42&ch=poster", "page": "pages/product/detail", "width": 430})
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"
    url = decode(image.content)
    assert url == image.headers["x-wxsandbox-qr-url"]
    target = wxsandbox.control("POST", "mp/links/resolve", json={"link": url})
    assert (target["kind"], target["appid"], target["path"], target["query"]) == (
        "wxacode",
        mp.appid,
        "pages/product/detail",
        "scene=sku=42&ch=poster",
    )
    width = Image.open(io.BytesIO(image.content)).width
    assert 280 <= width <= 430


def test_hyaline_code_is_a_transparent_png_in_the_line_colour(wxsandbox, mp):
    body = {"scene": "a=1", "is_hyaline": True, "line_color": {"r": 0, "g": 0, "b": 128}, "width": 600}
    image = code(wxsandbox, mp, body)
    assert image.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(image.content))
    assert picture.mode == "RGBA" and picture.getpixel((0, 0))[3] == 0
    assert {pixel[:3] for pixel in picture.get_flattened_data() if pixel[3]} == {(0, 0, 128)}
    assert wxsandbox.control("POST", "mp/links/resolve", json={"link": decode(image.content)})["query"] == (
        "scene=a=1"
    )


def test_check_path_follows_the_released_pages(wxsandbox, mp):
    wxsandbox.control(
        "POST", "mp/settings", json={"released_pages": {mp.appid: ["pages/index/index", "pages/p/d"]}}
    )
    refused = code(wxsandbox, mp, {"scene": "a", "page": "pages/draft/new"})
    assert refused.headers["content-type"].startswith("application/json")
    assert refused.json()["errcode"] == 41030
    unchecked = code(wxsandbox, mp, {"scene": "a", "page": "pages/draft/new", "check_path": False})
    assert unchecked.headers["content-type"] == "image/jpeg"
    home = code(wxsandbox, mp, {"scene": "a"})
    assert wxsandbox.control("POST", "mp/links/resolve", json={"link": decode(home.content)})["path"] == (
        "pages/index/index"
    )


def test_the_minute_quota_and_the_limited_total(wxsandbox, mp):
    wxsandbox.control("POST", "mp/settings", json={"wxacode_per_minute": 2, "wxacode_limited_total": 1})
    for _ in range(2):
        assert code(wxsandbox, mp, {"scene": "a"}).headers["content-type"] == "image/jpeg"
    assert code(wxsandbox, mp, {"scene": "a"}).json()["errcode"] == 45009
    wxsandbox.advance_clock(61)
    assert code(wxsandbox, mp, {"scene": "a"}).headers["content-type"] == "image/jpeg"
    limited = {"path": "pages/index/index?from=desk"}
    first = code(wxsandbox, mp, limited, "/wxa/getwxacode")
    target = wxsandbox.control("POST", "mp/links/resolve", json={"link": decode(first.content)})
    assert (target["path"], target["query"]) == ("pages/index/index", "from=desk")
    assert code(wxsandbox, mp, limited, "/wxa/getwxacode").json()["errcode"] == 45029
    wxsandbox.advance_clock(86400 * 2)
    assert code(wxsandbox, mp, limited, "/wxa/getwxacode").json()["errcode"] == 45029  # ever, not daily


@pytest.mark.parametrize(
    ("path", "body", "errcode"),
    [
        ("/wxa/getwxacodeunlimit", {"scene": "x" * 33}, 40169),
        ("/wxa/getwxacodeunlimit", {}, 40169),
        ("/wxa/getwxacodeunlimit", {"scene": ""}, 40169),
        ("/wxa/getwxacodeunlimit", {"scene": 12}, 40169),
        ("/wxa/getwxacodeunlimit", {"scene": "中文"}, 40129),
        ("/wxa/getwxacodeunlimit", {"scene": "a b"}, 40129),
        ("/wxa/getwxacodeunlimit", {"scene": "a=1&scancode_time=2"}, 85096),
        ("/wxa/getwxacodeunlimit", {"scene": "a", "page": "/pages/a"}, 41030),
        ("/wxa/getwxacodeunlimit", {"scene": "a", "page": "pages/a?x=1"}, 41030),
        ("/wxa/getwxacodeunlimit", {"scene": "a", "page": "pages/<script>"}, 41030),
        ("/wxa/getwxacodeunlimit", {"scene": "a", "width": 100}, 40097),
        ("/wxa/getwxacodeunlimit", {"scene": "a", "width": 1281}, 40097),
        ("/wxa/getwxacodeunlimit", {"scene": "a", "width": True}, 40097),
        ("/wxa/getwxacodeunlimit", {"scene": "a", "env_version": "beta"}, 40097),
        ("/wxa/getwxacodeunlimit", {"scene": "a", "line_color": {"r": 300}}, 40097),
        ("/wxa/getwxacodeunlimit", {"scene": "a", "is_hyaline": "yes"}, 40097),
        ("/wxa/getwxacode", {"path": "p" * 1025}, 40159),
        ("/wxa/getwxacode", {}, 40159),
        ("/wxa/getwxacode", {"path": "/pages/a"}, 41030),
    ],
)
def test_code_errors_are_json(shared_api, mp, path, body, errcode):
    assert shared_api.post(mp, path, body)["errcode"] == errcode


def test_codes_and_queries_are_mini_program_apis(shared_api, oa):
    assert shared_api.post(oa, "/wxa/getwxacodeunlimit", {"scene": "a"})["errcode"] == 48001
    assert shared_api.post(oa, "/wxa/query_urllink", {"url_link": "https://wxaurl.cn/x"})["errcode"] == 48001


def test_query_urllink_and_scheme_report_the_link_and_the_visits_left(wxsandbox, api, mp):
    wxsandbox.control("POST", "mp/settings", json={"link_open_quota": 10})
    url = api.post(mp, "/wxa/generate_urllink", {"path": "pages/index/index", "query": "wxl=abc"})["url_link"]
    scheme = api.post(
        mp,
        "/wxa/generatescheme",
        {"jump_wxa": {"path": "pages/index/index"}, "expire_type": 1, "expire_interval": 2},
    )["openlink"]
    now = int(wxsandbox.control("GET", "clock")["now"])
    answer = api.post(mp, "/wxa/query_urllink", {"url_link": url, "query_type": 0})
    info = answer["url_link_info"]
    assert answer["errcode"] == 0 and (info["appid"], info["path"], info["query"]) == (
        mp.appid,
        "pages/index/index",
        "wxl=abc",
    )
    assert info["env_version"] == "release" and abs(info["create_time"] - now) <= 1
    assert abs(info["expire_time"] - (now + 30 * 86400)) <= 1
    assert answer["quota_info"]["remain_visit_quota"] == 10 and "cloud_base" in info
    wxsandbox.control("POST", "mp/links/resolve", json={"link": url})
    wxsandbox.control("POST", "mp/links/resolve", json={"link": scheme})
    answer = api.post(mp, "/wxa/queryscheme", {"scheme": scheme})
    assert abs(answer["scheme_info"]["expire_time"] - (now + 2 * 86400)) <= 1
    assert answer["quota_info"]["remain_visit_quota"] == 8  # opens of links and schemes share the quota


@pytest.mark.parametrize(
    ("path", "body", "errcode"),
    [
        ("/wxa/query_urllink", {"url_link": "https://wxaurl.cn/neverMade"}, 85403),
        ("/wxa/query_urllink", {"url_link": "https://evil.example/x"}, 40097),
        ("/wxa/query_urllink", {}, 40097),
        ("/wxa/query_urllink", {"url_link": "https://wxaurl.cn/x", "query_type": 7}, 40097),
        ("/wxa/queryscheme", {"scheme": "weixin://dl/business/?t=neverMade"}, 85403),
        ("/wxa/queryscheme", {"scheme": 5}, 40097),
    ],
)
def test_link_query_errors(shared_api, mp, path, body, errcode):
    assert shared_api.post(mp, path, body)["errcode"] == errcode


@pytest.mark.parametrize("hyaline", [False, True])
def test_the_phone_scans_a_code_image_to_its_page_and_scene(wxsandbox, mp, hyaline):
    image = code(wxsandbox, mp, {"scene": "wxl=abc", "page": "pages/index/index", "is_hyaline": hyaline})
    scanned = wxsandbox.client.post(
        "/sandbox/phone/scan-image",
        content=image.content,
        headers={"content-type": image.headers["content-type"]},
    ).json()
    assert scanned["kind"] == "link"
    assert (scanned["link"]["path"], scanned["link"]["query"]) == ("pages/index/index", "scene=wxl=abc")


def test_released_pages_must_be_lists_of_pages(sb):
    refused = sb.client.post("/sandbox/mp/settings", json={"released_pages": {"wx1": "pages/index/index"}})
    assert refused.status_code == 400
