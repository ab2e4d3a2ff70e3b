"""pub.external_ledger and pub.points: placements, the points table (versioned), the split, the
breakdown of a year, the .xlsx tables, scoping."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.errors import InvalidInput, NotAllowed
from publicity.choices import OutletLevel, PieceKind
from publicity.exports import monthly_xlsx, yearly_xlsx
from publicity.models import Theme
from publicity.placements import (
    Byline,
    breakdown,
    outlet_create,
    placement_record,
    placements_visible_to,
    points_of_person,
    split_points,
)
from publicity.rules import rule_set_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def outlets(nr):
    return {
        "daily": outlet_create(name="晋能控股日报", level=OutletLevel.GROUP, acting_user=nr.officer),
        "cns": outlet_create(name="中国新闻网", level=OutletLevel.CENTRAL, acting_user=nr.officer),
    }


def place(nr, outlet, *, kind=PieceKind.NEWS, on=date(2022, 3, 5), authors=None, **kw):
    return placement_record(acting_user=nr.officer, outlet=outlet, kind=kind, published_on=on,
                            title=kw.pop("title", "塔山矿安全生产再创佳绩"), unit=kw.pop("unit", nr.team),
                            authors=authors or [Byline(unit=nr.team, user=nr.correspondent)],
                            link=kw.pop("link", "https://example.org/a"), **kw)


def test_points_by_level_and_type_from_the_table(nr, outlets):
    assert place(nr, outlets["daily"]).points == Decimal("3.00")  # 集团 · 消息
    p = place(nr, outlets["cns"], kind=PieceKind.FEATURE)
    assert p.points == Decimal("30.00") and p.points_rule_version == 0  # 中央 · 通讯
    assert points_of_person(nr.correspondent, 2022) == Decimal("33.00")
    assert points_of_person(nr.correspondent, 2023) == Decimal("0.00")


def test_split_adds_up_exactly():
    assert split_points(Decimal("10.00"), 3) == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert split_points(Decimal("3.00"), 1) == [Decimal("3.00")]
    assert sum(split_points(Decimal("0.01"), 2)) == Decimal("0.01")
    assert split_points(Decimal("5"), 0) == []


def test_two_authors_share_and_units_credited(nr, outlets):
    p = place(nr, outlets["cns"], authors=[Byline(unit=nr.team, user=nr.correspondent),
                                            Byline(unit=nr.mine, name="外单位记者")])
    shares = sorted(p.authors.values_list("name", "points"))
    assert shares == [("外单位记者", Decimal("10.00")), ("张通讯", Decimal("10.00"))]


def test_points_table_is_versioned(nr, outlets, system_admin):
    old = place(nr, outlets["daily"])
    rule_set_publish(code="pub.points", acting_user=system_admin, note="2023年积分办法",
                     params={"table": {OutletLevel.GROUP: {PieceKind.NEWS: 4}}})
    new = place(nr, outlets["daily"])
    old.refresh_from_db()
    assert (old.points, old.points_rule_version) == (Decimal("3.00"), 0)  # kept as computed
    assert (new.points, new.points_rule_version) == (Decimal("4.00"), 1)
    assert place(nr, outlets["daily"], kind=PieceKind.FEATURE).points == Decimal("0.00")  # not in the new table
    with pytest.raises(InvalidInput):
        rule_set_publish(code="pub.points", acting_user=system_admin, params={"table": {"moon": {"news": 1}}})


def test_link_or_clipping_and_authors_required(nr, outlets):
    with pytest.raises(InvalidInput) as e:
        place(nr, outlets["daily"], link="")
    assert e.value.code == "link_or_clipping"
    with pytest.raises(InvalidInput):
        place(nr, outlets["daily"], authors=[Byline(unit=nr.team, name="  ")])
    with pytest.raises(NotAllowed):
        placement_record(acting_user=nr.outsider, outlet=outlets["daily"], kind="news", published_on=date(2022, 1, 1),
                         title="x", unit=nr.team, authors=[Byline(unit=nr.team, name="某")], link="https://e.org")


def test_scoping(nr, outlets):
    p = place(nr, outlets["daily"])
    assert placements_visible_to(nr.officer).filter(pk=p.pk).exists()
    assert placements_visible_to(nr.company_officer).filter(pk=p.pk).exists()
    assert placements_visible_to(nr.correspondent).filter(pk=p.pk).exists()  # their own
    assert not placements_visible_to(nr.outsider).filter(pk=p.pk).exists()
    assert not placements_visible_to(nr.editor).filter(pk=p.pk).exists()


def test_year_breakdown_and_tables(nr, outlets):
    theme = Theme.objects.create(name="独立核算、分灶吃饭")
    for i in range(5):
        place(nr, outlets["daily"], on=date(2022, 1 + i, 10), title=f"日报稿{i}", theme=theme)
    place(nr, outlets["cns"], on=date(2022, 12, 31), title="中新网稿", unit=nr.mine)
    place(nr, outlets["cns"], on=date(2023, 1, 1), title="次年稿")  # the year's boundary
    b = breakdown(nr.officer, 2022)
    assert b.total == 6
    assert dict(b.by_outlet) == {"晋能控股日报": 5, "中国新闻网": 1}
    assert dict(b.by_level)["集团"] == 5 and dict(b.by_level)["中央"] == 1
    assert dict(b.by_theme) == {"独立核算、分灶吃饭": 5, "（未标主题）": 1}
    assert b.by_month[11] == 1 and b.by_month[0] == 1
    assert {u: n for u, n, _p in b.by_unit} == {"综采一队": 5, "东山煤矿": 1}
    wb = load_workbook(io.BytesIO(yearly_xlsx(nr.officer, 2022)))
    detail = wb.worksheets[0]
    assert detail.max_row == 7 and detail["F2"].value == "日报稿0"
    months = wb["按月份和级别"]
    assert [c.value for c in months[13]][-1] == 1  # December total
    assert wb["合计"]["B2"].value == 6
    month = load_workbook(io.BytesIO(monthly_xlsx(nr.officer, 2022, 12))).worksheets[0]
    assert month.max_row == 2 and month["F2"].value == "中新网稿"


def test_pages(nr, outlets, client):
    client.force_login(nr.officer)
    r = client.post(reverse("publicity:placement_new"), {
        "outlet": outlets["daily"].pk, "kind": "news", "published_on": "2022-06-01", "title": "页面登记的稿件",
        "unit": nr.team.pk, "authors": f"{nr.correspondent.employee_no}\n外聘记者", "link": "https://e.org/x",
    })
    assert r.status_code == 302
    page = client.get(reverse("publicity:ledger") + "?year=2022").content.decode()
    assert "页面登记的稿件" in page
    r = client.get(reverse("publicity:ledger_export") + "?year=2022")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    client.force_login(nr.outsider)
    assert client.get(reverse("publicity:ledger_export") + "?year=2022").status_code == 403
    assert "页面登记的稿件" not in client.get(reverse("publicity:ledger") + "?year=2022").content.decode()


def test_api(nr, outlets, client):
    client.force_login(nr.officer)
    r = client.post("/api/v1/publicity/placements", {
        "outlet": "中国新闻网", "kind": "photo", "published_on": "2022-08-08", "title": "图片新闻",
        "unit": nr.team.code, "authors": [{"employee_no": nr.correspondent.employee_no}], "link": "https://e.org/p",
    }, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["points"] == 15.0
    items = client.get("/api/v1/publicity/placements", {"year": 2022}).json()["items"]
    assert [i["title"] for i in items] == ["图片新闻"]
    client.force_login(nr.outsider)
    assert client.get("/api/v1/publicity/placements").json()["count"] == 0
