from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "wxmall.fulfilment"
    label = "fulfilment"
    verbose_name = "发货与运费"
