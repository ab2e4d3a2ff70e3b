"""Template tags of the engagement module: the staff check of its sub-navigation and the panel of
similar library cases on the staff petition page."""

from __future__ import annotations

from django import template

from engagement.scoping import ANSWER_ROLES, staff_anywhere

register = template.Library()


@register.simple_tag(takes_context=True)
def eng_is_staff(context) -> bool:
    request = context.get("request")
    return bool(request and staff_anywhere(request.user))


@register.inclusion_tag("engagement/_similar_cases.html", takes_context=True)
def library_suggestions(context, petition):
    """Approved library cases like this petition that the viewer may read, and — on a closed
    petition of the viewer's unit — the button that drafts a teaching case from it."""
    from engagement import library

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_superuser or user.units_with(*ANSWER_ROLES)):
        return {"show": False}
    existing = getattr(petition, "library_case", None)
    return {
        "show": True,
        "petition": petition,
        "suggestions": library.similar_cases(petition, user, limit=3),
        "may_make_case": existing is None and library.may_write(user, petition),
        "existing": existing,
        "csrf_token": context.get("csrf_token"),
    }
