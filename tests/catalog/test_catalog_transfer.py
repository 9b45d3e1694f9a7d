"""Products out and back in as CSV/XLSX: export is the import template; a bad file is refused row by
row in Chinese and writes nothing; a good one is previewed, then applied in one go."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from wxmall.catalog.models import SKU, Product
from wxmall.catalog.transfer import HEADERS


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _csv(rows, header=HEADERS, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _row(slug="mi-book", title="Xiaomi Book Pro 14", code="MIB-16", price="5,999", stock="8", **specs):
    return [slug, title, "laptops", "小米", "2.8K OLED", "是", code, specs.get("cpu", "Ultra 5"),
            specs.get("memory", "16GB"), "1TB", "灰", price, "", stock]  # fmt: skip


def _preview(client, data: bytes, name="products.csv"):
    return client.post(reverse("console:product_import"), {"file": SimpleUploadedFile(name, data)})


def _apply(client, preview):
    return client.post(
        reverse("console:product_import"),
        {"apply": "1", "digest": preview.context["digest"], "ext": preview.context["ext"]},
    )


def test_preview_then_apply_creates_and_updates(boss_client, shelf):
    Product.objects.filter(pk=shelf.zenbook.pk).update(slug="zenbook")
    zen = SKU.objects.get(code="ZEN-U5")
    zen_row = [
        "zenbook",
        shelf.zenbook.title,
        "laptops",
        "华硕",
        "",
        "否",
        "ZEN-U5",
        zen.cpu,
        zen.memory,
        zen.storage,
    ]
    data = _csv(
        [
            _row(),
            _row(code="MIB-32", price="6999.00", stock="2", memory="32GB"),
            [*zen_row, "", "4999", "", "50"],
        ]
    )
    preview = _preview(boss_client, data)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "预览：2 个商品，3 个 SKU" in page and "新建" in page and "更新" in page
    assert not Product.objects.filter(slug="mi-book").exists()  # nothing written by the preview

    response = _apply(boss_client, preview)
    assert response.status_code == 302
    mi = Product.objects.get(slug="mi-book")
    assert dict(mi.skus.values_list("code", "price")) == {"MIB-16": 599_900, "MIB-32": 699_900}
    assert mi.min_price == 599_900 and mi.images
    zen.refresh_from_db()
    assert (zen.price, zen.stock) == (499_900, 50)
    assert not Product.objects.get(pk=shelf.zenbook.pk).is_listed
    assert _apply(boss_client, preview).status_code == 302  # the file is gone: "已失效", nothing twice


def test_bad_rows_are_listed_and_nothing_is_written(boss_client, shelf):
    before = (Product.objects.count(), list(SKU.objects.order_by("pk").values_list("price", "stock")))
    data = _csv(
        [
            _row(),
            _row(code="MIB-2", price="-1"),
            _row(code="MIB-3", price="12.345"),
            _row(code="MIB-4", stock="很多"),
            _row(code="MIB-16", memory="32GB"),  # same code twice
            _row(code="MIB-6"),  # same combination as the first row
            ["bad slug!", "x", "laptops", "", "", "是", "Q1", "", "", "", "", "1", "", "1"],
            ["ok-slug", "x", "no-such-category", "", "", "是", "Q2", "", "", "", "", "1", "", "1"],
            ["ok-slug2", "x", "laptops", "", "", "也许", "Q3", "", "", "", "", "1", "", "1"],
            ["steal", "x", "laptops", "", "", "是", "ZEN-U5", "", "", "", "", "1", "", "1"],
        ]
    )
    response = _preview(boss_client, data)
    assert response.status_code == 400
    page = response.content.decode()
    for expected in (
        "未导入任何数据",
        "第 3 行：售价：金额不能为负数",
        "第 4 行：售价：金额最多保留两位小数",
        "第 5 行：库存应为 0 或正整数",
        "SKU 编码重复：MIB-16",
        "规格组合重复",
        "第 8 行：商品标识须为字母",
        "第 9 行：分类“no-such-category”不存在",
        "第 10 行：上架应填“是”或“否”",
        "SKU 编码 ZEN-U5 已属于",
    ):
        assert expected in page.replace("&ldquo;", "“").replace("&rdquo;", "”"), expected
    assert (Product.objects.count(), list(SKU.objects.order_by("pk").values_list("price", "stock"))) == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("products.txt", b"a,b", "仅支持 .csv 或 .xlsx"),
        ("products.csv", b"", "文件是空的"),
        ("products.csv", "名称,价格\n笔记本,1\n".encode(), "缺少列"),
        ("products.csv", _csv([]), "没有数据行"),
        ("products.xlsx", b"PK\x03\x04 not really a workbook", "无法读取 XLSX"),
        ("products.csv", b"\xff\xfe\x00\x00binary\x00", "无法识别文件编码"),
    ],
)
def test_unreadable_files_are_refused(boss_client, shelf, name, data, message):
    response = _preview(boss_client, data, name)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_gbk_csv_from_excel_is_read(boss_client, shelf):
    response = _preview(boss_client, _csv([_row()], encoding="gb18030"))
    assert response.status_code == 200 and "Xiaomi Book Pro 14" in response.content.decode()


def test_too_many_rows_are_refused(boss_client, shelf, settings):
    settings.CATALOG_IMPORT_MAX_ROWS = 2
    rows = [_row(code=f"M-{n}", memory=f"{n}GB") for n in range(3)]
    assert "一次最多导入 2 行" in _preview(boss_client, _csv(rows)).content.decode()


def test_export_round_trips_and_defuses_formulas(boss_client, shelf):
    Product.objects.filter(pk=shelf.zenbook.pk).update(subtitle='=HYPERLINK("http://evil")', slug="zenbook")
    response = boss_client.get(reverse("console:product_export"), {"q": "ZEN"})
    assert response["Content-Disposition"] == 'attachment; filename="products.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert {r[6] for r in rows[1:]} == {"ZEN-U5", "ZEN-U7"}
    assert all(r[4].startswith("'=") for r in rows[1:])
    assert all("." in r[11] for r in rows[1:])  # yuan, not fen

    xlsx = boss_client.get(reverse("console:product_export"), {"q": "ZEN", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    preview = _preview(boss_client, xlsx.content, "products.xlsx")
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert "更新" in preview.content.decode()
