from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as accounts_views
from core import views as core_views
from ops import views as ops_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    # Prometheus' conventional path; the same view (token or administrator) as /ops/metrics.
    path("metrics", ops_views.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include("petitions.api.urls")),
    path("admin/", admin.site.urls),
    path("login/", accounts_views.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("", core_views.home, name="home"),
    path("jobs/<uuid:public_id>/", core_views.job_status, name="job_status"),
    path("jobs/<uuid:public_id>/download/", core_views.job_download, name="job_download"),
    path("orgs/", include("orgs.urls")),
    path("xf/", include("petitions.urls")),
    path("insights/", include("insights.urls")),
    path("ledger/", include("ledger.urls")),
    path("triage/", include("triage.urls")),
    path("qz/", include("engagement.urls")),
    path("ops/", include("ops.urls")),
    path("party/", include("party.urls")),
    path("publicity/", include("publicity.urls")),
    path("carbon/", include("carbon.urls")),
]


# A database outage is a 503 with Retry-After (nothing was stored); other failures a plain 500.
handler500 = "core.views.server_error"
