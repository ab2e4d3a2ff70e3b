"""The seed corpus (size, split rule), the calibrated model artifact (same probabilities as
scikit-learn's CalibratedClassifierCV, calibrated on held-out matters) and the risk rules on
the development risk texts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tongxin.lib.zhtext.default_rules import DEFAULT_RULES
from tongxin.lib.zhtext.normalize import normalize
from tongxin.lib.zhtext.rules import Facts, Rule, screen
from triage import model as triage_model
from triage.corpus.cores import CORES
from triage.corpus.risk_set import RISK_HELDOUT
from triage.corpus.risk_written import RISK_WRITTEN, risk_split
from triage.corpus.seed import TYPE_CODES, samples, split_of, written
from triage.training import heldout, seed_training


def test_every_category_has_at_least_50_written_petitions_and_every_type_50():
    types = Counter()
    for category in CORES:
        rows = written(category)
        assert len(rows) >= 50, category
        assert len({t for t, _ in rows}) >= 3, category  # several natures per category
        types.update(TYPE_CODES[t] for t, _ in rows)
    assert min(types.values()) >= 50 and set(types) == set(TYPE_CODES.values())


def test_the_split_is_a_hash_of_the_text_and_no_matter_is_on_both_sides():
    assert split_of("wages", "某段文字") == split_of("wages", "某段文字")
    by_matter: dict[str, set[str]] = {}
    for s in samples():
        by_matter.setdefault(s.matter.rsplit(":", 1)[0], set()).add(s.split)
    assert all(len(splits) == 1 for splits in by_matter.values())
    share = sum("heldout" in v for v in by_matter.values()) / len(by_matter)
    assert 0.18 < share < 0.32
    train_texts = set(seed_training()[0])
    assert not any(s.text in train_texts for s in heldout())


def test_artifact_probabilities_equal_calibrated_classifier_cv():
    from sklearn.calibration import CalibratedClassifierCV

    texts, cats, _types, groups = seed_training()
    pick = list(range(0, len(texts), 6))
    texts, cats, groups = [texts[i] for i in pick], [cats[i] for i in pick], [groups[i] for i in pick]
    data = triage_model.train(texts, {"category": cats}, version="t", trained_on={}, groups=groups)
    m = triage_model.TriageModel(data)
    # The same fit in scikit-learn, probabilities from predict_proba.
    vec = triage_model.vectoriser()
    X = vec.fit_transform([triage_model.features(t) for t in texts])
    classes = sorted(set(cats))
    y = np.array([classes.index(c) for c in cats])
    cal = CalibratedClassifierCV(triage_model.classifier(), method="sigmoid",
                                 cv=triage_model._grouped_folds(y, groups), ensemble=False).fit(X, y)
    probe = ["工资三个月没发了，请求补发", "家属区暖气不热", "建议食堂增加夜班热饭", "房子被采煤震裂了"]
    expected = cal.predict_proba(vec.transform([triage_model.features(t) for t in probe]))
    for text, row in zip(probe, expected, strict=True):
        pred = m.predict(text)["category"]
        assert pred.label == classes[int(np.argmax(row))]
        assert pred.confidence == pytest.approx(float(row.max()), abs=2e-3)


def test_shipped_model_is_calibrated_on_the_held_out_split():
    from triage.management.commands.triage_evaluate import reliability

    m = triage_model.load(triage_model.SHIPPED)
    assert m.version == triage_model.SHIPPED_VERSION and m.heads["category"].sigmoid is not None
    rows = heldout()
    pairs = [(p.confidence, p.label == s.category) for s, p in ((s, m.predict(s.text)["category"]) for s in rows)]
    ece, table = reliability(pairs)
    accuracy = sum(ok for _, ok in pairs) / len(pairs)
    mean_conf = sum(c for c, _ in pairs) / len(pairs)
    assert ece < 0.1 and abs(accuracy - mean_conf) < 0.1  # neither over- nor under-confident overall
    assert sum(n for _lo, _hi, n, _c, _r in table) == len(pairs)


def test_format_one_artifacts_still_load():
    data = {"format": 1, "version": "old", "vocab": ["c工", "c资"], "idf": [1.0, 1.0],
            "heads": {"category": {"classes": ["a", "b"], "coef": [[1.0, 1.0], [-1.0, -1.0]], "intercept": [0, 0],
                                   "temperature": 1.0}}}
    p = triage_model.TriageModel(data).predict("工资")["category"]
    assert p.label == "a" and 0.5 < p.confidence < 1


RULES = [Rule.from_data(d) for d in DEFAULT_RULES]


@pytest.mark.parametrize(("text", "people", "level"), risk_split("dev"))
def test_risk_rules_on_the_development_texts(text, people, level):
    got = screen(normalize(text), RULES, Facts(people_count=people))
    assert got.level == level, (text, [h.phrase for h in got.hits])
    if level == "high":
        assert any(r["phrase"] for r in got.reasons if r["level"] == "high") or "collective" in got.flags


def test_risk_texts_are_split_by_hash_and_the_held_out_ones_stay_apart():
    dev, held = risk_split("dev"), risk_split("heldout")
    assert len(dev) + len(held) == len(RISK_WRITTEN) and held and dev
    assert not {t for t, _, _ in held} & {t for t, _, _ in RISK_HELDOUT}


def test_screening_raises_no_ordinary_training_petition_to_high():
    highs = [s.text for s in samples() if s.split == "train" and screen(normalize(s.text), RULES).level == "high"]
    assert highs == []


@pytest.mark.parametrize(("text", "level"), [
    ("职工都在拼命赶产量，安全培训时间被挤占了", "low"),  # 拼命 is how hard they work
    ("建议在矿区开展防自杀心理干预培训", "low"),
    ("主井提升机跳闸了", "low"),
    ("我在井口等着他，见一次打一次", "high"),  # 一次 is normalised to 1次: the rule reads digits
    ("这日子没法过了，我准备跟矿上来个了断", "high"),
    ("工伤的事再拖，我就拿瓶敌敌畏去劳资科", "high"),
    ("三百多户村民约定月底到市委门口请愿", "high"),
])
def test_round_four_wordings_and_false_friends(text, level):
    assert screen(normalize(text), RULES, Facts()).level == level


@pytest.mark.django_db
@pytest.mark.parametrize("migration", ["0005_default_rules_round_four", "0006_default_rules_round_five"])
def test_rule_migrations_update_only_rules_nobody_edited(migration):
    import importlib

    from django.apps import apps

    from triage.models import RiskRule

    step = importlib.import_module(f"triage.migrations.{migration}")
    RiskRule.objects.all().delete()
    before = step.PREVIOUS
    untouched = RiskRule.objects.create(code="self_harm", label="自伤", level="high", flag="extreme",
                                        patterns=before["self_harm"]["patterns"], exclude=before["self_harm"]["exclude"])
    edited = RiskRule.objects.create(code="violence", label="暴力", level="high", flag="extreme",
                                     patterns=["同归于尽"], exclude=[])
    step.update_rules(apps, None)
    untouched.refresh_from_db()
    edited.refresh_from_db()
    new = {d["code"]: d for d in DEFAULT_RULES}
    assert untouched.patterns == new["self_harm"]["patterns"] and untouched.exclude == new["self_harm"]["exclude"]
    assert edited.patterns == ["同归于尽"]
