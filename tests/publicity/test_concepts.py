"""The culture concept system edited by the 宣传部 on its own page: every save a new version (the
old texts kept) and an audit record; scoped (a unit's officer edits that unit's concepts, only the
group's 宣传部 the group's own); a retired concept leaves the page staff read; the admin is read-only."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from core.errors import InvalidInput, NotAllowed
from orgs.choices import Role
from publicity.choices import ConceptKind
from publicity.culture import ConceptText, concept_save, concepts_editable_by
from publicity.models import Concept, ConceptVersion

pytestmark = pytest.mark.django_db

VISION = "安全、高效、文明、和谐、幸福"


@pytest.fixture
def group_officer(nr, make_person):
    return make_person(nr.group, Role.PUBLICITY_OFFICER, name="集团宣传部长")


def test_versions_and_audit(nr, group_officer):
    c = concept_save(acting_user=group_officer, text=ConceptText(kind=ConceptKind.VISION, title=VISION, body="愿景释义"))
    assert (c.version, c.unit) == (1, None)
    c = concept_save(acting_user=group_officer, concept=c,
                     text=ConceptText(kind=ConceptKind.VISION, title=VISION, body="愿景释义（修订）", note="党委会审定"))
    assert c.version == 2
    texts = list(ConceptVersion.objects.filter(concept=c).order_by("number").values_list("number", "body", "note"))
    assert texts == [(1, "愿景释义", ""), (2, "愿景释义（修订）", "党委会审定")]
    events = list(AuditEvent.objects.filter(target_type="publicity.concept", target_id=str(c.pk))
                  .order_by("id").values_list("action", flat=True))
    assert events == ["publicity.concept.create", "publicity.concept.edit"]
    with pytest.raises(InvalidInput):  # saving the same text adds no version
        concept_save(acting_user=group_officer, concept=c,
                     text=ConceptText(kind=ConceptKind.VISION, title=VISION, body="愿景释义（修订）"))
    assert Concept.objects.get(pk=c.pk).version == 2


def test_scope_group_concepts_only_for_the_group_and_unit_concepts_for_the_unit(nr, group_officer):
    group_c = concept_save(acting_user=group_officer, text=ConceptText(kind=ConceptKind.VISION, title=VISION, body="x"))
    with pytest.raises(NotAllowed):  # a mine's officer may not change the group's vision
        concept_save(acting_user=nr.officer, concept=group_c,
                     text=ConceptText(kind=ConceptKind.VISION, title="改", body="y"))
    with pytest.raises(NotAllowed):
        concept_save(acting_user=nr.officer, text=ConceptText(kind=ConceptKind.VALUES, title="集团级", body="y"))
    mine_c = concept_save(acting_user=nr.officer, unit=nr.mine,
                          text=ConceptText(kind=ConceptKind.SAFETY, title="矿井安全理念", body="零打算"))
    with pytest.raises(NotAllowed):  # another unit's concept
        concept_save(acting_user=nr.officer, unit=nr.other_mine,
                     text=ConceptText(kind=ConceptKind.SAFETY, title="别矿", body="z"))
    with pytest.raises(NotAllowed):
        concept_save(acting_user=nr.outsider, concept=mine_c, text=ConceptText(kind="safety", title="t", body="b"))
    # The company's officer (above the mine) may edit the mine's concept.
    concept_save(acting_user=nr.company_officer, concept=mine_c,
                 text=ConceptText(kind=ConceptKind.SAFETY, title="矿井安全理念", body="零打算、零事故"))
    assert set(concepts_editable_by(nr.officer)) == {mine_c}
    assert set(concepts_editable_by(group_officer)) == {group_c, mine_c}
    assert not concepts_editable_by(nr.outsider).exists()


def test_pages_edit_retire_and_read(nr, group_officer, client):
    client.force_login(group_officer)
    r = client.post(reverse("publicity:concept_new"), {"kind": ConceptKind.SAFETY, "title": "“136”安全管理模式",
                                                        "body": "一个中心、三项机制、六个抓手", "order": 1,
                                                        "is_active": "on"})
    c = Concept.objects.get(title="“136”安全管理模式")
    assert r.status_code == 302 and c.unit is None
    client.force_login(nr.outsider)
    assert "一个中心、三项机制、六个抓手" in client.get(reverse("publicity:culture")).content.decode()
    assert client.get(reverse("publicity:concepts")).status_code == 403
    assert client.get(reverse("publicity:concept", args=[c.pk])).status_code == 404
    assert client.post(reverse("publicity:concept", args=[c.pk]), {"kind": "safety", "title": "改", "body": "改",
                                                                   "order": 0}).status_code == 404
    client.force_login(nr.officer)  # a mine's officer: not the group's concept
    assert client.get(reverse("publicity:concept", args=[c.pk])).status_code == 404
    client.force_login(group_officer)
    page = client.get(reverse("publicity:concept", args=[c.pk])).content.decode()
    assert "v1" in page
    r = client.post(reverse("publicity:concept", args=[c.pk]), {"kind": ConceptKind.SAFETY, "title": "“136”安全管理模式",
                                                               "body": "一个中心、三项机制、六个抓手", "order": 1,
                                                               "note": "停用，改用新模式"})  # is_active unticked
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.version, c.is_active) == (2, False)
    client.force_login(nr.outsider)
    assert "一个中心、三项机制、六个抓手" not in client.get(reverse("publicity:culture")).content.decode()


def test_admin_is_read_only(nr, system_admin):
    request = RequestFactory().get("/admin/")
    request.user = system_admin
    admin = site._registry[Concept]
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)
