"""Taxpayer ids (GB 32100-2015 check character, the older 15-character id) and the tax split, with the
reference's test vectors (wechat-invoice-fission.md §2.1–2.3, §2.6)."""

import pytest

from wxmall.invoicing import amounts, taxids


@pytest.mark.parametrize(
    "value",
    [
        "91350100M000100Y43",  # the standard's own example, corrected
        "9144030071526726XG",
        "91440300708461136T",
        "91110108551385082Q",
        "9144 0300 7152 6726 xg",  # spaces and lower case are what people type
        "110109500321652",  # 15 characters: division code + organisation code (check 2)
        "11010519491231002X12",  # 20: a resident id with padding, shape only
    ],
)
def test_valid_taxpayer_ids(value):
    assert taxids.problem(taxids.normalize(value)) == ""


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("91350100M000100Y4Z", "格式不正确"),  # Z is not in the alphabet
        ("91310115MA1H8R7C6D", "校验位不正确"),  # circulates as an "example"; its check is 7
        ("9144030071526726XQ", "校验位不正确"),  # one character mistyped
        ("9144030O71526726XG", "格式不正确"),  # the letter O for a zero
        ("110109500321654", "校验位不正确"),  # WeChat's own test value does not verify
        ("12345", "15、17、18 或 20 位"),
        ("", "请填写"),
    ],
)
def test_invalid_and_mistyped_taxpayer_ids(value, says):
    assert says in taxids.problem(taxids.normalize(value))


def test_reference_rounding_vectors():
    assert amounts.split_inclusive(599900, 1300) == (530885, 69015)  # a laptop
    assert amounts.split_inclusive(26700, 1300) == (23628, 3072)  # 3 mice
    assert amounts.split_inclusive(429900, 1300) == (380442, 49458)  # WeChat Pay's sample line
    lines = amounts.build_lines(
        [amounts.Goods("笔记本", 1, 599900, 1300), amounts.Goods("鼠标", 3, 26700, 1300)], 626600
    )
    assert amounts.totals(lines) == amounts.Totals(554513, 72087, 626600)  # tax summed per line


def test_an_amount_is_spread_over_lines_exactly():
    assert amounts.allocate(100, [1, 1, 1]) == [34, 33, 33]
    shares = amounts.allocate(599900 + 26700 - 12345, [599900, 26700])
    assert sum(shares) == 599900 + 26700 - 12345
    lines = amounts.build_lines([amounts.Goods("a", 1, 5, 1300), amounts.Goods("b", 1, 10**6, 1300)], 3)
    assert [line.name for line in lines] == ["b"]  # a share that rounds to nothing is no line
    with pytest.raises(ValueError):
        amounts.allocate(1, [0])


def test_tax_rate_by_category(settings):
    settings.INVOICE_TAX_RATES = {"books": 900}
    assert amounts.rate_for(["novels", "books"]) == 900
    assert amounts.rate_for(["laptops", "computers"]) == 1300
