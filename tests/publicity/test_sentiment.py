"""职工思想动态: petition counts by category and unit for the quarter (aggregates only, no identity
or text in the brief), the lectures and pieces answering them, editing, filing, the .docx."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from django.urls import reverse
from docx import Document

from core.errors import InvalidState, NotAllowed
from petitions.choices import Category
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_submit
from publicity.lectures import lecture_record
from publicity.models import Theme
from publicity.sentiment import brief_assemble, brief_docx, brief_edit, brief_file, quarter_bounds
from tongxin.lib.periods import SHANGHAI

pytestmark = pytest.mark.django_db

SECRET_TITLE = "王某某绩效工资少发八百元"


def petition(nr, unit, category, when):
    draft = PetitionDraft(title=SECRET_TITLE, content="我是综采一队职工王某某，手机13800000000，十月份绩效少发了八百元，请核实。",
                          category=category, unit=unit, identity=Identity(name="王某某", phone="13800000000"))
    return petition_submit(petitioner=nr.correspondent, draft=draft, now=when)


def test_quarter_bounds():
    start, end = quarter_bounds(2022, 4)
    assert (start.month, end.year, end.month) == (10, 2023, 1)


def test_brief_counts_answers_and_no_identity(nr, client):
    theme = Theme.objects.create(name="薪酬改革解读", categories=[Category.WAGES])
    petition(nr, nr.mine, Category.WAGES, datetime(2022, 4, 2, 9, tzinfo=SHANGHAI))
    petition(nr, nr.mine, Category.WAGES, datetime(2022, 6, 30, 23, tzinfo=SHANGHAI))
    petition(nr, nr.other_mine, Category.SAFETY, datetime(2022, 5, 5, 9, tzinfo=SHANGHAI))
    petition(nr, nr.mine, Category.SAFETY, datetime(2022, 7, 1, 0, tzinfo=SHANGHAI))  # next quarter
    petition(nr, nr.mine, Category.WAGES, datetime(2022, 3, 31, 12, tzinfo=SHANGHAI))  # previous quarter
    lecture_record(acting_user=nr.company_officer, topic="绩效工资怎么算", lecturer=nr.editor, unit=nr.mine,
                   held_at=datetime(2022, 5, 10, 9, tzinfo=SHANGHAI), audience=[(nr.team, 80)], theme=theme)
    from engagement.qa import question_ask

    question_ask(asker=nr.outsider, unit=nr.other_mine, category=Category.HOUSING_LIVING, title="班车什么时候恢复",
                 now=datetime(2022, 5, 6, 9, tzinfo=SHANGHAI))
    brief = brief_assemble(acting_user=nr.company_officer, unit=nr.company, year=2022, quarter=2)
    assert brief.data["qa_questions"] == {"total": 1, "by_category": {"housing_living": 1}}
    assert "班车什么时候恢复" not in json.dumps(brief.data, ensure_ascii=False)
    p = brief.data["petitions"]
    assert p["total"] == 3 and p["by_category"] == {"wages": 2, "safety": 1}
    assert p["by_unit"] == {"东山煤矿": {"wages": 2}, "西岭煤矿": {"safety": 1}}
    assert brief.data["previous"]["total"] == 1
    assert brief.data["answers"]["wages"]["lectures"] == 1 and brief.data["answers"]["wages"]["person_times"] == 80
    assert brief.data["answers"]["safety"]["lectures"] == 0
    blob = json.dumps(brief.data, ensure_ascii=False)
    assert "王某某" not in blob and "13800000000" not in blob and SECRET_TITLE not in blob
    with pytest.raises(NotAllowed):
        brief_assemble(acting_user=nr.outsider, unit=nr.company, year=2022, quarter=2)
    brief = brief_edit(brief=brief, acting_user=nr.company_officer, analysis="工资类问题集中在绩效核算。",
                       suggestions="继续开展薪酬政策宣讲。")
    brief = brief_file(brief=brief, acting_user=nr.company_officer)
    with pytest.raises(InvalidState):
        brief_edit(brief=brief, acting_user=nr.company_officer, analysis="改", suggestions="")
    with pytest.raises(InvalidState):
        brief_assemble(acting_user=nr.company_officer, unit=nr.company, year=2022, quarter=2)
    text = "\n".join(p.text for p in Document(io.BytesIO(brief_docx(brief))).paragraphs)
    assert "工资类问题集中在绩效核算" in text and "王某某" not in text
    client.force_login(nr.company_officer)
    r = client.get(reverse("publicity:brief_download", args=[brief.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    assert "工资薪酬" in client.get(reverse("publicity:brief", args=[brief.pk])).content.decode()
    client.force_login(nr.officer)  # the mine's officer: the company's brief is not theirs
    assert client.get(reverse("publicity:brief", args=[brief.pk])).status_code == 404
    client.force_login(nr.outsider)
    assert client.get(reverse("publicity:briefs")).status_code == 403


def test_page_assembles(nr, client):
    client.force_login(nr.officer)
    r = client.post(reverse("publicity:briefs"), {"unit": nr.mine.pk, "year": 2022, "quarter": 3})
    assert r.status_code == 302
