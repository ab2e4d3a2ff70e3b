"""Rule versions and assessment schemes are administered data (Django admin, staff accounts)."""

from __future__ import annotations

from django.contrib import admin

from party.models import AssessmentScheme, RuleVersion


@admin.register(RuleVersion)
class RuleVersionAdmin(admin.ModelAdmin):
    list_display = ("code", "effective_from", "value", "verify", "source", "created_by")
    list_filter = ("code", "verify")
    search_fields = ("code", "source", "note")
    readonly_fields = ("created_at",)

    def save_model(self, request, obj, form, change) -> None:
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "year", "created_at")
    list_filter = ("year",)
