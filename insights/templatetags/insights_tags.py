"""Template helpers of the statistics pages: a group's figure by metric key, a column's value."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

register = template.Library()


@register.filter
def figure(group, key: str):
    """``{{ group|figure:"handling_rate" }}``"""
    return group.figures[key]


@register.filter
def cell(row: Any, column) -> Any:
    """A column's value for a row, as the page shows it (the export writes the raw value)."""
    value = column.value(row)
    if column.kind == "bool":
        return "" if value is None else ("是" if value else "否")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


@register.filter
def delta_text(f) -> str:
    """'+2.5' / '-1' in the metric's unit (percentage points for rates)."""
    c = f.previous
    if c is None or c.delta is None:
        return ""
    if c.delta == 0:
        return "±0"
    digits = 1 if (f.metric.is_rate or f.metric.kind == "days") else 0
    return f"{c.delta:+.{digits}f}"


@register.filter
def num(value) -> str:
    """A target as typed: 95, 92.5, 97.25 (no trailing zeros, no exponent)."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
