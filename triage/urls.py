from django.urls import path

from triage import views

app_name = "triage"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("case/<uuid:public_id>/confirm/", views.confirm, name="confirm"),
    path("case/<uuid:public_id>/retry/", views.retry, name="retry"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("periods/", views.periods, name="periods"),
]
