from django.urls import path

from carbon import views

app_name = "carbon"
urlpatterns = [
    path("", views.home, name="home"),
    path("facilities/", views.facility_jump, name="facility_jump"),
    path("facilities/new/", views.facility_new, name="facility_new"),
    path("facilities/<int:pk>/", views.facility, name="facility"),
    path("facilities/<int:pk>/edit/", views.facility_edit, name="facility_edit"),
    path("facilities/<int:pk>/<str:month>/", views.entry, name="entry"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("drill/", views.drill, name="drill"),
    path("factors/", views.factors, name="factors"),
    path("runs/", views.runs, name="runs"),
    path("import/", views.import_data, name="import"),
    path("methane/", views.methane, name="methane"),
    path("ccus/<int:pk>/month/", views.ccus_month, name="ccus_month"),
    path("ccus/evidence/<int:pk>/", views.ccus_evidence, name="ccus_evidence"),
    path("reports/", views.reports, name="reports"),
    path("reports/<str:public_id>/", views.report, name="report"),
    path("reports/<str:public_id>/download/<str:fmt>/", views.report_download, name="report_download"),
    path("scenarios/", views.scenarios, name="scenarios"),
]
