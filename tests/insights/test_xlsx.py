"""The streaming sheet writer (insights.xlsx): what openpyxl (and so Excel) reads back."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from insights.xlsx import SheetWriter, column_letter


def test_values_read_back_with_their_types():
    w = SheetWriter("受理决定[1]", [12, 8, 8, 14, 18, 6, 6], ["编号", "人数", "比率", "日期", "时间", "是否", "空"],
                    note="按期办结率　统计周期：2026年3月")
    rows = [
        ["XF-2026-000001", 3, 97.5, date(2026, 3, 31), datetime(2026, 3, 31, 23, 59, 30), True, None],
        ["=1+1 <b>&\"'", -1, 0.1, date(1900, 3, 1), datetime(2026, 1, 1, 0, 0), False, None],
        ["控制\x01字符\x1f", 0, 1e-7, None, None, None, None],
    ]
    assert w.rows(iter(rows)) == 3
    book = load_workbook(io.BytesIO(w.close()))
    sheet = book.active
    assert sheet.title == "受理决定1"
    assert sheet.freeze_panes == "A3"
    assert sheet["A1"].value == "按期办结率　统计周期：2026年3月" and sheet["A1"].font.i
    assert [c.value for c in sheet[2]] == ["编号", "人数", "比率", "日期", "时间", "是否", "空"]
    assert sheet["A2"].font.b
    got = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert got[0] == ["XF-2026-000001", 3, 97.5, datetime(2026, 3, 31), datetime(2026, 3, 31, 23, 59, 30), True, None]
    assert got[1] == ["=1+1 <b>&\"'", -1, 0.1, datetime(1900, 3, 1), datetime(2026, 1, 1), False, None]
    assert got[2][:3] == ["控制字符", 0, 1e-7]
    assert sheet["A3"].data_type == "s"  # text, never a formula
    assert sheet["D3"].number_format == "yyyy-mm-dd" and sheet["E3"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet.column_dimensions["A"].width == 12


def test_column_letters():
    assert [column_letter(i) for i in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
