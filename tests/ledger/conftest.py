"""Ledger fixtures: the petition tests' ``world`` (塔山矿 with its officer 李秀英 and the team's
承办人 赵志强), a ledger source of the mine, and writers of small .xlsx/.csv ledgers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from ledger.models import LedgerSource
from ledger.services import import_file
from tests.petitions.conftest import world  # noqa: F401

HEADERS = ["序号", "信访编号", "登记日期", "来信人", "联系电话", "信访方式", "问题类别", "反映问题",
           "办理单位", "承办人", "受理日期", "办理状态", "答复日期", "满意度"]
CONTENT = "十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。"
# 性质 is not a column of these ledgers: the whole file is 求决.
MAPPING = {
    "legacy_number": "信访编号", "received": "登记日期", "name": "来信人", "phone": "联系电话",
    "channel": "信访方式", "category": "问题类别", "content": "反映问题", "handling_unit": "办理单位",
    "handler": "承办人", "accepted": "受理日期", "state": "办理状态", "replied": "答复日期", "rating": "满意度",
}


def row(n: int = 1, **kw) -> list:
    """One ledger row in HEADERS order; keyword arguments by header name."""
    values = {
        "序号": n, "信访编号": f"TS2021-{n:04d}", "登记日期": "2021-03-05", "来信人": "王建国",
        "联系电话": "13912345678", "信访方式": "来信", "问题类别": "工资薪酬", "反映问题": CONTENT,
        "办理单位": "综采一队", "承办人": "赵志强", "受理日期": "2021-03-08", "办理状态": "已办结",
        "答复日期": "2021-04-20", "满意度": "满意",
    }
    values.update(kw)
    return [values[h] for h in HEADERS]


def write_xlsx(path: Path, rows: list[list], *, headers=HEADERS, title: str | None = "塔山矿信访台账") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "2021年"
    if title:
        ws.append([title])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, headers=HEADERS, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


@pytest.fixture
def source(world):  # noqa: F811  (the fixture imported above)
    return LedgerSource.objects.create(
        name="塔山矿信访台账", unit=world.mine, mapping=MAPPING, fixed={"ptype": "request"},
        date_formats=["ymd", "ymd8"], created_by=world.officer,
    )


@pytest.fixture
def ledger_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def run_ledger(world, source, ledger_media, tmp_path):  # noqa: F811
    """``run_ledger(rows, dry_run=False, csv=False, user=officer, source=source)`` → LedgerRun."""
    counter = iter(range(1, 10_000))

    def run(rows, *, dry_run=False, csv=False, user=None, src=None, **kw):
        n = next(counter)
        path = tmp_path / (f"ledger{n}.csv" if csv else f"ledger{n}.xlsx")
        (write_csv if csv else write_xlsx)(path, rows, **kw)
        return import_file(path=path, source=src or source, user=user or world.officer, dry_run=dry_run)

    return run
