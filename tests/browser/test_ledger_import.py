"""A clerk imports a legacy ledger in a real browser (headless Chromium, Playwright sync API).

李秀英, the mine's petition officer, uploads the mine's 2021 ledger (an .xlsx with a title row
and two broken rows), checks the proposed columns, dry-runs, imports the good rows, downloads
the error report, corrects it in "Excel" (openpyxl here), uploads the corrected report to the
same source (the mapping is reused) and imports it. The matters then sit in the inbox and
the lists with the ledger's historical dates, their events dated as in the ledger.

The people come from the ``world`` fixture of the petition tests (password Tongxin@2026).
Everything is done through the pages; the ORM only checks the end result. Screenshots go to
test-artifacts/ledger-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from ledger.models import ImportedRow, LedgerSource
from petitions.events import verify_petition_chain
from petitions.models import Petition
from tests.petitions.conftest import world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tongxin@2026"
HEADERS = ["序号", "信访编号", "登记日期", "来信人", "联系电话", "信访方式", "问题类别", "反映问题",
           "承办单位", "承办人", "受理日期", "办理结果", "答复日期", "满意度"]
ROWS = [
    [1, "TS2021-001", "2021-03-05", "王建国", "13912345678", "来信", "工资薪酬",
     "十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。", "综采一队", "赵志强", "2021-03-08",
     "已办结", "2021-04-20", "满意"],
    [2, "TS2021-002", "2021/6/1", "孙丽", "", "来访", "工资问题呀",  # not a category
     "宿舍楼暖气一直不热，室温不到十度，多次反映没有解决。", "综采一队", "赵志强", "2021/6/2", "办理中", "", ""],
    [3, "TS2021-003", "2021年2月30日", "张三", "", "来电", "住房与生活后勤",  # no such day
     "家属院自来水管冻裂，已经停水三天，请求尽快抢修。", "综采一队", "", "2021年3月2日", "不予受理", "", ""],
    [4, "TS2021-004", "2021-11-15", "", "", "来信", "安全生产",
     "三号井巷道顶板有裂缝，班组长不让停工，工人担心安全。", "", "", "", "待受理", "", ""],
]


def login(page: Page, base: str, employee_no: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", employee_no)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page.locator("[data-testid=home-title]")).to_contain_text("您好")


def go(page: Page, label: str) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#tx-nav")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#tx-nav").get_by_role("link", name=label).click()


def ledger_file(folder: Path) -> Path:
    path = folder / "塔山矿2021年信访台账.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "2021年"
    ws.append(["塔山矿2021年信访事项登记台账"])  # the title row above the headers
    ws.append(HEADERS)
    for row in ROWS:
        ws.append(row)
    wb.save(path)
    return path


def counts(page: Page) -> dict[str, str]:
    run = page.locator("[data-testid=run]").first
    expect(run).to_have_attribute("data-status", "done")
    return {key: run.locator(f"[data-count={key}]").inner_text() for key in ("created", "unchanged", "failed", "rows")}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_clerk_imports_a_ledger_fixes_the_error_report_and_imports_it_again(
    live_server, new_tab, artifacts_dir, world, tmp_path,  # noqa: F811
):
    base = live_server.url
    tab = new_tab(1280, 900)
    page = tab.page
    login(page, base, world.officer.employee_no)
    go(page, "台账导入")
    expect(page.locator("h1")).to_contain_text("台账导入")
    expect(page.locator("[data-testid=upload-empty]")).to_be_visible()

    # First file of a new source: the mine's ledger.
    page.fill("#id_new_name", "塔山矿信访台账")
    page.select_option("#id_new_unit", str(world.mine.pk))
    page.set_input_files("#id_file", str(ledger_file(tmp_path)))
    page.click("[data-testid=upload-submit]")

    # The mapping page: the title row was skipped, the usual headers are proposed.
    expect(page.locator("h1")).to_contain_text("核对列的对应关系")
    expect(page.locator(".alert-success")).to_contain_text("4行数据")
    expect(page.locator("#id_header_row")).to_have_value("2")
    expect(page.locator("[data-testid=preview-table]")).to_contain_text("TS2021-001")
    for field, header in [("received", "登记日期"), ("name", "来信人"), ("content", "反映问题"),
                          ("category", "问题类别"), ("handling_unit", "承办单位"), ("state", "办理结果"),
                          ("rating", "满意度"), ("legacy_number", "信访编号"), ("accepted", "受理日期")]:
        expect(page.locator(f"#id_col_{field}")).to_have_value(header)
    # 性质 is not in this ledger: without a choice the page says so and nothing runs.
    page.click("[data-testid=mapping-dry-run]")
    expect(page.locator("[data-testid=form-error]")).to_contain_text("性质")
    page.select_option("#id_fixed_ptype", label="求决")
    page.screenshot(path=str(artifacts_dir / "ledger-mapping-1280.png"), full_page=True)
    page.click("[data-testid=mapping-dry-run]")

    # The dry run: two rows would be created, two fail; nothing is written yet.
    expect(page.locator("[data-testid=run]").first).to_have_attribute("data-dry-run", "1")
    assert counts(page) == {"created": "2", "unchanged": "0", "failed": "2", "rows": "4"}
    assert Petition.objects.count() == 0
    expect(page.locator("[data-testid=imported-empty]")).to_be_visible()
    page.click("[data-testid=import-now]")

    # The import.
    expect(page.locator("[data-testid=run]").first).to_have_attribute("data-dry-run", "0")
    assert counts(page) == {"created": "2", "unchanged": "0", "failed": "2", "rows": "4"}
    table = page.locator("[data-testid=imported-table]")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tr", has_text="TS2021-001").locator("[data-testid=received]")).to_have_text("2021-03-05")
    expect(table.locator("tr", has_text="TS2021-004").locator("[data-testid=received]")).to_have_text("2021-11-15")
    page.screenshot(path=str(artifacts_dir / "ledger-imported-1280.png"), full_page=True)

    # The error report: the two failing rows with their reasons.
    with page.expect_download() as download:
        page.locator("[data-testid=run]").first.locator("[data-testid=report-download]").click()
    assert download.value.suggested_filename == "塔山矿2021年信访台账-错误说明.xlsx"
    report = tmp_path / "report.xlsx"
    download.value.save_as(report)
    wb = load_workbook(report)
    ws = wb["错误说明"]
    col = {cell.value: cell.column for cell in ws[1]}
    reasons = {ws.cell(r, col["信访编号"]).value: ws.cell(r, col["错误说明"]).value for r in range(2, ws.max_row + 1)}
    assert set(reasons) == {"TS2021-002", "TS2021-003"}
    assert "工资问题呀" in reasons["TS2021-002"] and "2021年2月30日" in reasons["TS2021-003"]

    # The clerk corrects the two rows in Excel and saves the report.
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["信访编号"]).value == "TS2021-002":
            ws.cell(r, col["问题类别"]).value = "住房与生活后勤"
        else:
            ws.cell(r, col["登记日期"]).value = "2021年2月28日"
    fixed = tmp_path / "塔山矿2021年信访台账-已改正.xlsx"
    wb.save(fixed)

    # Upload the corrected report to the same source: the saved mapping is proposed again.
    go(page, "台账导入")
    source = LedgerSource.objects.get(name="塔山矿信访台账")
    page.select_option("#id_source", str(source.pk))
    page.set_input_files("#id_file", str(fixed))
    page.click("[data-testid=upload-submit]")
    expect(page.locator("h1")).to_contain_text("核对列的对应关系")
    expect(page.locator("#id_header_row")).to_have_value("1")
    expect(page.locator("#id_fixed_ptype")).to_have_value("request")
    expect(page.locator("#id_col_category")).to_have_value("问题类别")
    page.click("[data-testid=mapping-import]")
    assert counts(page) == {"created": "2", "unchanged": "0", "failed": "0", "rows": "2"}
    expect(page.locator("[data-testid=report-download]")).to_have_count(0)

    # The matters are in the officer's lists with their historical dates.
    go(page, "信访工作台")
    inbox = page.locator("[data-testid=petition-table]")
    expect(inbox.locator("tbody tr")).to_have_count(2)  # open: 办理中 and 待受理
    expect(inbox).to_contain_text("宿舍楼暖气一直不热"[:8])
    page.select_option("select[name=state]", "closed")
    page.get_by_role("button", name="查询").click()
    closed = page.locator("[data-testid=petition-table] tbody tr")
    expect(closed).to_have_count(1)
    closed.first.locator("a").first.click()
    expect(page.locator("body")).to_contain_text("2021-03-05 00:00")  # 收到时间, as in the ledger
    timeline = page.locator("li[data-kind]")
    expect(timeline).to_have_count(5)
    expect(page.locator("li[data-kind=replied]")).to_contain_text("2021-04-20")
    expect(page.locator("li[data-kind=rated]")).to_contain_text("2021-04-20")
    page.screenshot(path=str(artifacts_dir / "ledger-petition-1280.png"), full_page=True)

    numbers = dict(ImportedRow.objects.values_list("legacy_number", "petition__number"))
    assert numbers == {"TS2021-001": "XF-2021-000001", "TS2021-004": "XF-2021-000002",
                       "TS2021-002": "XF-2021-000003", "TS2021-003": "XF-2021-000004"}
    assert Petition.objects.get(number="XF-2021-000004").state == "not_accepted"
    for p in Petition.objects.all():
        assert verify_petition_chain(p) == []
    assert tab.script_errors == [] and tab.missing_static == []


def test_the_upload_and_mapping_pages_fit_a_phone(live_server, new_tab, artifacts_dir, world, tmp_path):  # noqa: F811
    base = live_server.url
    tab = new_tab(375, 740)
    page = tab.page
    login(page, base, world.officer.employee_no)
    go(page, "台账导入")
    page.fill("#id_new_name", "塔山矿信访台账")
    page.select_option("#id_new_unit", str(world.mine.pk))
    page.set_input_files("#id_file", str(ledger_file(tmp_path)))
    page.click("[data-testid=upload-submit]")
    expect(page.locator("h1")).to_contain_text("核对列的对应关系")
    # Nothing sticks out sideways but the preview table, which scrolls in its own box.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, width
    page.screenshot(path=str(artifacts_dir / "ledger-mapping-375.png"), full_page=True)
    assert tab.script_errors == [] and tab.missing_static == []
