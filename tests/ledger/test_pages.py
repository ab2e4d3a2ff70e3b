"""The ledger pages as a clerk uses them: upload, mapping (guessed, saved, reused), dry run,
import, counts, the error report, and who may see what."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from audit.models import AuditEvent
from ledger.models import ImportedRow, LedgerRun, LedgerSource, LedgerUpload
from petitions.models import Petition
from tests.ledger.conftest import HEADERS, row, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("ledger_media")


def upload(client, path, **data):
    with open(path, "rb") as fh:
        payload = {"file": SimpleUploadedFile(path.name, fh.read()), **data}
    return client.post("/ledger/", payload)


@pytest.fixture
def officer_client(client, world):
    client.force_login(world.officer)
    return client


def test_first_upload_creates_the_source_guesses_the_columns_and_dry_runs_without_writing(
    officer_client, world, tmp_path, django_capture_on_commit_callbacks,
):
    path = write_xlsx(tmp_path / "塔山矿2021台账.xlsx", [row(1), row(2, 问题类别="工资问题呀"), row(3)])
    response = upload(officer_client, path, new_name="塔山矿2021年信访台账", new_unit=world.mine.pk)
    assert response.status_code == 302
    u = LedgerUpload.objects.get()
    assert u.source.name == "塔山矿2021年信访台账" and u.source.unit == world.mine
    assert u.header_row == 2 and u.headers == HEADERS and u.data_rows == 3  # the title row above is skipped
    assert response["Location"] == f"/ledger/uploads/{u.public_id}/mapping/"

    page = officer_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "TS2021-0001" in html  # the preview
    form = page.context["form"]
    # The usual headers are proposed; 性质 has no column: one value for the whole file is needed.
    assert form["col_received"].value() == "登记日期" and form["col_content"].value() == "反映问题"
    assert form["col_category"].value() == "问题类别" and form["col_handling_unit"].value() == "办理单位"
    assert form["col_ptype"].value() == ""

    post = {name: form[name].value() or "" for name in form.fields if name.startswith(("col_", "fixed_"))}
    post.update(header_row=2, sheet="2021年", date_formats=["ymd", "ymd8"], aliases="")
    missing = officer_client.post(response["Location"], {**post, "action": "dry_run"})
    assert missing.status_code == 400 and "性质" in missing.content.decode()
    assert not LedgerRun.objects.exists()

    post["fixed_ptype"] = "request"
    with django_capture_on_commit_callbacks(execute=True):
        done = officer_client.post(response["Location"], {**post, "action": "dry_run"})
    assert done.status_code == 302 and done["Location"] == f"/ledger/uploads/{u.public_id}/"
    run = LedgerRun.objects.get()
    assert run.dry_run and run.job.status == "done"
    assert run.job.result["created"] == 2 and run.job.result["failed"] == 1
    assert Petition.objects.count() == 0 and ImportedRow.objects.count() == 0  # a dry run writes nothing
    u.source.refresh_from_db()
    assert u.source.mapping["category"] == "问题类别" and u.source.fixed == {"ptype": "request"}

    detail = officer_client.get(done["Location"])
    html = detail.content.decode()
    assert 'data-count="created">2<' in html and 'data-count="failed">1<' in html
    assert "按试导入的结果正式导入" in html

    # The import itself, from the detail page, with the saved mapping.
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(f"/ledger/uploads/{u.public_id}/run/")
    real = LedgerRun.objects.filter(dry_run=False).get()
    assert real.job.status == "done" and real.job.result["created"] == 2
    assert Petition.objects.count() == 2
    u.refresh_from_db()
    assert not u.file  # the ledger's personal data is not kept once imported
    html = officer_client.get(done["Location"]).content.decode()
    assert "XF-2021-000001" in html and "2021-03-05" in html
    assert AuditEvent.objects.filter(action="ledger.import", target_id=str(u.pk)).exists()
    assert AuditEvent.objects.filter(action="ledger.dry_run", target_id=str(u.pk)).exists()

    # The report: only the failing row, with its original number and the reason.
    report = officer_client.get(f"/ledger/runs/{real.job.public_id}/report/")
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxml")
    ws = load_workbook(io.BytesIO(report.content))["错误说明"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS) + ("原行号", "错误说明")
    assert len(rows) == 2 and rows[1][-2] == 4 and "工资问题呀" in rows[1][-1]


def test_the_second_file_of_a_source_reuses_its_mapping(officer_client, world, source, tmp_path,
                                                        django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "2022.csv", [row(7)], encoding="gb18030")
    response = upload(officer_client, path, source=source.pk)
    u = LedgerUpload.objects.get()
    assert u.kind == "csv" and u.encoding == "gb18030"
    form = officer_client.get(response["Location"]).context["form"]
    assert form["fixed_ptype"].value() == "request" and form["col_handler"].value() == "承办人"
    post = {name: form[name].value() or "" for name in form.fields if name.startswith(("col_", "fixed_"))}
    post.update(header_row=1, date_formats=["ymd"], aliases="内容分类：工资问题=工资薪酬")
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(response["Location"], {**post, "action": "import"})
    run = LedgerRun.objects.get()
    assert not run.dry_run and run.job.result["created"] == 1
    source.refresh_from_db()
    assert source.aliases == {"category": {"工资问题": "wages"}} and source.date_formats == ["ymd"]


def test_a_file_that_is_not_a_ledger_is_refused_with_a_reason_and_nothing_is_kept(officer_client, source,
                                                                                  tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip file")
    response = upload(officer_client, bad, source=source.pk)
    assert response.status_code == 422
    assert "不是有效的Excel工作簿" in response.content.decode()
    assert not LedgerUpload.objects.exists()


def test_only_desk_roles_may_import_and_only_the_uploader_sees_an_upload(client, world, source, tmp_path):
    client.force_login(world.employee)
    assert client.get("/ledger/").status_code == 403
    client.force_login(world.officer)
    upload(client, write_xlsx(tmp_path / "a.xlsx", [row(1)]), source=source.pk)
    u = LedgerUpload.objects.get()
    # Another mine's officer: the source is not offered, the upload is not found.
    client.force_login(world.other_officer)
    page = client.get("/ledger/")
    assert page.status_code == 200 and "塔山矿信访台账" not in page.content.decode()
    assert client.get(f"/ledger/uploads/{u.public_id}/").status_code == 404
    assert client.get(f"/ledger/uploads/{u.public_id}/mapping/").status_code == 404
    assert client.post(f"/ledger/uploads/{u.public_id}/run/").status_code == 404
    refused = upload(client, write_xlsx(tmp_path / "b.xlsx", [row(1)]), source=source.pk)
    assert refused.status_code == 400 and LedgerUpload.objects.count() == 1
    # Nor may they open a source for a unit outside their scope.
    refused = upload(client, write_xlsx(tmp_path / "c.xlsx", [row(1)]), new_name="别人的台账", new_unit=world.mine.pk)
    assert refused.status_code == 400 and not LedgerSource.objects.filter(name="别人的台账").exists()
    # Even the mine's leader does not see the officer's upload (it holds personal data).
    client.force_login(world.leader)
    assert client.get(f"/ledger/uploads/{u.public_id}/").status_code == 404


def test_the_menu_offers_the_import_to_officers_only(client, world):
    client.force_login(world.officer)
    assert "台账导入" in client.get("/").content.decode()
    client.force_login(world.employee)
    assert "台账导入" not in client.get("/").content.decode()


def test_pages_use_no_inline_script_or_style(officer_client, source, tmp_path):
    upload(officer_client, write_xlsx(tmp_path / "a.xlsx", [row(1)]), source=source.pk)
    u = LedgerUpload.objects.get()
    for url in ("/ledger/", f"/ledger/uploads/{u.public_id}/", f"/ledger/uploads/{u.public_id}/mapping/"):
        html = officer_client.get(url).content.decode()
        assert "<script>" not in html and "style=" not in html, url


def test_a_header_row_chosen_by_the_clerk_is_read_again(officer_client, source, tmp_path):
    # A line of notes above the headers looks like a header row to the detection.
    path = write_xlsx(tmp_path / "a.xlsx", [HEADERS, row(1)], headers=["填报单位：塔山矿", "填报人：李秀英", "2021年"],
                      title=None)
    upload(officer_client, path, source=source.pk)
    u = LedgerUpload.objects.get()
    assert u.header_row == 1 and u.data_rows == 2
    url = f"/ledger/uploads/{u.public_id}/mapping/"
    officer_client.post(url, {"header_row": 2, "sheet": "2021年", "action": "reload"})
    u.refresh_from_db()
    assert u.header_row == 2 and u.headers == HEADERS and u.data_rows == 1
    # A row that cannot be a header is refused with the reason; nothing changes.
    response = officer_client.post(url, {"header_row": 50, "sheet": "2021年", "action": "reload"}, follow=True)
    assert "没有表头" in response.content.decode()
    u.refresh_from_db()
    assert u.header_row == 2


def test_a_unit_leader_may_import_a_handler_may_not(client, world):
    client.force_login(world.leader)
    assert client.get("/ledger/").status_code == 200
    client.force_login(world.handler)
    assert client.get("/ledger/").status_code == 403


def test_a_running_import_shows_its_progress_and_polls_until_done(officer_client, world, source, tmp_path):
    from core.jobs import job_run
    from ledger.services import run_start

    upload(officer_client, write_xlsx(tmp_path / "a.xlsx", [row(1), row(2)]), source=source.pk)
    u = LedgerUpload.objects.get()
    run = run_start(upload=u, user=world.officer, dry_run=False, queue=False)  # queued, not run yet
    html = officer_client.get(f"/ledger/uploads/{u.public_id}/").content.decode()
    status_url = f"/ledger/runs/{run.job.public_id}/"
    assert 'data-status="queued"' in html and f'hx-get="{status_url}"' in html
    # A second run of the same file while one is queued is refused.
    refused = officer_client.post(f"/ledger/uploads/{u.public_id}/run/", follow=True)
    assert "正在导入" in refused.content.decode() and LedgerRun.objects.count() == 1
    job_run(run.job.pk)
    partial = officer_client.get(status_url)
    assert partial.status_code == 200 and 'data-status="done"' in partial.content.decode()
    assert "hx-get" not in partial.content.decode()  # polling stops
    # The core job page shows the same job to its owner only.
    assert officer_client.get(f"/jobs/{run.job.public_id}/").status_code == 200
    officer_client.force_login(world.other_officer)
    assert officer_client.get(status_url).status_code == 404
    assert officer_client.get(f"{status_url}report/").status_code == 404
