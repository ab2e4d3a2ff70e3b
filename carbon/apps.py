from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarbonConfig(AppConfig):
    name = "carbon"
    verbose_name = _("低碳转型")

    def ready(self) -> None:
        # registers the background job kinds (core.jobs) wherever jobs run: web and worker alike
        from carbon import services  # noqa: F401
