"""Broken, huge and malicious ledgers (hypothesis and hand-made): a clear refusal or a clear
row error, never a 500 and never a half-written petition.

- random bytes, random zips, workbooks with random bytes flipped, through the upload page;
- workbooks built by hand: a sheet declaring A1:XFD1048576, a row at 1048576, a cell far to
  the right, 10,000 columns, a compression bomb, a billion-laughs entity and an external
  entity (XXE) in the XML;
- random cell contents in every column of a CSV, imported: every row is counted exactly once
  (created, unchanged or failed) and every created petition's event chain verifies.
"""

from __future__ import annotations

import codecs
import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.models import ImportedRow, LedgerRun, LedgerUpload
from petitions.events import verify_petition_chain
from petitions.models import Petition, PetitionEvent
from tests.ledger.conftest import HEADERS, row, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("ledger_media")

EXAMPLES = int(os.environ.get("TONGXIN_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)


def post_file(client, name: str, content: bytes, source):
    return client.post("/ledger/", {"source": source.pk, "file": SimpleUploadedFile(name, content)})


@pytest.fixture
def clerk(client, world):
    client.force_login(world.officer)
    return client


def _valid_xlsx(tmp_path) -> bytes:
    return write_xlsx(tmp_path / "valid.xlsx", [row(1), row(2)]).read_bytes()


def test_random_bytes_are_refused_with_a_reason_never_a_500(clerk, source, tmp_path):
    valid = _valid_xlsx(tmp_path)
    prefixes = st.sampled_from([b"", b"PK\x03\x04", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xd0\xcf\x11\xe0",
                                "信访编号,登记日期\n".encode(), "信访编号,登记日期\n".encode("gbk")])

    @FUZZ
    @given(prefix=prefixes, body=st.binary(max_size=3000), name=st.sampled_from(["a.xlsx", "a.csv", "a", "a.xls"]))
    def check(prefix, body, name):
        before = LedgerUpload.objects.count()
        response = post_file(clerk, name, prefix + body, source)
        assert response.status_code in (302, 400, 422), response.status_code
        if response.status_code == 302:
            assert LedgerUpload.objects.count() == before + 1
        else:
            assert LedgerUpload.objects.count() == before
            html = response.content.decode()
            assert 'data-testid="form-error"' in html or "invalid-feedback" in html  # a reason is shown

    check()

    @FUZZ
    @given(flips=st.lists(st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)), min_size=1, max_size=8))
    def mutate(flips):
        data = bytearray(valid)
        for position, value in flips:
            data[position] = value
        response = post_file(clerk, "mutated.xlsx", bytes(data), source)
        assert response.status_code in (302, 400, 422), response.status_code

    mutate()


SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{dtd}'
         '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         '<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>')


