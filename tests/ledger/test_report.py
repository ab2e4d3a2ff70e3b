"""The error report: the failing rows as they were, the reason per row, formulas neutralised,
and a report corrected in Excel imports as it is."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from ledger.report import neutralise
from ledger.services import report_content
from petitions.models import Petition
from tests.ledger.conftest import HEADERS, row

pytestmark = pytest.mark.django_db

INJECTIONS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1:A2)",
              "\t=1", "\r=1"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_text_that_a_spreadsheet_would_run_gets_a_quote(text):
    assert neutralise(text) == "'" + text


def test_plain_values_are_left_alone():
    assert neutralise("工资少发") == "工资少发" and neutralise(12) == 12 and neutralise(None) is None
    assert neutralise("a\x07b") == "a\ufffdb"  # XML cannot hold it
    assert len(neutralise("长" * 40000)) == 32767


def report_rows(run) -> list[tuple]:
    return list(load_workbook(io.BytesIO(report_content(run)))["错误说明"].iter_rows(values_only=True))


def test_formula_injection_in_a_csv_is_neutralised_in_the_report(run_ledger):
    # Every row fails (an unknown category), so every injected cell goes into the report.
    rows = [row(n, 反映问题=text, 来信人=text[:10], 问题类别="未知")
            for n, text in enumerate(INJECTIONS, start=1)]
    run = run_ledger(rows, csv=True)
    assert run.job.result["failed"] == len(INJECTIONS) and Petition.objects.count() == 0
    data = report_content(run)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere
    wb = load_workbook(io.BytesIO(data))
    for line in wb["错误说明"].iter_rows(min_row=2):
        content = line[HEADERS.index("反映问题")]
        assert content.data_type == "s" and content.value.startswith("'")


def test_only_failing_rows_with_their_row_number_and_reason(run_ledger):
    run = run_ledger([row(1), row(2, 问题类别="未知类"), row(3), row(4, 登记日期="2021-13-01")])
    rows = report_rows(run)
    assert rows[0] == tuple(HEADERS) + ("原行号", "错误说明")
    assert [(r[1], r[-2]) for r in rows[1:]] == [("TS2021-0002", 4), ("TS2021-0004", 6)]
    assert "未知类" in rows[1][-1] and "2021-13-01" in rows[2][-1]
    about = [r[0] for r in load_workbook(io.BytesIO(report_content(run)))["说明"].iter_rows(values_only=True)]
    assert any("新建2件" in (line or "") for line in about)


def test_a_report_corrected_in_excel_imports_as_it_is(run_ledger, tmp_path):
    rows = [row(1), row(2, 问题类别="工资问题呀"), row(3, 登记日期="2021-02-30"), row(4, 办理单位="三号井"), row(5)]
    first = run_ledger(rows)
    assert (first.job.result["created"], first.job.result["failed"]) == (2, 3)

    # The clerk opens the report in Excel and corrects the three rows.
    wb = load_workbook(io.BytesIO(report_content(first)))
    ws = wb["错误说明"]
    col = {cell.value: cell.column for cell in ws[1]}
    fixes = {"TS2021-0002": ("问题类别", "工资薪酬"), "TS2021-0003": ("登记日期", "2021-03-01"),
             "TS2021-0004": ("办理单位", "综采一队")}
    for r in range(2, ws.max_row + 1):
        header, value = fixes[ws.cell(r, col["信访编号"]).value]
        ws.cell(r, col[header]).value = value
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)

    from ledger.services import import_file

    second = import_file(path=fixed, source=first.upload.source, user=first.job.owner)
    assert second.upload.header_row == 1 and second.upload.headers[-2:] == ["原行号", "错误说明"]
    assert (second.job.result["created"], second.job.result["failed"]) == (3, 0), second.job.result
    assert not second.report
    assert Petition.objects.count() == 5
    # The original file again: the five rows are known, the three broken ones still fail.
    third = run_ledger(rows)
    assert (third.job.result["created"], third.job.result["unchanged"], third.job.result["failed"]) == (0, 2, 3)
