"""Applying a member file: cleaning, de-duplication in the file and against existing customers (through the
audited merge), encryption on the way in, points/tags/history, resumability after a crash."""

import gc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from wxmall.accounts import actions as accounts
from wxmall.accounts import phones
from wxmall.accounts.models import CustomerMerge, Member, PointsEntry, User
from wxmall.accounts.testing import make_customer
from wxmall.core.errors import DomainError
from wxmall.members_import import actions, applying
from wxmall.members_import.models import CustomerTag, ImportedHistory, ImportJob, ImportReject, JobStatus

pytestmark = pytest.mark.django_db

HEADER = "姓名,手机号,邮箱,积分,标签,订单数,累计消费,最近下单\n"


def upload(staff, text: str, name="members.csv", encoding="utf-8", declared=""):
    data = text.encode(encoding) if isinstance(text, str) else text
    return actions.create_job(staff, SimpleUploadedFile(name, data), declared)


def run(job, **kw):
    actions.start(job.pk) if job.status == JobStatus.UPLOADED else None
    return applying.run(job.pk, **kw)


def imported(phone):
    return User.objects.get(phone_hash=phones.phone_hash(phone), is_active=True)


def test_rows_are_cleaned_deduplicated_and_encrypted(staff, django_capture_on_commit_callbacks):
    existing = make_customer(email="old@example.com", nickname="老用户")
    text = HEADER + (
        '张三,+86 138-0013-8000,,100,VIP|笔记本,3,"1,299.50",2025-10-01\n'
        "张三(重复),13800138000,zhang@example.com,50,VIP,1,10,2025/11/02\n"  # same phone: in-file duplicate
        "李四,139 0013 9000,OLD@example.com,7,,0,0,\n"  # email of an existing customer
        "王五,12345,,0,,,,\n"  # bad phone
        "赵六,,,10,,,,\n"  # no key at all
        "钱七,13700137000,not-an-email,0,,,,\n"
        "孙八,13600136000,,-5,,,,\n"
        '=HYPERLINK("http://evil"),13500135000,,0,,,,\n'
    )
    job = upload(staff, text)
    assert job.mapping == {
        "name": 0,
        "phone": 1,
        "email": 2,
        "points": 3,
        "tags": 4,
        "order_count": 5,
        "order_total": 6,
        "last_order_at": 7,
    }
    with django_capture_on_commit_callbacks(execute=False):
        actions.start(job.pk)
    job = applying.run(job.pk, batch_rows=3)
    assert job.status == JobStatus.DONE and job.checkpoint == 8
    assert (job.created_count, job.duplicate_count, job.rejected_count) == (2, 2, 4)
    zhang = imported("13800138000")
    assert zhang.nickname == "张三" and zhang.email == "zhang@example.com" and not zhang.has_usable_password()
    assert Member.objects.get(user=zhang).points == 150
    assert list(PointsEntry.objects.filter(user=zhang, kind="import").values_list("delta", flat=True)) == [
        150
    ]
    assert set(CustomerTag.objects.filter(user=zhang).values_list("name", flat=True)) == {"VIP", "笔记本"}
    history = ImportedHistory.objects.filter(user=zhang).order_by("row_number")
    assert [(h.order_count, h.order_total, str(h.last_order_at)) for h in history] == [
        (3, 129950, "2025-10-01"),
        (1, 1000, "2025-11-02"),
    ]
    existing.refresh_from_db()
    assert existing.phone == "13900139000" and existing.nickname == "老用户"  # filled in, not overwritten
    assert Member.objects.get(user=existing).points == 7
    reasons = dict(ImportReject.objects.filter(job=job).values_list("row_number", "reason"))
    assert reasons == {
        4: "手机号格式不正确",
        5: "缺少手机号、邮箱或 UnionID",
        6: "邮箱格式不正确",
        7: "积分不是 0 到 10000000 的整数",
    }
    with connection.cursor() as cursor:  # personal data is encrypted at rest
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [zhang.pk])
        assert "13800138000" not in cursor.fetchone()[0]
    assert User.objects.filter(username__startswith="imp-").count() == 2  # incl. the formula-named row


def test_a_row_naming_two_existing_customers_merges_them_with_the_audit(staff):
    by_phone = make_customer()
    accounts.set_phone(by_phone, "13800138000")
    by_email = make_customer(email="same@example.com")
    job = upload(staff, HEADER + "同一人,13800138000,same@example.com,5,,,,\n")
    job = run(job)
    assert job.merged_count == 1 and job.duplicate_count == 1 and job.created_count == 0
    merge = CustomerMerge.objects.get()
    assert (merge.source_id, merge.target_id) == (by_email.pk, by_phone.pk) and "会员导入" in merge.reason
    assert not User.objects.get(pk=by_email.pk).is_active
    assert Member.objects.get(user=by_phone).points == 5


