from django.apps import AppConfig


class OfficialAccountConfig(AppConfig):
    name = "wxmall.officialaccount"
    label = "officialaccount"
    verbose_name = "公众号"

    def ready(self) -> None:
        from wxmall.compliance.events import copy_cleared
        from wxmall.officialaccount import menus, notify, signals  # noqa: F401  signals: rules' version follows edits
        from wxmall.officialaccount.config import validate
        from wxmall.orders import hooks
        from wxmall.orders.state import OrderStatus

        validate()
        copy_cleared.connect(menus.on_copy_cleared, dispatch_uid="officialaccount.menu_cleared")
        hooks.register(notify.on_paid, to=OrderStatus.PAID)
        hooks.register(notify.on_shipped, to=OrderStatus.SHIPPED)
        hooks.register(notify.on_refunded, to=OrderStatus.REFUNDED)
