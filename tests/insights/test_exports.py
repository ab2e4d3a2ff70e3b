"""Exports: the .xlsx of a list has the page's rows and columns; the KPI table's sheet has the
page's numbers; a long list is exported by a background job with its progress and a download."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from core.models import BackgroundJob
from insights import exports
from tests.insights.conftest import NOW
from tests.insights.helpers import table
from tongxin.lib.kpi import Window

MARCH = Window.month(2026, 3)


def _sheet_rows(content: bytes) -> tuple[list, list[tuple]]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[1]), rows[2:]  # row 1 is the note (period, definition), row 2 the header


def test_list_export_has_the_rows_and_columns_of_the_page(world, march, client):
    client.force_login(world.company_officer)
    kpis = table(world.company_officer, MARCH, world.company, now=NOW)
    for key in ("acceptance_rate", "handling_rate", "satisfaction_rate", "received", "overdue", "avg_reply_days"):
        url = kpis.total.figures[key].url
        page = client.get(url)
        html = page.content.decode()
        page_numbers = re.findall(r'<tr data-number="([^"]+)"', html)
        headers = [c.header for c in page.context["down"].columns]
        response = client.get(url + "&export=xlsx")
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in response["Content-Disposition"]
        header, rows = _sheet_rows(response.content)
        assert header == headers, key
        assert [r[0] for r in rows] == page_numbers, key
        assert len(rows) == page.context["page"].paginator.count, key


def test_list_export_values(world, march, client):
    client.force_login(world.company_officer)
    kpis = table(world.company_officer, MARCH, world.company, now=NOW)
    response = client.get(kpis.total.figures["handling_rate"].url + "&export=xlsx")
    header, rows = _sheet_rows(response.content)
    by_number = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    h2 = by_number[march.h2.number]
    assert h2["办理期限（最后一日，含延期）"].date().isoformat() == "2026-03-09"
    assert h2["按期"] == "是" and h2["承办人"] == world.handler.name
    assert by_number[march.h5.number]["按期"] == "否" and by_number[march.h5.number]["答复日期"] is None


def test_kpi_table_export_matches_the_page(world, march, client):
    client.force_login(world.company_officer)
    page = client.get(f"/insights/table/?p=2026-03&root={world.company.code}")
    kpis = page.context["kpis"]
    header, rows = _sheet_rows(client.get(f"/insights/table/?p=2026-03&root={world.company.code}&export=xlsx").content)
    assert header[0] == "单位/分组" and "按期办结率" in header and "按期办结率·分母" in header
    labels = [r[0] for r in rows]
    assert labels == [g.label for g in kpis.groups] + ["合计"]
    col = header.index("按期办结率")
    sheet = {r[0]: r for r in rows}
    assert sheet["塔山矿"][col] == pytest.approx(66.7)
    assert sheet["塔山矿"][header.index("按期办结率·分子")] == 2 and sheet["塔山矿"][header.index("按期办结率·分母")] == 3
    assert sheet["合计"][header.index("及时受理率")] == pytest.approx(66.7)
    assert sheet["合计"][header.index("信访总量")] == 7


def test_unit_month_export(world, march, client):
    client.force_login(world.company_officer)
    response = client.get(f"/insights/monthly/?p=2026-03&root={world.company.code}&m=handling_rate&export=xlsx")
    header, rows = _sheet_rows(response.content)
    assert header[0] == "单位" and header[-2] == "2026-03" and header[-1] == "合计" and len(header) == 14
    assert {r[0]: r[-2] for r in rows}["塔山矿"] == pytest.approx(66.7)


def test_a_long_list_is_exported_in_the_background(world, march, client, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "SYNC_LIMIT", 3)
    client.force_login(world.company_officer)
    kpis = table(world.company_officer, MARCH, world.company, now=NOW)
    url = kpis.total.figures["acceptance_rate"].url
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url + "&export=xlsx")
    assert response.status_code == 302 and response.url.startswith("/jobs/")
    job = BackgroundJob.objects.get(owner=world.company_officer, kind=exports.LIST_JOB)
    assert job.status == BackgroundJob.Status.DONE and job.total == 6 and job.done == 6 and job.result == {"rows": 6}
    progress = client.get(response.url)
    assert progress.status_code == 200 and job.result_name in progress.content.decode()
    download = client.get(f"/jobs/{job.public_id}/download/")
    header, rows = _sheet_rows(b"".join(download.streaming_content))
    assert len(rows) == 6 and {r[0] for r in rows} >= {march.a1.number, march.a4.number}
    # Another person cannot fetch it.
    client.force_login(world.officer)
    assert client.get(f"/jobs/{job.public_id}/download/").status_code == 404


def test_the_background_export_is_scoped_to_its_owner(world, march, monkeypatch, django_capture_on_commit_callbacks, client):
    """The job re-runs the list as the person who asked: the accused officer's export leaves the
    accusation out even though it runs outside any request."""
    from petitions.choices import Category, PetitionType
    from tests.insights.conftest import at, received

    accused = received(world, at(2026, 3, 12), ptype=PetitionType.ACCUSATION, category=Category.CADRE_CONDUCT,
                       accused_user=world.officer, title="检举信访干事", content="反映信访干事违规收受礼金的问题，请调查。")
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    client.force_login(world.officer)
    kpis = table(world.officer, MARCH, world.mine, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(kpis.total.figures["received"].url + "&export=xlsx")
    job = BackgroundJob.objects.get(owner=world.officer)
    _header, rows = _sheet_rows(job.result_file.read())
    assert accused.number not in {r[0] for r in rows} and len(rows) == kpis.total.figures["received"].num
    assert response.status_code == 302


def test_an_export_whose_worker_died_is_run_again_with_the_same_rows(world, march, client, monkeypatch,
                                                                    django_capture_on_commit_callbacks, settings):
    from datetime import timedelta

    from django.utils import timezone

    from core.jobs import reclaim_stale_jobs

    monkeypatch.setattr(exports, "SYNC_LIMIT", 3)
    client.force_login(world.company_officer)
    url = table(world.company_officer, MARCH, world.company, now=NOW).total.figures["acceptance_rate"].url
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url + "&export=xlsx")
    job = BackgroundJob.objects.get(owner=world.company_officer, kind=exports.LIST_JOB)
    first = job.result_file.read()
    # As if its worker had been killed mid-export: running, silent since long ago.
    BackgroundJob.objects.filter(pk=job.pk).update(status=BackgroundJob.Status.RUNNING, result_file="", result={},
                                                   heartbeat_at=timezone.now() - timedelta(hours=2))
    later = timezone.now() + timedelta(seconds=settings.JOB_STALE_SECONDS + 60)
    with django_capture_on_commit_callbacks(execute=True):
        assert reclaim_stale_jobs(now=later) == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE and job.result == {"rows": 6}
    assert _sheet_rows(job.result_file.read())[1] == _sheet_rows(first)[1]
