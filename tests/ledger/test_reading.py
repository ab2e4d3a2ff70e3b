"""Reading ledger files: formats judged by content, encodings, the header row, limits."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from ledger.fields import DateError, guess_mapping, lookup_code, parse_date
from ledger.reading import LedgerFileError, open_ledger, read_layout
from tests.ledger.conftest import HEADERS, row, write_csv, write_xlsx
from tongxin.lib.periods import SHANGHAI


def layout_of(path, **kw):
    with open_ledger(path) as ledger:
        return ledger, read_layout(ledger, **kw)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_chinese_excel_users_save_in(tmp_path, encoding):
    path = write_csv(tmp_path / "a.csv", [row(1), row(2)], encoding=encoding)
    ledger, layout = layout_of(path)
    assert ledger.kind == "csv" and layout.headers == HEADERS and layout.data_rows == 2
    assert layout.preview[0][7].startswith("十月份绩效工资")


def test_tab_separated_text_is_read_too(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("\n".join("\t".join(str(v) for v in r) for r in [HEADERS, row(1)]), encoding="utf-16")
    assert layout_of(path)[1].headers == HEADERS


def test_a_workbook_with_a_title_row_and_date_cells(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [row(1, 登记日期=datetime(2021, 3, 5))])
    ledger, layout = layout_of(path)
    assert ledger.kind == "xlsx" and [s.name for s in ledger.sheets] == ["2021年"]
    assert layout.header_row == 2 and layout.headers == HEADERS and layout.preview[0][2] == "2021-03-05"
    with open_ledger(path) as ledger:
        values = dict(ledger.rows())[3]
    assert values[2] == datetime(2021, 3, 5)  # a date cell comes as a date


def test_several_sheets_and_blank_rows(tmp_path):
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本台账按年度分表"])
    ws = wb.create_sheet("2022年")
    ws.append(HEADERS)
    ws.append(row(1))
    ws.append([])
    ws.append([None, "  "])
    ws.cell(row=9, column=1, value=9)
    ws.cell(row=9, column=8, value="又一件")
    wb.save(tmp_path / "a.xlsx")
    with open_ledger(tmp_path / "a.xlsx") as ledger:
        with pytest.raises(LedgerFileError, match="只有一列"):
            read_layout(ledger)
        layout = read_layout(ledger, sheet="2022年")
        assert layout.header_row == 1 and layout.data_rows == 2  # blank rows are not data
        with pytest.raises(LedgerFileError, match="没有名为“2023年”的工作表"):
            read_layout(ledger, sheet="2023年")


def test_duplicate_and_empty_headers_get_names(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["1", "2", "3", "4"]], headers=["日期", "", "日期", "内容"])
    assert layout_of(path)[1].headers == ["日期", "第B列", "日期#2", "内容"]


def test_formulas_are_read_as_formulas_not_as_cached_values(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [row(1, 反映问题='=HYPERLINK("http://x","点")')])
    with open_ledger(path) as ledger:
        values = dict(ledger.rows())[3]
    assert values[7] == '=HYPERLINK("http://x","点")'


@pytest.mark.parametrize(("content", "message"), [
    (b"", "文件是空的"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版Excel"),
    (b"PK\x03\x04garbage", "不是有效的Excel工作簿"),
    ("日期,内容\n2021-01-01,a\x00b\n".encode(), "空字符"),
    (b"\xfe\xfe\xff\xff not text", "无法识别文件编码"),
])
def test_unreadable_files_are_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(LedgerFileError, match=message), open_ledger(path) as ledger:
        read_layout(ledger)


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(LedgerFileError, match="不是Excel工作簿"):
        open_ledger(path)


def test_limits_rows_and_columns(tmp_path, settings):
    settings.LEDGER_MAX_ROWS = 3
    path = write_csv(tmp_path / "a.csv", [row(n) for n in range(1, 5)])
    with pytest.raises(LedgerFileError, match="数据超过3行"):
        layout_of(path)
    wide = write_csv(tmp_path / "b.csv", [["x"] * 300], headers=[f"列{i}" for i in range(300)])
    with pytest.raises(LedgerFileError, match="表头有300列，超过上限200列"):
        layout_of(wide)


def test_dates_in_the_layouts_a_clerk_chooses():
    at = datetime(2021, 3, 5, tzinfo=SHANGHAI)
    for text in ("2021-03-05", "2021/3/5", "2021.03.05", "2021年3月5日", "２０２１－０３－０５"):
        assert parse_date(text, ["ymd"]) == at, text
    assert parse_date("20210305", ["ymd8"]) == at
    assert parse_date(20210305, ["ymd8"]) == at
    assert parse_date("2021-03-05 14:30", ["ymd"]) == at.replace(hour=14, minute=30)
    assert parse_date("03/05/2021", ["mdy"]) == at and parse_date("05/03/2021", ["dmy"]) == at
    assert parse_date(datetime(2021, 3, 5), ["ymd"]) == at  # an Excel date cell: local time
    with pytest.raises(DateError, match="不是有效日期"):
        parse_date("2021-02-29", ["ymd"])
    with pytest.raises(DateError, match="不是可识别的日期"):
        parse_date("03/05/2021", ["ymd"])  # not a chosen layout: an error, not a guess
    with pytest.raises(DateError, match="Excel日期序号"):
        parse_date(44260, ["ymd"])


def test_labels_and_guesses():
    assert lookup_code("category", "工资薪酬") == "wages" and lookup_code("category", " 工 资 ") == "wages"
    assert lookup_code("category", "其他") == "other"
    assert lookup_code("category", "杂项") is None  # never "other" by default
    assert lookup_code("category", "杂项", {"杂项": "other"}) == "other"
    assert lookup_code("state", "已办结") == "closed" and lookup_code("channel", "来访") == "visit"
    guessed = guess_mapping(["序号", "信访\n编号", "来信人*", "日期（年月日）", "反映问题", "问题类别", "承办单位",
                             "状态", "满意度", "错误说明"])
    assert guessed == {"legacy_number": "信访\n编号", "received": "日期（年月日）", "name": "来信人*",
                       "content": "反映问题", "category": "问题类别", "handling_unit": "承办单位", "state": "状态",
                       "rating": "满意度"}
