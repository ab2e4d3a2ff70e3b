"""The admin pages of task runs (filter 失败 for the failures) and of the outbox."""

from django.contrib import admin

from ops.models import OutboxMessage, PeriodicClaim, TaskRun


@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "name", "status", "attempt", "duration_ms", "hostname", "task_id")
    list_filter = ("status", "name")
    search_fields = ("task_id", "name", "error")
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in TaskRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "handler", "attempts", "published_at", "done_at", "last_error")
    list_filter = ("handler",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PeriodicClaim)
class PeriodicClaimAdmin(admin.ModelAdmin):
    list_display = ("key", "claimed_at", "hostname")
    readonly_fields = ("key", "claimed_at", "hostname")
