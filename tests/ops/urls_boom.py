"""The project's URLs plus views that fail (the 500 path of the request-id log test, and a
database that is down in the middle of a request)."""

from django.db import OperationalError
from django.urls import path

from tongxin.urls import urlpatterns as project


def boom(request):
    raise RuntimeError("boom for the log test")


def database_down(request):
    raise OperationalError("terminating connection due to administrator command")


handler500 = "core.views.server_error"
urlpatterns = [path("ops-test-boom/", boom), path("ops-test-db-down/", database_down),
               path("api/ops-test-db-down/", database_down), *project]
