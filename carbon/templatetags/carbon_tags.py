"""Figures as shown: t to 0.01 with thousands separators; undefined ratios as "—"."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def t2(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):  # not a number: shown as it is
        return str(value)
    return f"{d.quantize(Decimal('0.01')):,}"


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None
