from django.contrib import admin

from insights.models import KpiTarget


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    """Read-only history: targets are set on /insights/targets/ (a new version each time)."""

    list_display = ("unit", "metric", "year", "target", "version", "set_by", "set_at")
    list_filter = ("year", "metric")
    search_fields = ("unit__name", "unit__code")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
