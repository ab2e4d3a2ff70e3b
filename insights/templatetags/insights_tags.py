"""Template helpers of the statistics pages: a group's figure by metric key, a column's value."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

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
        return "" if value is None else (gettext("是") if value else gettext("否"))
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


@register.filter
def late(row: Any, column) -> bool:
    """An 按期 column that says no: the row is shown in red."""
    return column.kind == "bool" and column.value(row) is False


_QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")


@register.filter
def period(window) -> str:
    """A period's name in the language of the page (``Window.label`` is the Chinese one)."""
    kind = str(window.kind)
    if kind == "month":
        return gettext("%(year)s年%(month)s月") % {"year": window.first.year, "month": window.first.month}
    if kind == "quarter":
        quarter = _QUARTERS[(window.first.month - 1) // 3]
        return gettext("%(year)s年%(quarter)s") % {"year": window.first.year, "quarter": gettext(quarter)}
    if kind == "year":
        return gettext("%(year)s年") % {"year": window.first.year}
    return gettext("%(first)s至%(last)s") % {"first": window.first.isoformat(), "last": window.last.isoformat()}


def _marks() -> None:  # pragma: no cover - for makemessages only
    gettext("第一季度"), gettext("第二季度"), gettext("第三季度"), gettext("第四季度")


@register.simple_tag
def fig(f, testid: str = "", delta: bool = False):
    """A figure as a link to its rows (with its change since the previous period if ``delta``).
    A tag, not an include: a unit × month table has thousands of them."""
    title = ""
    if f.den is not None:
        title = f"{f.num:.0f} / {f.den:.0f}"
    link = format_html(
        '<a class="tx-fig{}" href="{}" data-metric="{}"{} title="{}">{}</a>',
        " tx-fig-missed" if f.met is False else "", f.url, f.metric.key,
        format_html(' data-testid="{}"', testid) if testid else "", title, f.text,
    )
    c = f.previous
    if delta and c is not None and c.delta is not None:
        tone = "better" if c.better else "worse" if c.better is False else ""
        link += format_html('<span class="tx-delta {}">{}</span>', tone, delta_text(f))
    return link
