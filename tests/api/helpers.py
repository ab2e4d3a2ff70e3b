"""Request bodies shared by the API tests."""

from __future__ import annotations

from tests.api.conftest import ApiClient

NAMED = {
    "title": "综采一队十月绩效工资少发",
    "content": "我是综采一队职工，十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。",
    "category": "wages",
    "unit": "TS",
}
REPLY_TEXT = "经核实，十月绩效因考核系统录入错误少计，已于十一月随工资补发。"
OPINION = "经复查，补发金额计算正确，夜班津贴已另行发放，维持原处理意见。"


def create(api: ApiClient, **overrides) -> dict:
    response = api.post("/petitions", {**NAMED, **overrides})
    assert response.status_code == 201, response.content.decode()
    return response.json()


def assign_body(world) -> dict:
    return {"handling_unit": world.team.code, "handler": world.handler.employee_no,
            "leader": world.leader.employee_no, "note": "请一周内核实"}
