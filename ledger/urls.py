from django.urls import path

from ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.imports, name="imports"),
    path("uploads/<uuid:public_id>/", views.upload_detail, name="upload"),
    path("uploads/<uuid:public_id>/mapping/", views.mapping, name="mapping"),
    path("uploads/<uuid:public_id>/run/", views.run, name="run"),
    path("runs/<uuid:job_id>/", views.run_status, name="run_status"),
    path("runs/<uuid:job_id>/report/", views.report, name="report"),
]
