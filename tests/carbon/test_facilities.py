"""Registering and editing facilities and their emission sources: the energy officer's phone form
and POST/PATCH /api/v1/carbon/facilities — scoped to the officer's units, validated with messages
naming the field, audited with before and after."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from django.test import Client

from audit.models import AuditEvent
from carbon import services
from carbon.models import Facility, Source
from core.errors import InvalidInput, NotAllowed
from orgs.models import Unit
from petitions.api.tokens import api_token_create

pytestmark = pytest.mark.django_db
BASE = "/api/v1/carbon"


def page(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user, name='t').key}"})


def send(client: Client, method: str, path: str, data: dict):
    return getattr(client, method)(BASE + path, json.dumps(data), content_type="application/json")


def office(world) -> Unit:
    """机电科, a department under the officer's mine: not yet a facility."""
    return Unit.objects.get(parent=world.mine.unit, name="机电科")


def test_officer_registers_a_unit_of_the_mine_on_the_phone_form(world):
    c = page(world.officer)
    form = c.get("/carbon/facilities/new/")
    body = form.content.decode()
    assert form.status_code == 200 and "机电科" in body and "西岭煤矿" not in body  # own subtree only
    r = c.post("/carbon/facilities/new/", {
        "unit": office(world).code, "kind": "prep_plant", "capacity_mtpa": "0.6", "status": "operating",
        "commissioned_on": "2012-07-01", "sources": ["ghg.fuel:diesel", "ghg.electricity"]})
    fac = Facility.objects.get(unit=office(world))
    assert r.status_code == 302 and r["Location"] == f"/carbon/facilities/{fac.pk}/"
    assert fac.kind == "prep_plant" and fac.capacity_mtpa == D("0.6")
    assert sorted((s.code, s.fuel) for s in fac.sources.all()) == [("ghg.electricity", ""), ("ghg.fuel", "diesel")]
    assert services.expected_quantities(fac) == ["fuel.diesel", "elec.purchased"]  # what the month will ask for
    event = AuditEvent.objects.get(action="carbon.facility.register", target_id=str(fac.pk))
    assert event.actor_id == world.officer.pk and event.data["capacity_mtpa"] == "0.6"


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "prep_plant", "capacity_mtpa": "-1"}, "核定产能不能为负数"),
    ({"kind": "prep_plant", "status": "retired", "commissioned_on": "2015-01-01", "retired_on": "2014-12-31"},
     "关闭日期须晚于投产日期"),
    ({"kind": "prep_plant", "status": "retired", "commissioned_on": "2015-01-01", "retired_on": "2015-01-01"},
     "关闭日期须晚于投产日期"),
    ({"kind": "prep_plant", "status": "retired"}, "已关闭的设施须填写关闭日期"),
    ({"kind": "mine", "mining_method": "surface", "gas_class": "high"}, "瓦斯等级只适用于井工煤矿"),
    ({"kind": "power_plant", "gas_class": "low"}, "瓦斯等级只适用于井工煤矿"),
    ({"kind": "mine"}, "煤矿须填写开采方式"),
    ({"kind": "mine", "mining_method": "surface", "sources": ["ghg.ch4_underground"]}, "只适用于井工煤矿"),
    ({"kind": "prep_plant", "sources": ["ghg.fuel:"]}, "须选择燃料品种"),
    ({"kind": "prep_plant", "capacity_mtpa": "很多"}, "不是有效的数值"),
    ({"kind": "prep_plant", "commissioned_on": "2015-13-01"}, "不是有效的日期"),
])
def test_form_refuses_impossible_facilities_with_a_clear_message_and_stores_nothing(world, fields, message):
    data = {"unit": office(world).code, "status": "operating", **fields}
    r = page(world.officer).post("/carbon/facilities/new/", data)
    assert r.status_code == 422 and message in r.content.decode()
    assert not Facility.objects.filter(unit=office(world)).exists() and not AuditEvent.objects.filter(
        action="carbon.facility.register", data__unit=office(world).code).exists()


def test_officer_cannot_register_or_edit_outside_the_own_units(world):
    # 赵能源 is the energy officer of 西岭煤矿: 东山煤矿's office is not his
    r = page(world.outsider).post("/carbon/facilities/new/", {"unit": office(world).code, "kind": "prep_plant"})
    assert r.status_code == 422 and not Facility.objects.filter(unit=office(world)).exists()
    with pytest.raises(NotAllowed):
        services.facility_register(unit=office(world), kind="prep_plant", acting_user=world.outsider)
    assert page(world.outsider).post(f"/carbon/facilities/{world.mine.pk}/edit/", {"kind": "mine"}).status_code == 404
    assert page(world.leader).get(f"/carbon/facilities/{world.mine.pk}/edit/").status_code == 403  # reads, never edits
    assert Facility.objects.get(pk=world.mine.pk).capacity_mtpa == D("1.2")