def test_an_interrupted_import_resumes_after_its_checkpoint_and_applies_each_row_once(staff, monkeypatch):
    lines = "".join(f"客户{i},138{i:08d},,10,,,,\n" for i in range(10))
    job = upload(staff, HEADER + lines)
    actions.start(job.pk)
    real = applying.apply_batch
    calls = {"n": 0}

    def crash_on_third(job_, batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        real(job_, batch)

    monkeypatch.setattr(applying, "apply_batch", crash_on_third)
    with pytest.raises(RuntimeError):
        applying.run(job.pk, batch_rows=3)
    assert gc.isenabled()  # the run pauses the cyclic collector per batch; a crash must not leave it off
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.checkpoint == 6
    assert User.objects.filter(username__startswith="imp-").count() == 6
    monkeypatch.setattr(applying, "apply_batch", real)
    job = applying.run(job.pk, batch_rows=3)  # the redelivered task (acks_late) or 继续导入
    assert job.status == JobStatus.DONE and job.checkpoint == 10 and job.created_count == 10
    assert User.objects.filter(username__startswith="imp-").count() == 10
    assert PointsEntry.objects.filter(kind="import").count() == 10
    # A batch that committed but whose run died before moving on is not applied twice.
    applying.apply_batch(job, [(9, ["客户9", "13800000009", "", "10"])])
    assert PointsEntry.objects.filter(kind="import").count() == 10


def test_gbk_files_are_detected_or_refused_with_a_clear_error(staff):
    text = HEADER + "张三,13800138000,,1,,,,\n"
    job = upload(staff, text, encoding="gbk")
    assert job.encoding == "gb18030" and job.headers[0] == "姓名"
    assert run(job).created_count == 1
    with pytest.raises(DomainError) as err:
        upload(staff, text, encoding="gbk", declared="utf-8")
    assert err.value.code == "member_import_bad_encoding" and "GBK" in err.value.message
    with pytest.raises(DomainError) as err:
        upload(staff, b"\xff\xfe\x00\xd8garbage\x00\x00" * 10)
    assert err.value.code in ("member_import_bad_encoding", "member_import_bad_format")


def test_size_limit_and_empty_files(staff, settings):
    settings.MEMBER_IMPORT_MAX_BYTES = 100
    with pytest.raises(DomainError) as err:
        upload(staff, HEADER + "x" * 200)
    assert err.value.code == "member_import_file_too_large"
    settings.MEMBER_IMPORT_MAX_BYTES = 10_000
    with pytest.raises(DomainError) as err:
        upload(staff, "")
    assert err.value.code == "member_import_file_empty"
    assert not ImportJob.objects.exists()
    assert not list((settings.MEMBER_IMPORT_DIR).iterdir())


def test_xlsx_is_streamed_with_numbers_as_excel_stores_them(staff, tmp_path):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["手机", "积分", "标签"])
    sheet.append([13800138000, 12, "老客"])
    sheet.append([13900139000.0, 3.0, None])
    path = tmp_path / "m.xlsx"
    book.save(path)
    job = upload(staff, path.read_bytes(), name="m.xlsx")
    assert job.file_format == "xlsx" and job.mapping == {"phone": 0, "points": 1, "tags": 2}
    job = run(job)
    assert job.created_count == 2 and Member.objects.get(user=imported("13900139000")).points == 3


def test_an_imported_customer_who_binds_the_phone_by_wechat_joins_with_points_and_history(staff):
    job = run(upload(staff, HEADER + "老会员,13800138000,,880,VIP,5,5000,2025-01-01\n"))
    old = imported("13800138000")
    wechat = accounts.login_wechat(appid="wx0000000000000001", openid="o-new", kind="miniprogram")
    accounts.bind_phone(wechat, "+86 13800138000")
    assert User.objects.filter(phone_hash=phones.phone_hash("13800138000"), is_active=True).get() == wechat
    assert Member.objects.get(user=wechat).points == 880
    assert CustomerTag.objects.get(user=wechat).name == "VIP"
    assert ImportedHistory.objects.get(user=wechat).order_total == 500000
    assert CustomerMerge.objects.get().source_id == old.pk and job.created_count == 1
    # A store account with a password is a real person's login, never merged away by a phone binding.
    other = make_customer("has-password")
    other.set_password("x-long-password-1")
    other.save()
    accounts.set_phone(other, "13900139000")
    again = accounts.login_wechat(appid="wx0000000000000001", openid="o-two", kind="miniprogram")
    accounts.bind_phone(again, "13900139000")
    assert User.objects.get(pk=other.pk).is_active and CustomerMerge.objects.count() == 1


