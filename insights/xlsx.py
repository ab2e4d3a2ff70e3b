"""A streaming .xlsx writer for long lists: one worksheet of typed cells, written as XML text
straight to a temporary file and zipped with the few parts a workbook needs.

openpyxl (used for everything else) builds a cell object per value and serializes it through
lxml: at a hundred thousand rows of a drill-down that was most of an export's time (about 10k
rows/s). Here a row is one formatted string: numbers as numbers, dates and times as Excel serial
numbers with a date format, text as inline strings (never a formula: a value starting with "="
stays text). Memory stays flat: rows go to disk as they come.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime

_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0
# Characters XML 1.0 cannot hold (openpyxl refuses them; we drop them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_TEXT = 32767  # Excel's limit for one cell

# Styles (cellXfs): 0 plain, 1 header (bold, wrapped), 2 note (italic, grey), 3 date, 4 date and time.
HEADER, NOTE, DATE, DATETIME = 1, 2, 3, 4

_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>
<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font><font><i/><sz val="11"/><color rgb="FF666666"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>
<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""

_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""


def escape(value: str, entities: dict[str, str] | None = None) -> str:
    """XML text: &, < and > (and ``entities``) as references."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char, ref in (entities or {}).items():
        value = value.replace(char, ref)
    return value


def column_letter(i: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value[:MAX_TEXT]))


def cell(ref: str, value, style: int = 0) -> str:
    """One <c> element (empty string for None)."""
    if value is None:
        return ""
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{s}><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        serial = value.toordinal() - _EPOCH + seconds / 86400  # wall-clock time, as openpyxl writes it
        return f'<c r="{ref}" s="{style or DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{style or DATE}"><v>{value.toordinal() - _EPOCH}</v></c>'
    return f'<c r="{ref}" t="inlineStr"{s}><is><t xml:space="preserve">{text(str(value))}</t></is></c>'


class SheetWriter:
    """One worksheet: ``note`` and ``header`` rows, then :meth:`rows`; :meth:`close` gives the
    .xlsx bytes. Values are None, bool, int, float, str, date or naive datetime."""

    def __init__(self, title: str, widths: Sequence[float], header: Sequence[str], note: str = "") -> None:
        self.title = re.sub(r"[\[\]:*?/\\]", "", str(title))[:31] or "Sheet1"
        self._fh = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._letters = [column_letter(i) for i in range(1, len(header) + 1)]
        self._n = 0
        first_data = 3 if note else 2
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
        self._fh.write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{first_data - 1}" topLeftCell="A{first_data}" activePane="bottomLeft" state="frozen"/>'
            "</sheetView></sheetViews>"
            f"{f'<cols>{cols}</cols>' if cols else ''}<sheetData>")
        if note:
            self._row([str(note)], NOTE)
        self._row([str(h) for h in header], HEADER)

    def _row(self, values: Sequence, style: int = 0) -> None:
        self._n += 1
        n = self._n
        cells = "".join(cell(f"{letter}{n}", v, style) for letter, v in zip(self._letters, values, strict=False))
        self._fh.write(f'<row r="{n}">{cells}</row>')

    def rows(self, rows: Iterable[Sequence]) -> int:
        """Append data rows; returns how many."""
        written = 0
        write = self._fh.write
        letters = self._letters
        for values in rows:
            self._n += 1
            n = self._n
            write(f'<row r="{n}">')
            write("".join(cell(f"{letter}{n}", v) for letter, v in zip(letters, values, strict=False)))
            write("</row>")
            written += 1
        return written

    def close(self) -> bytes:
        self._fh.write("</sheetData></worksheet>")
        self._fh.seek(0)
        workbook = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(self.title, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        with tempfile.TemporaryFile() as out:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                z.writestr("[Content_Types].xml", _CONTENT_TYPES)
                z.writestr("_rels/.rels", _ROOT_RELS)
                z.writestr("xl/workbook.xml", workbook)
                z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
                z.writestr("xl/styles.xml", _STYLES)
                with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
                    while chunk := self._fh.read(1 << 20):
                        sheet.write(chunk.encode("utf-8"))
            self._fh.close()
            out.seek(0)
            return out.read()
