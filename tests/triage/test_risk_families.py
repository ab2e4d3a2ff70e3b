"""The fifth revision of the risk rules thinks in families of wording. These sentences
(triage/corpus/risk_families.py) were written for it by the rules' author (self-harm means and idioms, violence against people and
property, blocking any passage, gatherings, collective skip-level threats, hazards, and the false
friends and calm reports that must stay below high): they pin the families down as tests. They
are development texts, not a measurement; the honest figures are the blind batches in
docs/triage.md."""

from __future__ import annotations

import pytest

from tongxin.lib.zhtext.default_rules import DEFAULT_RULES
from tongxin.lib.zhtext.normalize import normalize
from tongxin.lib.zhtext.rules import Facts, Rule, match_rules, reported, screen
from triage.corpus.risk_dev3 import RISK_DEV_3
from triage.corpus.risk_families import FAMILIES

RULES = [Rule.from_data(d) for d in DEFAULT_RULES]


@pytest.mark.parametrize(("text", "people", "level"), RISK_DEV_3)
def test_risk_rules_on_development_batch_3(text, people, level):
    got = screen(normalize(text), RULES, Facts(people_count=people))
    assert got.level == level, (text, [(h.code, h.phrase) for h in got.hits])
    if level == "high":
        # Every high finding names the phrase that triggered it (or the collective flag it came from).
        assert any(r["phrase"] for r in got.reasons if r["level"] == "high") or "collective" in got.flags


@pytest.mark.parametrize(("text", "level"), FAMILIES)
def test_round_five_families_and_false_friends(text, level):
    got = screen(normalize(text), RULES, Facts())
    assert got.level == level, (text, [(h.code, h.phrase) for h in got.hits])
    for reason in got.reasons:
        assert reason["phrase"], reason  # every reason names the phrase that triggered it


def test_a_calm_report_of_the_past_or_of_the_news_is_not_a_threat():
    text = normalize("去年俺们村有人堵过路，后来集团给解决了")
    hits, cancelled = match_rules(text, RULES)
    assert not [h for h in hits if h.level == "high"]
    assert ("block_traffic", "reported") in {(c.code, c.why) for c in cancelled}
    start = text.index("堵")
    assert reported(text, start, start + 1)
    # The same past time with a threat in the clause keeps the hit.
    text = normalize("去年就答应了，明天再不给我们就去堵路")
    start = text.index("堵路")
    assert not reported(text, start, start + 2)
    assert screen(text, RULES).level == "high"
    assert screen(normalize("看新闻说外省有个工人讨薪跳楼了，希望咱们别出这种事"), RULES).level == "low"
    assert screen(normalize("昨天他还偷偷藏了一瓶安眠药"), RULES).level == "high"  # 昨天 is not a calm past


def test_a_negation_reaches_over_a_short_object():
    assert screen(normalize("我们不想把事情闹大，只想要个说法"), RULES).level == "low"
    assert screen(normalize("我们绝不会把路堵上"), RULES).level == "low"
    assert screen(normalize("不给钱我们就把路堵上"), RULES).level == "high"
