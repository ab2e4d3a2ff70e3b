"""The learned second opinion on high risk (triage/risk_model.py): the shipped artifact and its
checksum, deterministic numpy prediction, raising an unseen paraphrase with an explaining reason,
never lowering, false friends staying low, the administrators' switch, reproducible training on
development texts only."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from petitions.models import Petition
from tests.petitions.conftest import at, submit
from tongxin.lib.zhtext.default_rules import DEFAULT_RULES
from tongxin.lib.zhtext.normalize import normalize
from tongxin.lib.zhtext.rules import Facts, Rule, screen
from tongxin.lib.zhtext.shingles import content_chars
from triage import model as triage_model
from triage import risk_model, services
from triage.corpus.risk_dev3 import RISK_DEV_3
from triage.corpus.risk_families import FAMILIES
from triage.training import risk_cleared, risk_training

RULES = [Rule.from_data(d) for d in DEFAULT_RULES]
MODEL = triage_model.load(triage_model.SHIPPED)
# Written for this test, not in any corpus: a threat in words no rule lists.
PARAPHRASE = "再这么拖下去，我就拿桶柴油浇在身上"
FALSE_FRIENDS = [
    "井下配电室这周跳闸了三次，没有人想闹事，只希望尽快检修。",
    "配电室跳闸了好几次",
    "单位组织进京培训",
    "下个月去北京培训，差旅费怎么报销",
    "没有人想闹事，只想要回工资",
    "工人们绝不会堵路",
    "水仓堵漏工程没完工",
    "工作面瓦斯聚集，通风要加强",
    "我们不想把事情闹大，只想要个说法",
    "我们绝不会把路堵上",
    "看新闻说外省有个工人讨薪跳楼了，希望咱们别出这种事",
    "去年俺们村有人堵过路，后来集团给解决了",
]


def level(text: str, people: int = 1) -> str:
    return services.analyse_text(text, facts=Facts(people_count=people), rules=RULES, model=MODEL).screening.level


def test_the_shipped_artifact_loads_and_matches_its_checksum(tmp_path):
    raw = risk_model.SHIPPED.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == risk_model.SHIPPED_SHA256
    m = risk_model.load()
    assert m.version == risk_model.SHIPPED_VERSION and 0 < m.threshold < 1
    assert m.cv["chosen"]["recall"] >= risk_model.TARGET_RECALL
    assert len(m.coef) == len(m.tokens) == len(m.idf)
    # An altered artifact is refused, whether it is the shipped path or a registered checksum.
    altered = tmp_path / "risk.json.gz"
    altered.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    with pytest.raises(ValueError, match="checksum"):
        risk_model.load(altered, sha256=risk_model.SHIPPED_SHA256)


def test_prediction_is_deterministic_numpy():
    m = risk_model.load()
    first = m.opinion(normalize(PARAPHRASE))
    again = risk_model.load().opinion(normalize(PARAPHRASE))
    assert first == again and 0 <= first.probability <= 1
    assert m.probability(normalize(PARAPHRASE)) == pytest.approx(first.probability, abs=1e-12)


def test_an_unseen_paraphrase_is_raised_with_a_reason_that_explains_itself():
    assert screen(normalize(PARAPHRASE), RULES).level == "low"  # the rules miss it
    s = services.analyse_text(PARAPHRASE, rules=RULES, model=MODEL).screening
    assert s.level == "high" and "extreme" in s.flags
    (reason,) = [r for r in s.reasons if r["why"].startswith("模型研判")]
    assert reason["level"] == "high" and reason["flag"] == "extreme"
    assert "措辞与高风险信访相近（概率0." in reason["why"] or "（概率1.00）" in reason["why"]
    fragments = reason["phrase"].split("、")
    assert 1 <= len(fragments) <= 4
    assert all(f and f in content_chars(normalize(PARAPHRASE)) for f in fragments)


def test_the_rules_go_first_and_nothing_is_lowered(settings):
    text = "欠了我半年工资，再不给我就从矿办公楼上跳楼，说到做到。"
    rules_only = screen(normalize(text), RULES)
    s = services.analyse_text(text, rules=RULES, model=MODEL).screening
    assert s.level == "high" and s.reasons == rules_only.reasons  # not even asked
    # A medium finding keeps its reason; the model may only add a higher one.
    medium = "我们共12名职工联名反映岗位工资定级不公平的问题"
    assert screen(normalize(medium), RULES).level == "medium"
    s = services.analyse_text(medium, rules=RULES, model=MODEL).screening
    assert s.level in ("medium", "high") and "collective" in s.flags
    settings.TRIAGE_RISK_MODEL_THRESHOLD = "1"  # the strictest setting raises nothing
    for text, _people, _level in RISK_DEV_3[:30]:
        assert level(text) == screen(normalize(text), RULES).level


@pytest.mark.parametrize("text", FALSE_FRIENDS)
def test_false_friends_negations_and_calm_reports_stay_below_high(text):
    assert level(text) != "high"


def test_development_texts_the_rules_cleared_stay_below_high():
    # A text below high in which the rules explicitly cleared a phrase (a negation, a false
    # friend, a calm report) is never raised: the model does not see the cleared wording.
    below = [t for t, lv in FAMILIES if lv != "high"] + [t for t, p, lv in RISK_DEV_3 if lv != "high"]
    cleared = [t for t, c in zip(below, risk_cleared(below), strict=True) if c]
    assert len(cleared) >= 20
    assert [t for t in cleared if level(t) == "high"] == []


def test_switching_the_model_off_restores_rules_only(settings):
    settings.TRIAGE_RISK_MODEL_THRESHOLD = "off"
    a = services.analyse_text(PARAPHRASE, rules=RULES, model=MODEL).screening
    b = screen(normalize(PARAPHRASE), RULES)
    assert a.level == b.level == "low" and a.reasons == b.reasons
    settings.TRIAGE_RISK_MODEL_THRESHOLD = "0.999999"
    assert level(PARAPHRASE) == "low" or risk_model.load().opinion(normalize(PARAPHRASE)).probability >= 0.999999
    settings.TRIAGE_RISK_MODEL_THRESHOLD = "1.5"
    with pytest.raises(ValueError, match="TRIAGE_RISK_MODEL_THRESHOLD"):
        level(PARAPHRASE)
    settings.TRIAGE_RISK_MODEL_THRESHOLD = ""
    assert level(PARAPHRASE) == "high"


@pytest.mark.django_db
def test_registration_raises_and_notifies_on_the_model_opinion(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = submit(world, now=at(2026, 3, 2), title="工伤认定拖了一年", content=PARAPHRASE)
    p = Petition.objects.get(pk=result.petition.pk)
    assert p.risk_level == "high" and "extreme" in p.flags
    assert any(r["why"].startswith("模型研判") and r["phrase"] for r in p.triage.reasons)


def test_training_reads_development_texts_only():
    from triage.corpus.risk_blind3 import RISK_BLIND_3
    from triage.corpus.risk_fresh import RISK_FRESH, RISK_FRESH_2
    from triage.corpus.risk_set import RISK_HELDOUT
    from triage.corpus.risk_written import risk_split
    from triage.training import heldout

    texts, labels, groups = risk_training()
    assert len(texts) == len(labels) == len(groups) and sum(labels) > 200
    forbidden = {t for rows in (RISK_BLIND_3, RISK_FRESH, RISK_FRESH_2, RISK_HELDOUT, risk_split("heldout"))
                 for t, _p, _lv in rows} | {s.text for s in heldout()}
    assert not forbidden & set(texts)


def test_training_is_reproducible():
    texts, labels, groups = risk_training()
    # A small slice (every high text of the families and 300 ordinary petitions) and one C.
    keep = [i for i, g in enumerate(groups) if g.startswith("r:")][:200] + list(range(len(texts) - 300, len(texts)))
    t = [texts[i] for i in keep]
    y = [labels[i] for i in keep]
    g = [groups[i] for i in keep]
    cleared = risk_cleared(t)
    one = risk_model.train(t, y, g, version="t", trained_on={}, cleared=cleared, c_grid=(4.0,))
    two = risk_model.train(t, y, g, version="t", trained_on={}, cleared=cleared, c_grid=(4.0,))
    assert one == two
    m = risk_model.RiskModel(one)
    assert m.cv["chosen"]["recall"] >= risk_model.TARGET_RECALL
    # The artifact learned something: its high texts score above the ordinary ones.
    p = np.array([m.probability(normalize(x)) for x in t])
    assert p[np.array(y) == 1].mean() > p[np.array(y) == 0].mean()
