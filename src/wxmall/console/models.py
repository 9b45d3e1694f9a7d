"""Permissions of console pages that have no model of their own. `Access` has no table; it only
carries the permissions, which the roles (groups) hold."""

from django.db import models


class Access(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_reports", "查看经营报表"),
            ("reveal_personal_data", "查看顾客完整个人信息（手机号、地址）"),
        ]
        verbose_name = verbose_name_plural = "后台权限"

    def __str__(self) -> str:
        return self._meta.verbose_name
