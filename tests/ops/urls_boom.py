"""The project's URLs plus one view that fails (the 500 path of the request-id log test)."""

from django.urls import path

from tongxin.urls import urlpatterns as project


def boom(request):
    raise RuntimeError("boom for the log test")


urlpatterns = [path("ops-test-boom/", boom), *project]
