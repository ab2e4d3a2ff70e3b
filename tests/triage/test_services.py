"""Triage wired into the petition core: registration, risk, notifications, repeats, groups,
identity-sensitive exclusion, confirmation, search, similar cases, failure recording."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orgs.models import RoleAssignment
from petitions.choices import Category, Channel, PetitionType, State
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_register
from petitions.models import Notification, Petition
from petitions.selectors import visible_to
from tests.petitions.conftest import at, person, submit
from triage import services
from triage.models import Feedback, SensitivePeriod, Triage

pytestmark = pytest.mark.django_db


def test_registration_triages_the_petition(world):
    result = submit(world, now=at(2026, 3, 2))
    t = Triage.objects.get(petition=result.petition)
    assert t.status == Triage.Status.OK
    assert t.category == Category.WAGES and 0 < t.category_confidence <= 1
    assert t.ptype in PetitionType.values and t.model_version == "seed-2"
    assert t.risk_level == "low" and t.reasons == []


def test_high_risk_raises_the_petition_and_notifies_the_leader(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = submit(world, now=at(2026, 3, 2), title="工资拖欠半年",
                        content="欠了我半年工资，再不给我就从矿办公楼上跳楼，说到做到。")
    p = Petition.objects.get(pk=result.petition.pk)
    assert p.risk_level == "high" and "extreme" in p.flags
    t = p.triage
    assert any(r["phrase"] == "跳楼" for r in t.reasons)
    note = Notification.objects.get(user=world.leader, petition=p)
    assert "高风险" in note.text and "跳楼" in note.text


def test_false_friend_and_negation_stay_low(world):
    p = submit(world, now=at(2026, 3, 2), title="配电室跳闸",
               content="井下配电室这周跳闸了三次，没有人想闹事，只希望尽快检修。").petition
    p.refresh_from_db()
    assert p.risk_level == "low" and p.triage.risk_level == "low"


def test_sensitive_period_raises_medium_to_high(world):
    SensitivePeriod.objects.create(name="全国两会", start=at(2026, 3, 1).date(), end=at(2026, 3, 15).date())
    p = submit(world, now=at(2026, 3, 5), title="联名反映", content="我们十二名职工联名反映岗位工资定级不公平的问题。").petition
    assert p.triage.risk_level == "high"
    assert any("全国两会" in r["why"] for r in p.triage.reasons)


def test_litigation_is_flagged(world):
    p = submit(world, now=at(2026, 3, 2), title="解除合同纠纷",
               content="我已经向区人民法院提起诉讼，法院已立案，请问单位还能不能协调解决解除劳动合同的事。").petition
    assert p.triage.litigation and "litigation" in Petition.objects.get(pk=p.pk).flags


def test_a_reworded_repeat_links_to_the_original_with_its_state(world):
    first = submit(world, now=at(2026, 3, 2), title="三月工资少发",
                   content="我是三号井综采一队的，三月份工资少发了八百元，问班长也说不清楚，请求补发。").petition
    second = submit(world, now=at(2026, 4, 2), title="工资的事",
                    content="领导好，3号井综采1队3月的工资给我少算了800块钱，到现在没人给个说法，赶紧给我补上！").petition
    other = submit(world, now=at(2026, 4, 3), title="六月工资少发",
                   content="我是五号井综采二队的，六月份工资少发了八百元，问班长也说不清楚，请求补发。").petition
    assert second.triage.repeat_of_id == first.pk and "repeat" in Petition.objects.get(pk=second.pk).flags
    assert other.triage.repeat_of_id is None


def test_same_matter_from_different_people_is_grouped(world):
    text = "家属区3号楼冬天暖气不热，屋里只有十二度，老人孩子冻得受不了，请后勤处尽快解决。"
    a = submit(world, now=at(2026, 1, 5), title="暖气不热", content=text).petition
    other = person("Z9", "马明", world.team)
    draft = PetitionDraft(title="暖气不热", content=text + "我家也一样。", category=Category.HOUSING_LIVING,
                          unit=world.mine, identity=Identity())
    from petitions.intake import petition_submit

    b = petition_submit(petitioner=other, draft=draft, now=at(2026, 1, 6)).petition
    assert b.triage.group_id is not None
    assert Triage.objects.get(petition=a).group_id == b.triage.group_id
    assert b.triage.repeat_of_id is None


def test_named_cadre_becomes_the_accused_and_loses_sight(world):
    p = submit(world, now=at(2026, 3, 2), title="检举刘德华", ptype=PetitionType.ACCUSATION,
               category=Category.CADRE_CONDUCT,
               content="我实名检举刘德华矿长收受承包商红包，把工程给了不合格的队伍，还打击报复提意见的工人。").petition
    p.refresh_from_db()
    assert p.triage.identity_sensitive and "identity_sensitive" in p.flags
    assert p.accused_user_id == world.leader.pk
    assert not visible_to(world.leader).filter(pk=p.pk).exists()
    assert visible_to(world.officer).filter(pk=p.pk).exists()


def test_failure_never_fails_the_intake_and_is_recorded(world, monkeypatch):
    def boom(petition, **kw):
        raise RuntimeError("model file missing")

    monkeypatch.setattr(services, "triage_petition", boom)
    p = submit(world, now=at(2026, 3, 2)).petition
    t = Triage.objects.get(petition=p)
    assert t.status == Triage.Status.FAILED and "model file missing" in t.error
    assert list(services.failures(world.officer)) == [t]
    monkeypatch.undo()
    services.triage_retry(petition=p, user=world.officer)
    assert Triage.objects.get(petition=p).status == Triage.Status.OK


def test_officer_confirms_or_corrects(world):
    p = submit(world, now=at(2026, 3, 2), category=Category.OTHER).petition
    t = p.triage
    fb = services.triage_confirm(triage=t, user=world.officer)
    assert fb.action == Feedback.Action.CONFIRM and Petition.objects.get(pk=p.pk).category == t.category
    fb = services.triage_confirm(triage=t, user=world.officer, category=Category.SOCIAL_INSURANCE, ptype=PetitionType.INQUIRY)
    assert fb.action == Feedback.Action.CORRECT
    assert Petition.objects.get(pk=p.pk).category == Category.SOCIAL_INSURANCE
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.triage_confirm(triage=t, user=world.other_officer)


def test_search_terms_of_two_three_four_characters_through_scope(world):
    p = submit(world, now=at(2026, 3, 2), title="尘肺病工伤认定",
               content="我在井下干了二十年，查出尘肺病二期，申请工伤认定一直办不下来。").petition
    submit(world, now=at(2026, 3, 3), title="食堂", content="职工食堂的饭菜又贵又难吃，价格一年涨了两次。")
    for term in ("尘肺", "尘肺病", "工伤认定", "尘肺病二期", "塵肺病"):
        assert list(services.search(world.officer, term)) == [p], term
    assert list(services.search(world.officer, "尘肺 认定")) == [p]
    assert list(services.search(world.officer, "尘肺", category=Category.WAGES)) == [p]  # submitted as wages
    assert not services.search(world.officer, "尘肺", category=Category.SAFETY).exists()
    assert not services.search(world.other_officer, "尘肺").exists()
    assert not services.search(world.officer, "肺尘").exists()


def test_similar_petitions_is_stable_and_scoped(world):
    base = "我在井下干了二十年，查出尘肺病二期，申请工伤认定一直办不下来，请帮忙。"
    a = submit(world, now=at(2026, 3, 2), title="尘肺病", content=base).petition
    b = submit(world, now=at(2026, 3, 3), title="尘肺病认定", content=base.replace("二十年", "十八年")).petition
    similar = services.similar_petitions(b, limit=5)
    assert similar and similar[0].petition.pk == a.pk and 0 < similar[0].score <= 1
    assert services.similar_petitions(b, limit=5, among=visible_to(world.other_officer)) == []


def test_staff_page_shows_panel_and_one_click_confirm(world, client):
    p = submit(world, now=at(2026, 3, 2), category=Category.OTHER).petition
    client.force_login(world.officer)
    page = client.get(reverse("petitions:detail", args=[p.public_id]))
    assert page.status_code == 200 and b'data-testid="triage-panel"' in page.content
    assert b'data-testid="triage-confirm"' in page.content
    r = client.post(reverse("triage:confirm", args=[p.public_id]))
    assert r.status_code == 302
    assert Feedback.objects.filter(petition=p, user=world.officer).exists()
    # The petitioner's view of the same page has no panel.
    client.force_login(world.employee)
    assert b"triage-panel" not in client.get(reverse("petitions:detail", args=[p.public_id])).content


def test_pages_respond(world, client):
    client.force_login(world.officer)
    submit(world, now=at(2026, 3, 2))
    assert client.get(reverse("triage:home")).status_code == 200
    r = client.get(reverse("triage:search"), {"q": "绩效"})
    assert r.status_code == 200 and "绩效".encode() in r.content
    r = client.post(reverse("triage:rules"), {"text": "再不解决就去堵路", "people_count": 1, "prior": 0})
    assert r.status_code == 200 and b'data-level="high"' in r.content
    assert client.get(reverse("triage:periods")).status_code == 403
    client.force_login(world.outsider)
    assert client.get(reverse("triage:home")).status_code == 403


def test_admin_edits_a_rule_and_tests_it(world, client):
    admin = person("A1", "管理员", world.group)
    RoleAssignment.objects.create(user=admin, unit=world.group, role="administrator")
    client.force_login(admin)
    r = client.post(reverse("triage:rule_new"), {"label": "扬言上网曝光", "kind": "risk", "flag": "skip_level",
                                                  "level": "medium", "patterns": "发抖音\n上热搜", "exclude": "",
                                                  "negatable": "on", "enabled": "on"})
    assert r.status_code == 302
    r = client.post(reverse("triage:rules"), {"text": "不解决我就发抖音上热搜", "people_count": 1, "prior": 0})
    assert b'data-level="medium"' in r.content
    r = client.post(reverse("triage:rule_new"), {"label": "坏", "kind": "risk", "level": "low", "patterns": "(",
                                                  "enabled": "on"})
    assert r.status_code == 200  # refused with a message, nothing stored


def test_registration_by_officer_is_triaged_by_identity(world):
    draft = PetitionDraft(title="塌陷", content="杨庄村的房子因为采煤塌陷裂了好几道大缝，住着不安全，请求鉴定赔偿。",
                          category=Category.LAND_SUBSIDENCE, unit=world.mine, channel=Channel.VISIT,
                          identity=Identity(name="张大山", phone="13800001111"))
    p1 = petition_register(officer=world.officer, draft=draft, now=at(2026, 3, 2)).petition
    draft2 = PetitionDraft(title="房子裂缝", content="俺是杨庄村的，俺家房子采煤塌陷裂了大缝，住着害怕，请给鉴定赔偿。",
                           category=Category.LAND_SUBSIDENCE, unit=world.mine, channel=Channel.PHONE,
                           identity=Identity(name="张大山", phone="138-0000-1111"))
    p2 = petition_register(officer=world.officer, draft=draft2, now=at(2026, 4, 2)).petition
    assert p2.triage.repeat_of_id == p1.pk
    assert Petition.objects.get(pk=p1.pk).state == State.REGISTERED



def test_search_page_is_a_page_of_the_full_query(world):
    for k in range(7):
        submit(world, now=at(2026, 3, 2 + k), title=f"尘肺病{k}", content=f"查出尘肺病{k}期，申请工伤认定一直办不下来。")
    for who in (world.officer, world.other_officer, world.group_officer):
        full = list(services.search(who, "尘肺"))
        for offset in (0, 2, 5):
            assert services.search_page(who, "尘肺", offset=offset, limit=3) == full[offset : offset + 3]


def test_an_officer_named_by_triage_is_not_told_of_the_petition(world, django_capture_on_commit_callbacks):
    from petitions.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        p = submit(world, now=at(2026, 3, 2), title="检举信访干事", ptype=PetitionType.ACCUSATION,
                   category=Category.CADRE_CONDUCT,
                   content="我实名检举信访办主任李秀英收受红包，把工人的举报压下不报，还打击报复提意见的工人。").petition
    p.refresh_from_db()
    assert p.accused_user_id == world.officer.pk
    # The new-petition notice goes through the scoping function: the named officer hears nothing of
    # it, the officers above the mine do.
    assert not Notification.objects.filter(user=world.officer, petition=p).exists()
    assert Notification.objects.filter(user=world.company_officer, petition=p).exists()
