"""The console journey: upload (GBK), mapping and preview with reject reasons, start, progress, the
rejects export with formula injection neutralised; staff only; over-large uploads refused."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wxmall.accounts.models import User
from wxmall.members_import.models import ImportJob, JobStatus

pytestmark = pytest.mark.django_db

FILE = (
    "会员名,联系电话,电子邮件,积分\n"
    "张三,138 0013 8000,,10\n"
    "=cmd|' /C calc'!A0,12345,,0\n"
    "李四,+86-139-0013-9000,li@example.com,5\n"
    "张三,13800138000,,1\n"
)


@pytest.fixture
def console(staff):
    from wxmall.customers.testing import as_owner

    staff.is_staff = True
    staff.save()
    client = Client()
    client.force_login(as_owner(staff))
    return client


def test_upload_map_preview_start_and_download_rejects(
    console, eager_worker, django_capture_on_commit_callbacks
):
    page = console.get("/console/members/")
    assert page.status_code == 200 and "会员导入" in page.content.decode()
    sent = console.post(
        "/console/members/", {"file": SimpleUploadedFile("老会员.csv", FILE.encode("gbk")), "encoding": ""}
    )
    job = ImportJob.objects.get()
    assert sent.status_code == 302 and sent.url == f"/console/members/{job.pk}/"
    assert job.encoding == "gb18030" and job.mapping == {"name": 0, "phone": 1, "email": 2, "points": 3}
    html = console.get(sent.url).content.decode()
    assert "拒绝：手机号格式不正确" in html and "13900139000" in html and "确认并开始导入" in html

    with django_capture_on_commit_callbacks(execute=True):
        started = console.post(
            sent.url,
            {"map_name": "0", "map_phone": "1", "map_email": "2", "map_points": "3", "action": "start"},
        )
    assert started.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.created_count, job.duplicate_count, job.rejected_count) == (
        2,
        1,
        1,
    )
    html = console.get(sent.url).content.decode()
    assert 'value="100"' in html and "下载全部拒绝行" in html

    export = console.get(f"/console/members/{job.pk}/rejects.csv")
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["行号", "原因", "会员名", "联系电话", "电子邮件", "积分"]
    assert rows[1][:3] == ["2", "手机号格式不正确", "'=cmd|' /C calc'!A0"]  # never a live formula
    # Starting twice is refused; the page says why.
    again = console.post(sent.url, {"map_phone": "1", "action": "start"}, follow=True)
    assert ImportJob.objects.get().status == JobStatus.DONE and again.status_code == 200


def test_bad_mapping_and_bad_files_are_refused_with_chinese_reasons(console, settings):
    console.post("/console/members/", {"file": SimpleUploadedFile("m.csv", FILE.encode())})
    job = ImportJob.objects.get()
    answer = console.post(f"/console/members/{job.pk}/", {"map_name": "0", "action": "start"}, follow=True)
    assert "至少映射手机号、邮箱或 UnionID 之一" in answer.content.decode()
    assert ImportJob.objects.get().status == JobStatus.UPLOADED
    answer = console.post(
        "/console/members/",
        {"file": SimpleUploadedFile("m.csv", FILE.encode("gbk")), "encoding": "utf-8"},
        follow=True,
    )
    assert "请另存为 UTF-8，或在上传时选择 GBK 编码" in answer.content.decode()
    settings.MEMBER_IMPORT_MAX_BYTES = 50
    answer = console.post(
        "/console/members/", {"file": SimpleUploadedFile("m.csv", FILE.encode())}, follow=True
    )
    assert "文件超过大小上限" in answer.content.decode() and ImportJob.objects.count() == 1


def test_customers_cannot_see_the_import(customer):
    client = Client()
    client.force_login(customer)
    assert client.get("/console/members/").status_code == 302
    assert (
        client.post("/console/members/", {"file": SimpleUploadedFile("m.csv", FILE.encode())}).status_code
        == 302
    )
    assert not ImportJob.objects.exists() and not User.objects.filter(username__startswith="imp-").exists()
