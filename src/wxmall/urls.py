from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from wxmall.analytics import monitoring
from wxmall.api import api
from wxmall.catalog import views as catalog_views
from wxmall.support import callback as support_callback


def healthz(request):
    """Trivial liveness probe; also the baseline every benchmark divides by."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", monitoring.metrics, name="metrics"),
    # Early: every tracked click resolves this, and each pattern tried before it costs the redirect.
    path("l/", include("wxmall.marketing.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("media/<path:name>", catalog_views.media, name="media"),
    path("console/audit/", include("wxmall.audit.urls")),
    path("console/reports/", include("wxmall.reports.urls")),
    path("console/compliance/", include("wxmall.compliance.urls")),
    path("console/privacy/", include("wxmall.privacy.urls")),
    path("console/oa/", include("wxmall.officialaccount.console_urls")),
    path("console/support/", include("wxmall.support.urls")),
    path("console/analytics/", include("wxmall.analytics.urls")),
    path("console/marketing/", include("wxmall.marketing.console_urls")),
    path("console/", include("wxmall.customers.urls")),
    path("console/", include("wxmall.console.urls")),
    path("payments/", include("wxmall.payments.urls")),
    path("invoices/", include("wxmall.invoicing.urls")),
    path("wechat/oa/", include("wxmall.officialaccount.urls")),
    path("wechat/store/", include("wxmall.store.urls")),
    path("wechat/wecom/callback/", support_callback.kf_callback, name="wecom_kf_callback"),
    path("g/", include("wxmall.growth.urls")),
    path("", include("wxmall.storefront.urls")),
]
