from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Customers and staff alike. WeChat identities (appid, openid, unionid) hang off this model in
    their own table when WeChat login lands; a customer may own several of them."""

    nickname = models.CharField("昵称", max_length=64, blank=True)
    avatar_url = models.URLField("头像", blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    @property
    def display_name(self) -> str:
        return self.nickname or self.username
