"""Roster import from a realistic messy Excel file, and the export that reads back."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from core.errors import InvalidInput
from party import scoping
from party.models import Member, MemberStatus
from party.roster import parse, roster_import, roster_xlsx
from tests.party.conftest import person


def messy_roster(rows: list[list]) -> bytes:
    """A title row, a two-row header with merged cells, full-width digits, blank rows."""
    wb = Workbook()
    ws = wb.active
    ws.append(["综采一队党支部党员花名册（２０２６年）"])
    ws.merge_cells("A1:I1")
    ws.append(["工号", "基本信息", None, None, "党籍信息", None, None, "所在党支部", "党费基数"])
    ws.append([None, "姓  名", "性别", "出生年月", "人员类别", "入党时间", "转正时间", None, None])
    ws.merge_cells("B2:D2")
    ws.merge_cells("E2:G2")
    ws.merge_cells("A2:A3")  # 工号 over both header rows
    ws.merge_cells("H2:H3")
    ws.merge_cells("I2:I3")
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def people(world):
    return [person(f"M{i}", f"矿工{i}", world.team) for i in range(1, 5)]


GOOD = [
    ["Ｍ１", "矿工1", "男", "１９８８．０５", "正式党员", "２０１０．０７．０１", "2011年7月1日", "综采一队党支部", "６２００"],
    [None, None, None, None, None, None, None, None, None],
    ["M2", "矿工2", "女", datetime(1995, 3, 2), "预备", "2026-06-30", None, "TS-ZC1-ZB", "4800.5"],
    [],
    ["M3", "矿工3", "男", "1990/1/1", "正式", "20150701", "20160701", "综采一队党支部", None],
]


def test_messy_file_all_valid_imports_everything(world, people):
    preview = parse(messy_roster(GOOD), allowed=[world.branch])
    assert preview.problems == [] and len(preview.rows) == 3 and not preview.invalid
    assert preview.rows[0].row == 4 and preview.rows[1].row == 6 and preview.rows[2].row == 8
    result = roster_import(preview, actor=world.secretary)
    assert result == {"created": 3, "updated": 0, "skipped": 0}
    m1 = Member.objects.get(person__employee_no="M1")
    assert (m1.status, m1.joined_on, m1.full_on, m1.birth_date, m1.dues_base, m1.gender) == (
        MemberStatus.FULL, date(2010, 7, 1), date(2011, 7, 1), date(1988, 5, 1), Decimal("6200.00"), "M")
    m2 = Member.objects.get(person__employee_no="M2")
    assert m2.status == MemberStatus.PROBATIONARY and m2.dues_base == Decimal("4800.50")
    assert m1.memberships.get().branch == world.branch
    # a second run of the same file updates, it does not duplicate
    again = roster_import(parse(messy_roster(GOOD), allowed=[world.branch]), actor=world.secretary)
    assert again["created"] == 0 and Member.objects.filter(person__employee_no__startswith="M").count() == 3


BAD = [
    *GOOD,
    ["M4", "矿工四", "男", "1990.13", "积极分子", "2010.7.1", "2009.7.1", "不存在支部", "-5"],
    ["M9", "无此人", "男", None, "正式", None, None, "综采一队党支部", None],
    ["Ｍ１", "矿工1", "男", None, "正式", None, None, "综采一队党支部", None],
]


def test_errors_by_row_and_column_nothing_imported(world, people):
    preview = parse(messy_roster(BAD), allowed=[world.branch])
    bad = {r.row: r.errors for r in preview.invalid}
    assert set(bad) == {9, 10, 11}
    cols9 = {c.split("（")[0] for c, _m in bad[9]}
    assert cols9 == {"B", "D", "E", "G", "H", "I"}  # name, birth date, status, 转正<入党, branch, dues
    assert any("矿工4" in m for _c, m in bad[9])
    assert bad[10][0][0].startswith("A") and "M9" in bad[10][0][1]
    assert "第4行" in bad[11][0][1]  # duplicate of row 4
    with pytest.raises(InvalidInput):
        roster_import(preview, actor=world.secretary)
    assert not Member.objects.filter(person__employee_no__startswith="M").exists()
    result = roster_import(preview, actor=world.secretary, valid_only=True)
    assert result == {"created": 3, "updated": 0, "skipped": 3}


def test_branch_outside_scope_is_a_row_error(world, people):
    rows = [["M1", "矿工1", "男", None, "正式", "2010.7.1", None, "同忻矿机关党支部", None]]
    preview = parse(messy_roster(rows), allowed=list(scoping.managed_orgs(world.secretary)))
    assert preview.invalid and "无权" in preview.invalid[0].errors[0][1]


def test_missing_required_column(world, people):
    wb = Workbook()
    wb.active.append(["姓名", "性别"])
    wb.active.append(["矿工1", "男"])
    buf = io.BytesIO()
    wb.save(buf)
    preview = parse(buf.getvalue())
    assert len(preview.problems) == 3
    with pytest.raises(InvalidInput):
        roster_import(preview, actor=None)


def test_not_an_excel_file(world):
    with pytest.raises(InvalidInput):
        parse(b"not a spreadsheet")


def test_manual_mapping(world, people):
    wb = Workbook()
    wb.active.append(["编号", "名字", "单位", "身份"])
    wb.active.append(["M1", "矿工1", "综采一队党支部", "正式党员"])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    assert parse(data).problems
    preview = parse(data, mapping={0: "employee_no", 1: "name", 2: "branch", 3: "status"})
    assert not preview.problems and not preview.invalid


def test_export_round_trip(world, people):
    roster_import(parse(messy_roster(GOOD), allowed=[world.branch]), actor=None)
    data = roster_xlsx(Member.objects.filter(branch=world.branch))
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("工号", "姓名", "所在党支部", "人员类别") and len(rows) == 6
    preview = parse(data, allowed=[world.branch])
    assert not preview.problems and not preview.invalid and len(preview.rows) == 5
