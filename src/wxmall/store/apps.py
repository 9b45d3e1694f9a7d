from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "wxmall.store"
    label = "store"
    verbose_name = "微信小店"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from wxmall.catalog.events import stock_changed
        from wxmall.catalog.models import SKU, Product
        from wxmall.compliance.events import copy_cleared
        from wxmall.orders import hooks
        from wxmall.orders.state import OrderStatus

        from . import order_hooks, stock_sync
        from .actions import products

        stock_changed.connect(stock_sync.on_stock_changed, dispatch_uid="store.stock_changed")
        post_save.connect(products.on_catalog_saved, sender=Product, dispatch_uid="store.product_saved")
        post_save.connect(products.on_catalog_saved, sender=SKU, dispatch_uid="store.sku_saved")
        copy_cleared.connect(products.on_copy_cleared, dispatch_uid="store.copy_cleared")
        hooks.register(order_hooks.send_delivery, to=OrderStatus.SHIPPED)
        # After checkout's release (INSTALLED_APPS order): units never taken are taken back.
        hooks.register(order_hooks.settle_short_stock, to=[OrderStatus.CANCELLED, OrderStatus.REFUNDED])
