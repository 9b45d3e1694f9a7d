"""`client("mp").wxa`: Mini Program codes (an image on success, WeChat's JSON error otherwise) and the URL
Link query, against wxsandbox on the real wire."""

import io

import pytest
import zxingcpp
from PIL import Image

from wxmall.wechat.errors import PermanentError, QuotaError, RetryableError
from wxmall.wechat.services.base import BinaryAnswer
from wxmall.wechat.testing import token_fetches


def test_a_code_is_an_image_that_decodes_to_the_page_and_scene(wechat):
    answer = wechat.client("mp").wxa.code_unlimited("id=42&wxl=abc", "pages/product/index")
    assert isinstance(answer, BinaryAnswer) and answer.content_type == "image/jpeg"
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(answer.content)))
    opened = wechat.sandbox.control("POST", "mp/links/resolve", json={"link": decoded.text})
    assert (opened["path"], opened["query"]) == ("pages/product/index", "scene=id=42&wxl=abc")
    hyaline = wechat.client("mp").wxa.code_unlimited("a=1", hyaline=True)
    assert hyaline.content_type == "image/png" and hyaline.content.startswith(b"\x89PNG")


def test_json_errors_on_the_image_api_raise_like_any_other_call(wechat):
    wxa = wechat.client("mp").wxa
    wechat.sandbox.control("POST", "mp/settings", json={"released_pages": {wxa._client.appid: ["pages/a"]}})
    with pytest.raises(PermanentError) as refused:
        wxa.code_unlimited("a=1", "pages/missing")
    assert refused.value.errcode == 41030
    wechat.sandbox.control("POST", "mp/settings", json={"wxacode_per_minute": 1})
    wxa.code_unlimited("a=1", check_path=False)
    with pytest.raises(QuotaError):
        wxa.code_unlimited("a=1", check_path=False)
    assert len(wechat.sandbox.journal(direction="in", path_prefix="/wxa/getwxacodeunlimit")) == 3


def test_the_image_api_gets_the_busy_retry_and_the_token_retry(wechat, settings):
    wxa = wechat.client("mp").wxa
    wechat.sandbox.add_fault(target="mp.wxa.code_unlimited", errcode=-1, times=1)
    assert wxa.code_unlimited("a=1").content_type == "image/jpeg"
    wechat.sandbox.add_fault(target="mp.wxa.code_unlimited", errcode=40001, times=1)
    assert wxa.code_unlimited("a=1").content_type == "image/jpeg"
    assert token_fetches(wechat.sandbox) == 2
    wechat.sandbox.add_fault(target="mp.wxa.code_unlimited", errcode=-1)
    with pytest.raises(RetryableError):
        wxa.code_unlimited("a=1")
    calls = wechat.sandbox.journal(direction="in", path_prefix="/wxa/getwxacodeunlimit")
    assert len(calls) == 4 + settings.WECHAT_RETRY_ATTEMPTS


@pytest.mark.parametrize(
    ("scene", "page", "extra"),
    [
        ("x" * 33, "", {}),
        ("中文", "", {}),
        ("a=1&scancode_time=1", "", {}),
        ("a", "/pages/a", {}),
        ("a", "pages/a?x=1", {}),
        ("a", "", {"width": 100}),
        ("a", "", {"env_version": "beta"}),
    ],
)
def test_arguments_wechat_would_refuse_are_refused_before_the_call(wechat, scene, page, extra):
    with pytest.raises(ValueError):
        wechat.client("mp").wxa.code_unlimited(scene, page, **extra)
    assert wechat.sandbox.journal(direction="in", path_prefix="/wxa/getwxacodeunlimit") == []


def test_query_url_link(wechat):
    wxa = wechat.client("mp").wxa
    url = wxa.url_link("pages/index/index", "wxl=abc", days=3)
    info = wxa.query_url_link(url)
    assert (info.path, info.query, info.env_version) == ("pages/index/index", "wxl=abc", "release")
    assert info.expire_time - info.create_time == 3 * 86400 and info.remain_visit_quota > 0
    with pytest.raises(PermanentError) as unknown:
        wxa.query_url_link(url[:-2] + "zz")
    assert unknown.value.errcode == 85403
    with pytest.raises(ValueError):
        wxa.query_url_link("javascript:alert(1)")
