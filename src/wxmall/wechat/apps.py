from django.apps import AppConfig


class WechatConfig(AppConfig):
    name = "wxmall.wechat"
    label = "wechat"
    verbose_name = "微信接口"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from wxmall.wechat import clients
        from wxmall.wechat.config import validate_apps

        validate_apps()
        self.registry = clients.Registry()  # per process: connection pools and the stats buffer
        setting_changed.connect(clients.on_setting_changed, dispatch_uid="wechat-clients")