def test_imported_points_reach_membership_levels_and_the_ledger_agrees(
    staff, django_capture_on_commit_callbacks
):
    from wxmall.accounts.models import MembershipLevel

    MembershipLevel.objects.create(name="金卡", rank=2, min_points=1000)
    MembershipLevel.objects.create(name="普通", rank=1)
    existing = make_customer(phone="13900139001")
    User.objects.filter(pk=existing.pk).update(phone_hash=phones.phone_hash("13900139001"))
    Member.objects.create(user=existing, points=600)
    job = upload(
        staff,
        "姓名,手机号,积分\n新金卡,13800138001,1500\n新普卡,13800138002,10\n老会员,13900139001,500\n"
        "无积分,13800138003,0\n",
    )
    with django_capture_on_commit_callbacks(execute=False):
        actions.start(job.pk)
    assert applying.run(job.pk).status == JobStatus.DONE
    levels = {
        m.user.phone: (m.points, m.level and m.level.name)
        for m in Member.objects.select_related("user", "level")
    }
    assert PointsEntry.objects.filter(kind="import").count() == 3
    assert levels == {
        "13800138001": (1500, "金卡"),
        "13800138002": (10, "普通"),
        "13900139001": (1100, "金卡"),
        "13800138003": (0, None),  # no points: no level yet, like any member before their first points
    }
    entry = PointsEntry.objects.get(user=existing, kind="import")
    assert (entry.delta, entry.balance_after) == (500, 1100)


def test_a_first_wechat_login_with_an_imported_unionid_is_that_customer(
    staff, django_capture_on_commit_callbacks
):
    job = upload(staff, "姓名,微信 UnionID,积分\n老会员,oUnion-imported-1,300\n")
    with django_capture_on_commit_callbacks(execute=False):
        actions.start(job.pk)
    applying.run(job.pk)
    old = User.objects.get(imported_unionids__unionid="oUnion-imported-1")
    user = accounts.login_wechat(appid="wx0000000000000001", openid="o-first", kind="official_account",
                                 unionid="oUnion-imported-1")  # fmt: skip
    assert user == old and Member.objects.get(user=user).points == 300
    # Another unionid is a new customer.
    other = accounts.login_wechat(appid="wx0000000000000001", openid="o-other", kind="official_account",
                                  unionid="oUnion-someone-else")  # fmt: skip
    assert other != old and User.objects.filter(is_active=True).count() == 3  # staff, old, other


def test_a_unionid_learned_at_consent_after_a_base_login_joins_the_imported_customer(
    staff, django_capture_on_commit_callbacks
):
    """H5 OAuth: snsapi_base makes the identity without a unionid; snsapi_userinfo later gives it. The
    imported customer with that unionid folds into the logged-in one (audited merge), points kept; a
    password holder with the same unionid is a real login and is never folded away."""
    job = upload(staff, "姓名,微信 UnionID,积分\n老会员,oUnion-imported-2,300\n")
    with django_capture_on_commit_callbacks(execute=False):
        actions.start(job.pk)
    applying.run(job.pk)
    old = User.objects.get(imported_unionids__unionid="oUnion-imported-2")
    base = accounts.login_wechat(appid="wx0000000000000001", openid="o-base", kind="official_account")
    assert base != old and Member.objects.get(user=old).points == 300
    consented = accounts.login_wechat(appid="wx0000000000000001", openid="o-base", kind="official_account",
                                      unionid="oUnion-imported-2", nickname="小明")  # fmt: skip
    assert consented == base and Member.objects.get(user=base).points == 300
    assert not User.objects.get(pk=old.pk).is_active
    merge = CustomerMerge.objects.get()
    assert (merge.source_id, merge.target_id) == (old.pk, base.pk) and "UnionID" in merge.reason
    # Logging in again with the same unionid changes nothing more.
    accounts.login_wechat(appid="wx0000000000000001", openid="o-base", kind="official_account",
                          unionid="oUnion-imported-2")  # fmt: skip
    assert CustomerMerge.objects.count() == 1 and Member.objects.get(user=base).points == 300


