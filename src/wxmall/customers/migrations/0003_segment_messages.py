"""Segment mass sends. The operator role (运营) works the segments, so it gets to send them too; the owner
gets every permission through the console's post_migrate handler."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def grant_operators(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("customers")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = Permission.objects.filter(
        content_type__app_label="customers", codename__in=["add_segmentmessage", "view_segmentmessage"]
    )
    for group in Group.objects.filter(name="运营"):
        group.permissions.add(*wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_money_labels_in_yuan"),
        ("officialaccount", "0005_tag_removals"),
        ("console", "0002_staff_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SegmentMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("content", models.TextField(max_length=600, verbose_name="内容")),
                ("clientmsgid", models.CharField(max_length=64, unique=True, verbose_name="群发幂等号")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "排队中"),
                            ("submitted", "已提交微信"),
                            ("finished", "已完成"),
                            ("failed", "发送失败"),
                        ],
                        default="queued",
                        max_length=16,
                        verbose_name="状态",
                    ),
                ),
                ("members", models.PositiveIntegerField(default=0, verbose_name="分群人数")),
                ("followers", models.PositiveIntegerField(default=0, verbose_name="关注公众号的")),
                ("skipped", models.PositiveIntegerField(default=0, verbose_name="未关注跳过")),
                (
                    "msg_id",
                    models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="微信群发 ID"),
                ),
                ("errcode", models.IntegerField(blank=True, null=True, verbose_name="错误码")),
                ("wechat_status", models.CharField(blank=True, max_length=64, verbose_name="微信结果")),
                (
                    "total_count",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="标签粉丝数"),
                ),
                ("filter_count", models.PositiveIntegerField(blank=True, null=True, verbose_name="过滤后")),
                ("sent_count", models.PositiveIntegerField(blank=True, null=True, verbose_name="发送成功")),
                ("error_count", models.PositiveIntegerField(blank=True, null=True, verbose_name="发送失败")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("submitted_at", models.DateTimeField(blank=True, null=True, verbose_name="提交时间")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
                (
                    "segment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="messages",
                        to="customers.segment",
                        verbose_name="分群",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="officialaccount.followertag",
                        verbose_name="粉丝标签",
                    ),
                ),
            ],
            options={
                "verbose_name": "分群群发",
                "verbose_name_plural": "分群群发",
                "ordering": ("-id",),
            },
        ),
        migrations.RunPython(grant_operators, migrations.RunPython.noop),
    ]
