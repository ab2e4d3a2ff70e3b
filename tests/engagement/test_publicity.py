"""Rules publicity is generated from the rule data the workflow enforces: every period shown is the
policy in force for the unit (statutory, or tightened by the unit), the channels are the intake's
channels, the outcomes the reply's outcomes; the poster says the same."""

from __future__ import annotations

import io

from django.urls import reverse
from docx import Document

from engagement import rules_sheet
from petitions.choices import Channel, ReplyOutcome
from petitions.models import UnitPolicy
from petitions.policy import policy_for
from tongxin.lib.periods import STATUTORY, PeriodPolicy


def test_sheet_matches_the_statutory_policy():
    sheet = rules_sheet.rules_sheet()
    assert [p.name for p in sheet.periods] == list(PeriodPolicy.PERIOD_FIELDS)
    for row in sheet.periods:
        assert row.value == str(getattr(STATUTORY, row.name)) and not row.tightened
    assert sheet.channels == [str(c.label) for c in Channel]
    assert sheet.outcomes == [str(label) for _v, label in ReplyOutcome.choices]
    steps = "".join(s.text for s in sheet.steps)
    assert f"{STATUTORY.acceptance}内书面告知" in steps and f"{STATUTORY.handling}内办结" in steps
    assert f"代表不超过{STATUTORY.max_visit_representatives}人" in "".join(sheet.duties)


def test_a_tightened_unit_policy_changes_the_page(world, client):
    UnitPolicy.objects.create(unit=world.company, overrides={"handling": 45, "acceptance": 10})
    policy = policy_for(world.mine)
    sheet = rules_sheet.rules_sheet(world.mine)
    rows = {r.name: r for r in sheet.periods}
    assert rows["handling"].value == str(policy.handling) == "45日" and rows["handling"].tightened
    assert rows["acceptance"].value == "10日" and rows["review_request"].value == "30日"
    client.force_login(world.employee)  # home unit: the team under the mine
    page = client.get(reverse("engagement:rules")).content.decode()
    assert "45日内办结" in page and "60日内办结" not in page and "本单位从严" in page
    other = client.get(reverse("engagement:rules") + f"?unit={world.other_mine.code}")
    assert "45日内办结" in other.content.decode()  # the company's policy covers its other mine too


def test_poster_says_the_same(world, client):
    client.force_login(world.employee)
    response = client.get(reverse("engagement:rules_poster"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "依法维权" in text and f"{STATUTORY.handling}内办结" in text
    for step in rules_sheet.rules_sheet(world.team).steps:
        assert step.text in text
