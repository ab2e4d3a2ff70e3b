from django.urls import path

from ops import views

app_name = "ops"
urlpatterns = [
    path("", views.home, name="home"),
    path("metrics", views.metrics, name="metrics"),
]
