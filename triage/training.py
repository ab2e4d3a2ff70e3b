"""Training data and evaluation: the seed corpus (train split) plus officer-confirmed
petitions; the held-out split is read only by ``evaluate``."""

from __future__ import annotations

from collections.abc import Sequence

from triage.corpus.grammar import TYPE_BY_CATEGORY, sentences
from triage.corpus.lexicon import LEXICON
from triage.corpus.seed import matter_pairs, samples


def seed_training() -> tuple[list[str], list[str], list[str], list[str]]:
    """Texts, categories, types and matter groups (for calibration folds) of the train split."""
    texts, cats, types, groups = [], [], [], []
    for s in samples():
        if s.split == "train":
            texts.append(s.text)
            cats.append(s.category)
            types.append(s.ptype)
            groups.append(s.matter.rsplit(":", 1)[0])
    for k, (text, cat, typ) in enumerate(sentences()):
        texts.append(text)
        cats.append(cat)
        types.append(typ)
        groups.append(f"g:{cat}:{k % 7}")
    for cat, words in LEXICON.items():
        w = words.split()
        for i in range(0, len(w), 3):
            texts.append(" ".join(w[i : i + 3]))
            cats.append(cat)
            types.append(TYPE_BY_CATEGORY.get(cat, "request"))
            groups.append(f"x:{cat}:{i % 2}")
    return texts, cats, types, groups


def risk_training() -> tuple[list[str], list[int], list[str]]:
    """Texts, labels (1 = high risk) and CV groups for the learned second opinion on high risk.

    Development texts only: RISK_DEV_3, the dev part of risk_written, the rule families, and the
    category corpus's *training* split (all below high). Never risk_set, the held-out part of
    risk_written, RISK_FRESH, RISK_FRESH_2, RISK_BLIND_3 or the category held-out split."""
    from triage.corpus.risk_dev3 import RISK_DEV_3
    from triage.corpus.risk_families import FAMILIES
    from triage.corpus.risk_written import risk_split

    texts, labels, groups = [], [], []
    rows = [(t, lv) for t, _people, lv in RISK_DEV_3] + [(t, lv) for t, _people, lv in risk_split("dev")] + list(FAMILIES)
    for k, (text, level) in enumerate(rows):
        texts.append(text)
        labels.append(int(level == "high"))
        groups.append(f"r:{k}")
    seed_texts, _cats, _types, seed_groups = seed_training()
    texts += seed_texts
    labels += [0] * len(seed_texts)
    groups += seed_groups
    return texts, labels, groups


def risk_cleared(texts: Sequence[str]) -> list[list[str]]:
    """Per text, the phrases the default rules explicitly cleared (negation, false friend, calm
    report): the model is trained and asked with them masked (``risk_model.masked``)."""
    from tongxin.lib.zhtext.default_rules import DEFAULT_RULES
    from tongxin.lib.zhtext.normalize import normalize
    from tongxin.lib.zhtext.rules import Rule, match_rules
    from triage.risk_model import cleared_phrases

    rules = [Rule.from_data(d) for d in DEFAULT_RULES]
    return [cleared_phrases(match_rules(normalize(t), rules)[1]) for t in texts]


def heldout() -> list:
    return [s for s in samples() if s.split == "heldout"]


def per_class(truth: Sequence[str], pred: Sequence[str]) -> tuple[float, dict[str, dict]]:
    """Macro-F1 and per-class precision, recall, F1, support."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    labels = sorted(set(truth) | set(pred))
    p, r, f, n = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    table = {lab: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3), "f1": round(float(f[i]), 3),
                   "support": int(n[i])} for i, lab in enumerate(labels)}
    truth_labels = sorted(set(truth))
    return round(float(f1_score(truth, pred, labels=truth_labels, average="macro", zero_division=0)), 3), table


__all__ = ["heldout", "matter_pairs", "per_class", "risk_training", "seed_training"]
