from insights.views import urlpatterns  # noqa: F401

app_name = "insights"
