"""Reference data of the publicity module in the Django admin (staff accounts): the culture
concepts, themes (with the petition categories they answer) and outlets. Rule versions are
published on the module's own page (/publicity/rules/), which keeps them append-only."""

from __future__ import annotations

from django.contrib import admin

from publicity.models import Concept, Outlet, Theme


@admin.register(Concept)
class ConceptAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "order")
    list_filter = ("kind",)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "categories", "is_active")
    list_filter = ("is_active",)


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("name", "level")
    list_filter = ("level",)
    search_fields = ("name",)
