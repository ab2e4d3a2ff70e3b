"""Reference data of the publicity module in the Django admin (staff accounts): themes (with the
petition categories they answer) and outlets. The culture concepts are read-only here: they are
edited on /publicity/culture/concepts/ (versioned and audited). Rule versions are published on the
module's own page (/publicity/rules/), which keeps them append-only."""

from __future__ import annotations

from django.contrib import admin

from publicity.models import Concept, Outlet, Theme


@admin.register(Concept)
class ConceptAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "unit", "order", "version", "is_active")
    list_filter = ("kind", "is_active")

    # Edits go through publicity.culture.concept_save (a version and an audit record each).
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "categories", "is_active")
    list_filter = ("is_active",)


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("name", "level")
    list_filter = ("level",)
    search_fields = ("name",)
