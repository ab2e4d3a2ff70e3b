"""{% triage_panel p user %}: the triage panel on the staff petition page."""

from __future__ import annotations

from django import template

from petitions import selectors
from petitions.choices import Category, PetitionType
from triage import services
from triage.forms import CorrectForm
from triage.models import Triage

register = template.Library()


@register.inclusion_tag("triage/_panel.html")
def triage_panel(petition, user) -> dict:
    row = Triage.objects.filter(petition=petition).select_related("repeat_of").first()
    if row is None:
        return {"p": petition, "t": None}
    visible = selectors.visible_to(user)
    repeat = None
    if row.repeat_of_id:
        repeat = {"visible": visible.filter(pk=row.repeat_of_id).exists(), "p": row.repeat_of}
    group = []
    if row.group_id:
        group = list(visible.filter(triage__group_id=row.group_id).exclude(pk=petition.pk).order_by("received_at")[:10])
    ok = row.status == Triage.Status.OK
    similar = services.similar_petitions(petition, limit=5, among=visible) if ok else []
    library = services.similar_library_cases(petition, user, limit=3) if ok else []
    cat_label = dict(Category.choices).get(row.category, row.category)
    type_label = dict(PetitionType.choices).get(row.ptype, row.ptype)
    alternatives = [(dict(Category.choices).get(c, c), round(p * 100)) for c, p in (row.alternatives or {}).get("category", [])[1:]]
    return {
        "p": petition, "t": row, "repeat": repeat, "group": group, "similar": similar, "library": library,
        "cat_label": cat_label, "type_label": type_label, "alternatives": alternatives,
        "cat_pct": round(row.category_confidence * 100), "type_pct": round(row.ptype_confidence * 100),
        "matches": row.category == petition.category and row.ptype == petition.ptype,
        "may_decide": services.may_decide(user, petition),
        "correct_form": CorrectForm(initial={"category": row.category or petition.category,
                                             "ptype": row.ptype or petition.ptype}, auto_id="id_triage_%s"),
    }
