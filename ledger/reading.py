"""Reading untrusted ledger files (.xlsx, .csv) row by row, with hard limits (no ORM).

- The format is judged by content, not by the file name: a zip is a workbook, an OLE2 file is
  the old .xls (refused with a hint), anything else must be text in UTF-8 (with or without
  BOM), UTF-16 with BOM (Excel's "Unicode 文本") or GB18030/GBK (Chinese Excel's CSV).
- Workbooks: openpyxl reads the package parts (content types, workbook, shared strings,
  styles); the sheet itself is streamed with lxml's iterparse (no entities, no network) and
  rows are read as they are stored: the sheet's declared dimension is never trusted, so a
  sheet that claims A1:XFD1048576 costs nothing. Formulas come back as their text ("=…"),
  so that a mapped cell holding a formula is reported rather than silently replaced by its
  cached value. The zip is checked first: member count, declared sizes and compression ratio.
- Limits: columns, data rows, cell length (see the constants). A file beyond them is refused
  with a clear message; nothing has been written by then.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

MAX_COLUMNS = 200
MAX_CELL_CHARS = 32767  # Excel's own limit
HEADER_SCAN_ROWS = 20
PREVIEW_ROWS = 5
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_TOTAL = 600 * 1024 * 1024  # declared uncompressed bytes of all parts
ZIP_MAX_RATIO = 150  # a sheet of text compresses ~10–30×; a bomb compresses ~1000×


def max_rows() -> int:
    return int(getattr(settings, "LEDGER_MAX_ROWS", 200_000))


class LedgerFileError(Exception):
    """The file cannot be read as a ledger; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    name: str
    path: str = ""  # zip member of a workbook sheet


@dataclass
class LedgerFile:
    """An opened ledger: its kind, encoding and sheets; rows are streamed by :meth:`rows`."""

    path: Path
    kind: str  # "xlsx" or "csv"
    encoding: str = ""
    sheets: list[Sheet] = field(default_factory=list)
    _text: str = ""
    _delimiter: str = ","
    _strings: list[str] = field(default_factory=list)
    _date_styles: frozenset[int] = frozenset()
    _epoch: datetime | None = None
    _zip: zipfile.ZipFile | None = None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> LedgerFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def sheet(self, name: str = "") -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        if name:
            raise LedgerFileError(f"文件中没有名为“{name}”的工作表")
        return self.sheets[0]

    def rows(self, sheet: str = "") -> Iterator[tuple[int, list]]:
        """(row number as Excel shows it, cell values) for every stored row, blank rows included
        only when stored; values are str/int/float/bool/datetime/None."""
        if self.kind == "csv":
            yield from self._csv_rows()
        else:
            yield from self._xlsx_rows(self.sheet(sheet))

    # --- CSV ---------------------------------------------------------------------------------

    def _csv_rows(self) -> Iterator[tuple[int, list]]:
        reader = csv.reader(io.StringIO(self._text, newline=""), delimiter=self._delimiter)
        number = 0
        try:
            for record in reader:
                number += 1
                if len(record) > MAX_COLUMNS * 5:
                    raise LedgerFileError(f"第{number}行有{len(record)}列，超过上限{MAX_COLUMNS}列")
                yield number, record
        except csv.Error as exc:
            raise LedgerFileError(f"第{number + 1}行无法按CSV读取（{exc}），请检查引号是否成对") from None

    # --- xlsx --------------------------------------------------------------------------------

    def _xlsx_rows(self, sheet: Sheet) -> Iterator[tuple[int, list]]:
        from lxml import etree
        from openpyxl.utils.cell import column_index_from_string
        from openpyxl.utils.datetime import from_excel

        ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
        row_tag, v_tag, f_tag, t_tag, rph_tag = ns + "row", ns + "v", ns + "f", ns + "t", ns + "rPh"
        strings, date_styles, epoch = self._strings, self._date_styles, self._epoch
        columns: dict[str, int] = {}

        def column_of(ref: str) -> int:
            letters = ref.rstrip("0123456789")
            index = columns.get(letters)
            if index is None:
                index = column_index_from_string(letters)
                columns[letters] = index
            return index

        assert self._zip is not None
        number = 0
        try:
            with self._zip.open(sheet.path) as fh:
                parser = etree.iterparse(
                    fh, events=("end",), tag=row_tag, resolve_entities=False, no_network=True, huge_tree=False,
                    load_dtd=False,
                )
                for _event, row in parser:
                    r = row.get("r")
                    number = int(r) if r else number + 1
                    values: list = []
                    position = 0
                    for c in row:
                        ref = c.get("r")
                        position = column_of(ref) if ref else position + 1
                        if position > MAX_COLUMNS * 5:
                            raise LedgerFileError(f"第{number}行有内容的列超过上限{MAX_COLUMNS}列")
                        kind = c.get("t")
                        text = formula = None
                        for child in c:
                            tag = child.tag
                            if tag == v_tag:
                                text = child.text
                            elif tag == f_tag:
                                formula = child.text or ""
                        if formula is not None:
                            value = "=" + formula
                        elif kind == "inlineStr":
                            value = "".join(t.text or "" for t in c.iter(t_tag) if t.getparent().tag != rph_tag)
                        else:
                            if text is None:
                                value = None
                            elif kind == "s":
                                value = strings[int(text)]
                            elif kind in ("str", "e"):
                                value = text
                            elif kind == "b":
                                value = text == "1"
                            elif kind == "d":
                                value = datetime.fromisoformat(text)
                            else:
                                value = float(text) if any(ch in text for ch in ".eE") else int(text)
                                style = c.get("s")
                                if style is not None and int(style) in date_styles:
                                    value = from_excel(value, epoch)
                        if position > len(values):
                            values.extend([None] * (position - len(values)))
                        values[position - 1] = value
                    row.clear()
                    parent = row.getparent()
                    if parent is not None:
                        while row.getprevious() is not None:
                            del parent[0]
                    yield number, values
        except LedgerFileError:
            raise
        except Exception as exc:  # corrupt XML, inflate errors, bad indexes: any of them in an untrusted file
            logger.info("ledger sheet unreadable at row %s: %r", number, exc)
            raise LedgerFileError(f"工作表“{sheet.name}”第{number + 1}行附近内容损坏，无法读取") from None


