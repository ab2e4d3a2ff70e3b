"""The monthly and quarterly .docx reports: generated in the background, they open with
python-docx and hold the tables and the charts (pictures)."""

from __future__ import annotations

import io
import logging

import pytest
from docx import Document

from core.models import BackgroundJob
from insights import exports, reports
from tests.insights.conftest import NOW
from tongxin.lib.kpi import Window


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


@pytest.mark.parametrize(("kind", "period", "meeting", "label"), [
    ("monthly", "2026-03", "信访维稳专题会", "2026年3月"),
    ("quarterly", "2026-03", "党组织书记议稳会", "2026年第一季度"),
])
def test_report_is_generated_in_the_background(world, march, client, django_capture_on_commit_callbacks,
                                               kind, period, meeting, label):
    client.force_login(world.company_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/insights/report/", {"kind": kind, "p": period, "root": world.company.code})
    assert response.status_code == 302 and response.url.startswith("/jobs/")
    job = BackgroundJob.objects.get(owner=world.company_officer, kind=exports.REPORT_JOB)
    assert job.status == BackgroundJob.Status.DONE, job.message
    assert job.result_name.endswith(".docx") and label in job.result_name
    download = client.get(f"/jobs/{job.public_id}/download/")
    doc = Document(io.BytesIO(b"".join(download.streaming_content)))
    text = _text(doc)
    assert meeting in text and label in text and world.company.name in text
    assert len(doc.tables) >= 4
    assert len(doc.inline_shapes) >= 3  # trend, ranking, categories
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header == ["指标", "本期", "上期", "环比", "目标", "是否达标"]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows[1:]}
    if kind == "monthly":
        assert rows["按期办结率"][1] == "66.7%" and rows["及时受理率"][1] == "66.7%"
        assert rows["信访总量"][1] == "7"
    units = [[c.text for c in r.cells] for r in doc.tables[1].rows[1:]]
    assert {u[1] for u in units} == {"塔山矿", "同忻矿"}


def test_report_numbers_follow_the_owner_scope(world, march):
    content, summary = reports.build_report(kind="monthly", window=Window.month(2026, 3), root=world.mine,
                                            level=None, user=world.officer, now=NOW)
    doc = Document(io.BytesIO(content))
    rows = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows[1:]}
    # The mine's officer no longer sees a4 (forwarded to 同忻矿): 6 received, not 7.
    assert rows["信访总量"] == "6"
    assert summary["warning"] == ""


def test_missing_font_warns_and_still_draws(world, march, monkeypatch, caplog):
    from matplotlib import font_manager

    reports.chart_font.cache_clear()
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [f for f in font_manager.fontManager.ttflist
                                                               if f.name != reports.CJK_FONT])
    try:
        with caplog.at_level(logging.WARNING, logger="insights.reports"):
            content, summary = reports.build_report(kind="monthly", window=Window.month(2026, 3), root=world.company,
                                                    level=None, user=world.company_officer, now=NOW)
        assert "缺少字体" in summary["warning"]
        assert any("fonts-noto-cjk" in r.getMessage() for r in caplog.records)
        assert len(Document(io.BytesIO(content)).inline_shapes) >= 3
    finally:
        reports.chart_font.cache_clear()


def test_report_page(world, client):
    client.force_login(world.company_officer)
    page = client.get("/insights/report/")
    assert page.status_code == 200 and "信访维稳专题会" in page.content.decode()
    assert client.post("/insights/report/", {"kind": "weekly"}).status_code == 302
    assert not BackgroundJob.objects.exists()
