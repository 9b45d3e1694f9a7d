from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "wxmall.aftersales"
    label = "aftersales"
    verbose_name = "售后"