def test_addresses_are_validated_deduplicated_and_encrypted(staff):
    from wxmall.accounts.models import Address

    text = "手机号,收货人,收货手机,省份,城市,区县,详细地址\n" + (
        "13800138000,张三,+86 139 0013 9000,广东省,深圳市,南山区,科技园路 1 号\n"
        "13800138000,张三,13900139000,广东省,深圳市,南山区,科技园路 1 号\n"  # the same address again
        "13700137000,李四,12345,浙江省,杭州市,,文三路 2 号\n"  # bad recipient phone
        "13600136000,王五,13600136000,,杭州市,,文三路 3 号\n"  # no province
        "13500135000,,,,,,\n"  # no address: fine
    )
    job = upload(staff, text)
    assert {k: v for k, v in job.mapping.items() if k.startswith("addr_")} == {
        "addr_recipient": 1,
        "addr_phone": 2,
        "addr_province": 3,
        "addr_city": 4,
        "addr_district": 5,
        "addr_detail": 6,
    }
    job = run(job)
    reasons = dict(ImportReject.objects.filter(job=job).values_list("row_number", "reason"))
    assert reasons == {3: "收货手机号格式不正确", 4: "地址缺少省份"}
    (address,) = Address.objects.filter(user=imported("13800138000"))
    assert (address.recipient, address.phone, address.city, address.detail) == (
        "张三",
        "13900139000",
        "深圳市",
        "科技园路 1 号",
    )
    assert not Address.objects.filter(user=imported("13500135000")).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT detail, phone FROM accounts_address WHERE id = %s", [address.pk])
        assert "科技园路" not in cursor.fetchone()[0]


def test_the_uploaded_file_is_deleted_once_the_import_is_done(staff, django_capture_on_commit_callbacks):
    from wxmall.members_import import reading

    job = upload(staff, HEADER + "老会员,13800138000,,10,,,,\n")
    path = reading.job_path(job)
    assert path.exists()  # needed for the preview and while applying (resumable)
    with django_capture_on_commit_callbacks(execute=False):
        actions.start(job.pk)
    assert applying.run(job.pk).status == JobStatus.DONE
    assert not path.exists()  # personal data in the clear is not kept once applied


def test_imported_personal_fields_rotate_to_a_new_key(staff, settings):
    """Rows written by the bulk path (one cipher per column) are ordinary tokens: `reencrypt_fields`
    finds them under the old key, re-encrypts them, and they read with the old key retired."""
    from cryptography.fernet import Fernet
    from django.core.management import CommandError, call_command

    from wxmall.accounts.models import Address

    old, new = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    job = run(
        upload(
            staff,
            "手机号,收货人,收货手机,省份,城市,详细地址\n13800138000,张三,13900139000,广东省,深圳市,科技园路 1 号\n",
        )
    )
    assert job.status == JobStatus.DONE and job.created_count == 1
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    with pytest.raises(CommandError):
        call_command("reencrypt_fields", "--check")
    call_command("reencrypt_fields")
    call_command("reencrypt_fields", "--check")
    settings.FIELD_ENCRYPTION_KEYS = [new]
    customer = imported("13800138000")
    (address,) = Address.objects.filter(user=customer)
    assert (customer.phone, address.recipient, address.phone, address.detail) == (
        "13800138000",
        "张三",
        "13900139000",
        "科技园路 1 号",
    )


@pytest.mark.parametrize(
    "values",
    [
        ["张三", "+86 138-0013-8000", "", "100", "VIP|笔记本", "3", "1,299.50", "2025-10-01"],
        ["张三", "13800138000"],  # a short row: the missing cells are empty
        ["", "", "a@example.com", "x"],  # refused: the reason does not depend on the row's length
        ["李四", " 139 0013 9000 ", "", "7", "", "", "", "", "extra", "cells"],
    ],
)
def test_a_row_cleans_the_same_whatever_its_trailing_cells(values):
    from wxmall.members_import import cleaning

    mapping = cleaning.guess_mapping(HEADER.strip().split(","))
    cleaner = cleaning.Cleaner(mapping)
    before = list(values)
    result = cleaner(values)
    assert cleaner(values[:8] + [""] * (8 - len(values[:8]))) == result == cleaning.clean(values, mapping)
    assert values == before  # the caller's row (kept for a reject) is not modified
    if len(values) == 8:
        assert (
            result.phone == "13800138000"
            and result.order_total == 129950
            and result.tags == ["VIP", "笔记本"]
        )
    if values[3:4] == ["x"]:
        assert result == "积分不是 0 到 10000000 的整数"