def workbook(tmp_path, rows_xml: str, *, dimension="A1:N3", dtd="", extra: dict | None = None) -> bytes:
    """A minimal workbook whose first sheet is the given XML (inline strings)."""
    template = write_xlsx(tmp_path / "template.xlsx", [row(1)], title=None)
    buffer = io.BytesIO()
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = SHEET.format(dtd=dtd, dimension=dimension, rows=rows_xml).encode()
            dst.writestr(item, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return buffer.getvalue()


def inline_row(number: int, values: list, start_col: int = 0) -> str:
    from openpyxl.utils import get_column_letter

    cells = "".join(
        f'<c r="{get_column_letter(start_col + i + 1)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def test_a_sheet_declaring_the_whole_grid_costs_nothing(clerk, source, tmp_path):
    data = workbook(tmp_path, inline_row(1, HEADERS) + inline_row(2, row(1)), dimension="A1:XFD1048576")
    response = post_file(clerk, "grid.xlsx", data, source)
    assert response.status_code == 302
    upload = LedgerUpload.objects.get()
    assert upload.data_rows == 1 and upload.headers == HEADERS


def test_a_row_at_the_bottom_of_the_grid_and_a_cell_far_right(clerk, source, tmp_path):
    data = workbook(tmp_path, inline_row(1, HEADERS) + inline_row(2, row(1)) + inline_row(1048576, ["最后一行"]))
    assert post_file(clerk, "far.xlsx", data, source).status_code == 302
    assert LedgerUpload.objects.get().data_rows == 2  # the stray row is a row, reported on import
    far = workbook(tmp_path, inline_row(1, HEADERS) + inline_row(2, ["x"], start_col=16000))
    response = post_file(clerk, "right.xlsx", far, source)
    assert response.status_code == 422 and "超过上限" in response.content.decode()


def test_ten_thousand_columns_are_refused(clerk, source, tmp_path):
    wide = [f"列{i}" for i in range(10_000)]
    response = post_file(clerk, "wide.csv", write_csv(tmp_path / "wide.csv", [["1"] * 10_000], headers=wide)
                         .read_bytes(), source)
    assert response.status_code == 422 and "超过上限200列" in response.content.decode()
    data = workbook(tmp_path, inline_row(1, wide[:900]) + inline_row(2, ["1"] * 900))
    response = post_file(clerk, "wide.xlsx", data, source)
    assert response.status_code == 422 and "超过上限200列" in response.content.decode()
    assert not LedgerUpload.objects.exists()


def test_a_compression_bomb_is_refused_before_it_is_inflated(clerk, source, tmp_path):
    rows_xml = inline_row(1, HEADERS) + "<row/>" * 2_000_000  # ~12 MB of nothing, compressed ~1000×
    response = post_file(clerk, "bomb.xlsx", workbook(tmp_path, rows_xml), source)
    assert response.status_code == 422 and "压缩比异常" in response.content.decode()


def test_entities_are_not_expanded(clerk, source, tmp_path):
    laughs = ('<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
              + "]>")
    data = workbook(tmp_path, inline_row(1, HEADERS) + inline_row(2, ["&lol9;"] + row(1)[1:]), dtd=laughs)
    response = post_file(clerk, "laughs.xlsx", data, source)
    assert response.status_code in (302, 422)
    if response.status_code == 302:
        assert "lollol" not in str(LedgerUpload.objects.get().preview_enc)
    xxe = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    data = workbook(tmp_path, inline_row(1, HEADERS) + inline_row(2, ["&xxe;"] + row(1)[1:]), dtd=xxe)
    response = post_file(clerk, "xxe.xlsx", data, source)
    assert response.status_code in (302, 422)
    from ledger.services import upload_preview

    for upload in LedgerUpload.objects.all():
        assert "root:" not in str(upload_preview(upload))


CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1", "-", "@x", "已办结", "办理中",
                     "不予受理", "满意", "工资薪酬", "其他", "综采一队", "TS", "同忻矿", "2021-03-05", "2021-02-30",
                     "20210305", "2099-01-01", "1900-01-01", "赵志强", "H1", "\u202e", "\ufeff", "中" * 300]),
)


def test_random_cells_are_imported_or_reported_never_half_written(world, source, tmp_path):
    from ledger.services import import_file

    counter = iter(range(100_000))

    # Each row: a sensible ledger row with a few of its cells replaced (often none), sometimes
    # with a cell beyond the headers.
    edits = st.lists(st.tuples(st.integers(0, len(HEADERS) - 1), CELL), max_size=3)

    @FUZZ
    @given(changes=st.lists(st.tuples(edits, st.one_of(st.none(), CELL)), min_size=1, max_size=6))
    def check(changes):
        rows = []
        example = next(counter)
        for i, (cells, extra) in enumerate(changes):
            r = row(1 + i, 信访编号=f"FZ{example}-{i}")
            for column, value in cells:
                r[column] = value
            if extra is not None:
                r.append(extra)
            rows.append(r)
        path = write_csv(tmp_path / f"fuzz{example}.csv", rows)
        before = Petition.objects.count()
        try:
            run = import_file(path=path, source=source, user=world.officer)
        except Exception as exc:  # the upload may refuse the whole file, with a reason
            from core.errors import InvalidInput

            assert isinstance(exc, InvalidInput), repr(exc)
            assert Petition.objects.count() == before
            return
        result = run.job.result
        assert run.job.status == "done", run.job.message
        assert result["created"] + result["unchanged"] + result["failed"] == result["rows"]
        created = Petition.objects.filter(ledger_row__run=run)
        assert created.count() == result["created"] == Petition.objects.count() - before
        for p in created:
            assert verify_petition_chain(p) == []
            assert p.events.exists()

    check()
    assert Petition.objects.exists()  # some rows went through
    # No event without its petition's row, no key without its petition.
    assert PetitionEvent.objects.exclude(petition__in=Petition.objects.all()).count() == 0
    assert ImportedRow.objects.count() == Petition.objects.count()
    assert LedgerRun.objects.filter(job__status="failed").count() == 0