def test_editing_a_facility_and_its_sources_is_audited_with_before_and_after(world):
    c = page(world.officer)
    form = c.get(f"/carbon/facilities/{world.mine.pk}/edit/").content.decode()
    assert 'value="ghg.ch4_underground" id="src-' in form and "checked" in form
    r = c.post(f"/carbon/facilities/{world.mine.pk}/edit/", {
        "kind": "mine", "mining_method": "underground", "gas_class": "outburst", "capacity_mtpa": "1.5",
        "status": "operating", "sources": ["ghg.fuel:diesel", "ghg.ch4_underground", "ghg.ch4_post", "ghg.electricity",
                                           "ghg.flare"]})
    assert r.status_code == 302
    fac = Facility.objects.get(pk=world.mine.pk)
    assert fac.gas_class == "outburst" and fac.capacity_mtpa == D("1.5")
    assert Source.objects.get(facility=fac, code="ghg.flare").is_active
    event = AuditEvent.objects.get(action="carbon.facility.update", target_id=str(fac.pk))
    assert event.data["changed"] == {"gas_class": ["high", "outburst"], "capacity_mtpa": ["1.2", "1.5"]}
    assert ["ghg.flare", ""] in event.data["sources"][1] and ["ghg.flare", ""] not in event.data["sources"][0]
    # a source left out is switched off, never deleted: the months already entered keep their meaning
    c.post(f"/carbon/facilities/{world.mine.pk}/edit/", {
        "kind": "mine", "mining_method": "underground", "gas_class": "outburst", "capacity_mtpa": "1.5",
        "status": "operating", "sources": ["ghg.ch4_underground", "ghg.ch4_post", "ghg.electricity"]})
    diesel = Source.objects.get(facility=fac, code="ghg.fuel", fuel="diesel")
    assert diesel.is_active is False and "fuel.diesel" not in services.expected_quantities(fac)


def test_retiring_through_the_edit_form_needs_a_date_after_commissioning(world):
    services.facility_update(facility=world.other, acting_user=world.admin, changes={"commissioned_on": "2001-03-01"})
    with pytest.raises(InvalidInput) as err:
        services.facility_update(facility=world.other, acting_user=world.outsider,
                                 changes={"status": "retired", "retired_on": "2000-12-31"})
    assert err.value.details["field"] == "retired_on" and "关闭日期须晚于投产日期" in err.value.message
    fac = services.facility_update(facility=world.other, acting_user=world.outsider,
                                   changes={"status": "retired", "retired_on": "2025-06-30"})
    assert fac.status == "retired" and str(fac.retired_on) == "2025-06-30"


def test_api_creates_and_patches_facilities_within_scope(world):
    r = send(api(world.officer), "post", "/facilities", {
        "unit_code": office(world).code, "kind": "power_plant", "capacity_mtpa": "0",
        "sources": [{"code": "ghg.fuel", "fuel": "bituminous"}, {"code": "ghg.heat"}]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "power_plant" and body["unit_code"] == office(world).code
    assert {(s["code"], s["fuel"]) for s in body["sources"]} == {("ghg.fuel", "bituminous"), ("ghg.heat", "")}
    fid = body["id"]
    r = send(api(world.officer), "patch", f"/facilities/{fid}", {"status": "retired", "retired_on": "2025-09-30",
                                                                 "commissioned_on": "2010-01-01"})
    assert r.status_code == 200 and r.json()["status"] == "retired" and r.json()["retired_on"] == "2025-09-30"
    # the message names the field; nothing changes
    r = send(api(world.officer), "patch", f"/facilities/{fid}", {"retired_on": "2009-01-01"})
    assert r.status_code == 422 and "关闭日期须晚于投产日期" in r.json()["message"]
    r = send(api(world.officer), "patch", f"/facilities/{fid}", {"gas_class": "high"})
    assert r.status_code == 422 and "瓦斯等级" in r.json()["message"]
    assert send(api(world.officer), "patch", f"/facilities/{fid}", {"capacity_mtpa": "-2"}).status_code == 422
    assert str(Facility.objects.get(pk=fid).retired_on) == "2025-09-30"
    # outside the officer's units: unknown to him
    assert send(api(world.outsider), "patch", f"/facilities/{fid}", {"capacity_mtpa": "1"}).status_code == 404
    r = send(api(world.outsider), "post", "/facilities", {"unit_code": office(world).code, "kind": "prep_plant"})
    assert r.status_code == 422 and "unit_code" in r.json()["message"]
    assert send(api(world.officer), "post", "/facilities", {"unit_code": world.mine.unit.code, "kind": "mine",
                                                            "mining_method": "underground"}).status_code == 422


def test_facility_operations_have_unique_operation_ids():
    from petitions.api.main import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    ops = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(ops) == len(set(ops))
    carbon = schema["paths"][f"{BASE}/facilities"]
    assert carbon["post"]["operationId"] == "carbon_facilities_create"
    assert schema["paths"][f"{BASE}/facilities/{{facility_id}}"]["patch"]["operationId"] == "carbon_facilities_update"
