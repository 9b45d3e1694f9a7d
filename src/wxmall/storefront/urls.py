from django.urls import path

from wxmall.accounts import views as accounts

from .views import account, browse, cart, checkout, coupons, orders, pay, regions

app_name = "storefront"
urlpatterns = [
    path("", browse.home, name="home"),
    path("category/", browse.category_index, name="categories"),
    path("category/<slug:slug>/", browse.category, name="category"),
    path("search/", browse.search, name="search"),
    path("product/<int:product_id>/", browse.product, name="product"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.add, name="cart_add"),
    path("cart/update/", cart.update, name="cart_update"),
    path("cart/remove/", cart.remove, name="cart_remove"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("regions.json", regions.regions_json, name="regions"),
    path("flash/<str:ticket>/", checkout.flash_ticket, name="flash_ticket"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<str:order_no>/", orders.order_detail, name="order"),
    path("orders/<str:order_no>/cancel/", orders.cancel, name="order_cancel"),
    path("orders/<str:order_no>/received/", orders.confirm_received, name="order_received"),
    path("orders/<str:order_no>/refund/", orders.request_refund, name="order_refund"),
    path("orders/<str:order_no>/aftersales/<int:sale_id>/return/", orders.ship_return, name="order_return"),
    path("orders/<str:order_no>/pay/", pay.page, name="pay"),
    path("orders/<str:order_no>/pay/start/", pay.start, name="pay_start"),
    path("orders/<str:order_no>/pay/status/", pay.status, name="pay_status"),
    path("orders/<str:order_no>/pay/check/", pay.check, name="pay_check"),
    path("coupons/<str:token>/", coupons.claim_page, name="coupon_claim"),
    path("me/", account.me, name="me"),
    path("login/", accounts.login_entry, name="login"),
    path("wechat/login/", accounts.wechat_login, name="wechat_login"),
    path("wechat/callback/", accounts.wechat_callback, name="wechat_callback"),
    path("me/link/", accounts.link_account, name="link_account"),
    path("me/points/", accounts.my_points, name="my_points"),
    path("logout/", accounts.dev_logout, name="logout"),
]