# --- opening -----------------------------------------------------------------------------------


def open_ledger(path: Path | str) -> LedgerFile:
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerFileError("这是旧版Excel（.xls）或加密的工作簿：请在Excel中“另存为”.xlsx（不加密码）后再上传")
    if head.startswith(b"PK"):
        raise LedgerFileError("文件不是有效的Excel工作簿（.xlsx）")
    return _open_csv(path)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise LedgerFileError("无法识别文件编码：CSV文件须为UTF-8或GBK（GB18030）编码，请在Excel中另存为“CSV UTF-8”或.xlsx")


def _open_csv(path: Path) -> LedgerFile:
    data = path.read_bytes()
    if not data.strip():
        raise LedgerFileError("文件是空的")
    text, encoding = _decode(data)
    if "\x00" in text:
        raise LedgerFileError("文件中有空字符（NUL），不是文本表格：请上传.xlsx或CSV文件")
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    return LedgerFile(path=path, kind="csv", encoding=encoding, sheets=[Sheet(name="")], _text=text,
                      _delimiter=delimiter)


def _check_zip(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > ZIP_MAX_MEMBERS:
        raise LedgerFileError("工作簿内部文件过多，疑似恶意文件")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise LedgerFileError("工作簿压缩比异常（疑似“压缩炸弹”），已拒绝")
    if total > ZIP_MAX_TOTAL:
        raise LedgerFileError("工作簿解压后过大，请拆分后再上传")


def _open_xlsx(path: Path) -> LedgerFile:
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise LedgerFileError("文件不是有效的Excel工作簿（.xlsx）") from None
    try:
        _check_zip(archive)
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names:
            raise LedgerFileError("压缩包不是Excel工作簿（.xlsx）")
        with path.open("rb") as fh:
            reader = ExcelReader(fh, read_only=True, data_only=False, keep_links=False)
            try:
                reader.read_manifest()
                reader.read_strings()
                reader.read_workbook()
                apply_stylesheet(reader.archive, reader.wb)
                sheets = [
                    Sheet(name=str(ws.name)[:100], path=rel.target)
                    for ws, rel in reader.parser.find_sheets()
                    if rel.target in names and "chartsheet" not in (rel.Type or "")
                ]
                strings = [str(s) for s in reader.shared_strings]
                date_styles = frozenset(reader.wb._date_formats)
                epoch = reader.wb.epoch
            finally:
                reader.archive.close()
    except LedgerFileError:
        archive.close()
        raise
    except Exception as exc:  # an untrusted file can break the package parser in any way
        archive.close()
        logger.info("ledger workbook unreadable: %r", exc)
        raise LedgerFileError("无法读取Excel工作簿：文件结构损坏或不是.xlsx格式") from None
    if not sheets:
        archive.close()
        raise LedgerFileError("工作簿中没有工作表")
    return LedgerFile(path=path, kind="xlsx", sheets=sheets, _strings=strings, _date_styles=date_styles,
                      _epoch=epoch, _zip=archive)


# --- the header row ------------------------------------------------------------------------------


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M").removesuffix(" 00:00")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_blank(values: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


@dataclass
class Layout:
    """Where the data is: sheet, header row, the headers (unique, non-empty), a preview, and
    the number of data rows (exact: the whole sheet was read)."""

    sheet: str
    header_row: int
    headers: list[str]
    preview: list[list[str]]
    data_rows: int


def _unique_headers(values: list) -> list[str]:
    from openpyxl.utils.cell import get_column_letter

    # Trailing empty header cells are not columns.
    while values and cell_text(values[-1]) == "":
        values = values[:-1]
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, value in enumerate(values, start=1):
        text = " ".join(cell_text(value).split())[:100] or f"第{get_column_letter(i)}列"
        if text in seen:
            seen[text] += 1
            text = f"{text}#{seen[text]}"
        else:
            seen[text] = 1
        out.append(text)
    return out


def detect_header_row(rows: list[tuple[int, list]]) -> int:
    """The first row with at least three filled cells (a title row above it has one)."""
    for number, values in rows:
        if sum(1 for v in values if cell_text(v)) >= 3:
            return number
    for number, values in rows:
        if not is_blank(values):
            return number
    return 1


def read_layout(ledger: LedgerFile, *, sheet: str = "", header_row: int | None = None) -> Layout:
    """Read the whole sheet once: the header row (given or detected), headers, a preview and
    the count of non-blank data rows; refuse files beyond the limits."""
    name = ledger.sheet(sheet).name
    rows = ledger.rows(name)
    head: list[tuple[int, list]] = []
    for number, values in rows:
        head.append((number, values))
        if number >= (header_row or HEADER_SCAN_ROWS):
            break
    if header_row is None:
        header_row = detect_header_row(head)
    headers = _headers_from(head, header_row)
    if not headers:
        raise LedgerFileError(f"第{header_row}行没有表头：请指定表头所在的行")
    if len(headers) > MAX_COLUMNS:
        raise LedgerFileError(f"表头有{len(headers)}列，超过上限{MAX_COLUMNS}列")
    if len(headers) < 2:
        raise LedgerFileError(f"第{header_row}行只有一列，不像表头：请指定表头所在的行")
    preview: list[list[str]] = []
    data_rows = 0
    limit = max_rows()
    for number, values in itertools.chain(head, rows):
        if number <= header_row or is_blank(values):
            continue
        data_rows += 1
        if data_rows > limit:
            raise LedgerFileError(f"数据超过{limit:,}行：请按年度或单位拆分后分别导入")
        if len(preview) < PREVIEW_ROWS:
            preview.append([cell_text(v)[:60] for v in values[: len(headers)]])
    if data_rows == 0:
        raise LedgerFileError("表头下面没有数据")
    return Layout(sheet=name, header_row=header_row, headers=headers, preview=preview, data_rows=data_rows)


def _headers_from(rows: list[tuple[int, list]], header_row: int) -> list[str]:
    for number, values in rows:
        if number == header_row:
            if len(values) > MAX_COLUMNS and sum(1 for v in values if cell_text(v)) > MAX_COLUMNS:
                raise LedgerFileError(f"表头有{len(values)}列，超过上限{MAX_COLUMNS}列")
            return _unique_headers(values)
    return []
