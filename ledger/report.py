"""The error report: the failing rows of the ledger as they were, plus 原行号 and 错误说明.

Only the rows that need the clerk's attention are in it (failed rows, and rows already
imported whose content has changed, marked 【提示】), in the file's order, with the file's own
headers: the clerk corrects them in Excel and uploads the report itself again. The two added
columns are ignored on import, and rows imported before are recognised by their key, so a
re-import never creates a petition twice.

Cells are written as text where the ledger had text; a text cell starting with = + - @ (or a
tab or carriage return) gets a leading apostrophe, so that Excel or WPS never runs it as a
formula (CSV/formula injection). Characters XML cannot hold are replaced by U+FFFD.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ledger.fields import REPORT_COLUMNS
from ledger.importer import Reporter
from ledger.reading import MAX_CELL_CHARS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_EARLIEST = date(1900, 3, 1)  # Excel cannot show dates before this one


def neutralise(value):
    """A value safe to put in a spreadsheet cell."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return value if value.date() >= EXCEL_EARLIEST else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    if text.startswith(FORMULA_START):
        text = "'" + text
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


class XlsxReport(Reporter):
    def __init__(self, headers: list[str], *, title: str = "") -> None:
        self.headers = headers
        self.keep = [i for i, h in enumerate(headers) if h not in REPORT_COLUMNS]
        self.count = 0
        self.notes = 0
        self.title = title
        self.wb: Workbook | None = None  # made on the first failing row

    def _start(self) -> None:
        self.wb = Workbook(write_only=True)
        self.ws = self.wb.create_sheet("错误说明")
        self.ws.freeze_panes = "A2"
        width = len(self.keep) + 2
        for i in range(width):
            self.ws.column_dimensions[get_column_letter(i + 1)].width = 16
        self.ws.column_dimensions[get_column_letter(width)].width = 60
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="FFF2CC")
        header = []
        for text in [self.headers[i] for i in self.keep] + list(REPORT_COLUMNS):
            cell = WriteOnlyCell(self.ws, value=neutralise(text))
            cell.font = bold
            cell.fill = fill
            header.append(cell)
        self.ws.append(header)
        self._error_font = Font(color="B71C1C")
        self._note_font = Font(color="7F6000")
        self._wrap = Alignment(wrap_text=True, vertical="top")

    def add(self, number: int, values: list, messages: list[str], *, note: bool = False) -> None:
        if self.wb is None:
            self._start()
        self.count += 1
        self.notes += note
        row: list = [neutralise(values[i]) if i < len(values) else None for i in self.keep]
        row.append(number)
        cell = WriteOnlyCell(self.ws, value=neutralise("；".join(messages)))
        cell.font = self._note_font if note else self._error_font
        cell.alignment = self._wrap
        row.append(cell)
        self.ws.append(row)

    def content(self, summary_lines: list[str]) -> bytes:
        if self.wb is None:
            self._start()
        assert self.wb is not None
        about = self.wb.create_sheet("说明")
        about.column_dimensions["A"].width = 100
        lines = [self.title, *summary_lines, "",
                 "本表只列出需要处理的行：“错误说明”为红色的行未导入，改正后可直接上传本文件重新导入；",
                 "“原行号”“错误说明”两列导入时自动忽略；已经导入的行会被识别，不会重复登记；",
                 "标为【提示】的行此前已导入，本次内容与当时不同，系统不会修改已导入的事项。",
                 "以 = + - @ 开头的单元格前加了单引号（'），防止被当作公式执行；导入时会自动去掉。"]
        for line in lines:
            about.append([neutralise(line)])
        buffer = io.BytesIO()
        self.wb.save(buffer)
        return buffer.getvalue()
