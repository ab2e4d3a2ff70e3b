"""Template helpers of the petition pages."""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def due_cell(p) -> str:
    """The current deadline of a petition row (its last day and the days left, as _deadline in
    petitions/views/staff.py attached them): one function rather than an include per row, which
    cost more than the rest of the inbox's row."""
    if not getattr(p, "last_day", None):
        return "—"
    if p.days_left < 0:
        left = _("超期%(n)s日") % {"n": p.overdue_days}
    elif p.days_left == 0:
        left = _("今日到期")
    else:
        left = _("剩%(n)s日") % {"n": p.days_left}
    return format_html('<span class="text-nowrap">{}</span>\n<span class="tx-days-left {} text-nowrap" '
                       'data-days-left="{}">{}</span>', date_format(p.last_day, "Y-m-d"), p.due_tone, p.days_left, left)


@register.simple_tag
def state_badge(p) -> str:
    """A petition's state as a coloured badge (label and tone from _deadline when it ran)."""
    label = getattr(p, "state_label", None) or p.get_state_display()
    return format_html('<span class="badge text-bg-{}" data-state="{}">{}</span>',
                       getattr(p, "tone", None) or "secondary", p.state, label)
