"""The list answers in a constant number of queries, however many petitions and states."""

from __future__ import annotations

from tests.api.helpers import REPLY_TEXT, assign_body, create


def _petitions(world, api_as, n: int) -> None:
    employee, officer = api_as(world.employee), api_as(world.officer)
    for i in range(n):
        pid = create(employee, title=f"第{i}件工资问题",
                     content=f"第{i}件：十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。")["public_id"]
        if i % 3 >= 1:
            officer.post(f"/petitions/{pid}/accept")
            officer.post(f"/petitions/{pid}/assign", assign_body(world))
        if i % 3 == 2:
            api_as(world.handler).post(f"/petitions/{pid}/reply", {"outcome": "support", "text": REPLY_TEXT})
            employee.post(f"/petitions/{pid}/request_review", {"text": "不服，申请复查。"})
    create(employee, title="检举队长克扣", ptype="accusation", category="cadre_conduct",
           content="综采一队队长克扣职工绩效工资，请求纪检部门调查处理。", accused_unit=world.team.code)


def test_list_query_count_does_not_grow_with_the_page(world, api_as, django_assert_max_num_queries):
    _petitions(world, api_as, 12)
    for person in (world.officer, world.employee, world.company_officer, world.leader):
        api = api_as(person)
        # key, key's last use (at most once a minute), roles, page, reviews of the page, count
        # … plus the scope's two constant-id look-ups (selectors._subtree_ids, _reviewed_by)
        with django_assert_max_num_queries(8):
            response = api.get("/petitions", limit=100)
        assert response.status_code == 200 and response.json()["count"] >= 12
