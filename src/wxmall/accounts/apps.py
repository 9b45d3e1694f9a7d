from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wxmall.accounts"
    label = "accounts"
    verbose_name = "用户"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from wxmall.orders import hooks

        from . import queries
        from .models import User

        post_save.connect(queries.refresh_session_account, sender=User, dispatch_uid="accounts.session.saved")
        post_delete.connect(queries.forget_session_account, sender=User, dispatch_uid="accounts.session.gone")
        from wxmall.orders.state import OrderStatus

        from . import points

        # A late payment revives a cancelled order as paid (payments, WECHAT_PAY_LATE_PAYMENT=reserve).
        hooks.register(
            points.earn_on_paid,
            to=OrderStatus.PAID,
            from_=[OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED],
        )
        hooks.register(points.restore_on_cancel, to=OrderStatus.CANCELLED)
        # Spent points come back before earned ones are taken back, so the reversal finds them.
        hooks.register(points.return_on_refunded, to=OrderStatus.REFUNDED)
        hooks.register(points.reverse_on_refund, to=OrderStatus.REFUNDED)
