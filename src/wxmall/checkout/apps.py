from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "wxmall.checkout"
    label = "checkout"
    verbose_name = "购物车与结算"
