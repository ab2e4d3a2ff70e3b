"""The learned second opinion on high risk: P(high | text) from a logistic regression over the
category model's features (TF-IDF of character 1–3-grams and jieba words, ``model.features``).

It stands next to the phrase rules, never instead of them: the rules go first and explain
themselves; the model only *raises* a text the rules left below high, and says which fragments of
the text weighed most. It is trained on development texts only (RISK_DEV_3, the dev part of
risk_written, the rule families, and the category corpus's training split as texts below high);
the decision threshold is chosen by grouped cross-validation on those texts.

Training needs scikit-learn; prediction needs only numpy and the gzip JSON artifact (no pickle),
checked against its SHA-256. No Django imports here."""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tongxin.lib.zhtext.normalize import normalize
from tongxin.lib.zhtext.rules import Cancelled, Screening
from tongxin.lib.zhtext.shingles import content_chars
from triage.model import features, tfidf_vector, vectoriser, write

FORMAT = 1
SHIPPED_VERSION = "risk-seed-1"
SHIPPED = Path(__file__).with_name("artifacts") / f"{SHIPPED_VERSION}.json.gz"
# The shipped artifact's checksum: an altered or regenerated file is refused until this changes.
SHIPPED_SHA256 = "e609c0a3b4bfa8f034647046a7d777254ab0d8c8662c6b420462e63b0659ccd5"

# Chosen by cross-validation on the training texts (``train``): the regularisation grid, the
# recall the threshold must reach on out-of-fold high-risk texts, the folds.
C_GRID = (1.0, 4.0, 16.0, 64.0)
TARGET_RECALL = 0.97
FOLDS = 5
MASK = "x"  # stands in for wording the rules explicitly cleared (content_chars keeps it, vocab has no n-gram with it)


@dataclass(frozen=True)
class Opinion:
    probability: float
    fragments: list[str]  # the 2–4 fragments of the text that weighed most towards high


class RiskModel:
    def __init__(self, data: dict) -> None:
        if data.get("format") != FORMAT or data.get("kind") != "risk":
            raise ValueError(f"not a risk model artifact (format {data.get('format')!r}, kind {data.get('kind')!r})")
        self.version: str = data["version"]
        self.tokens: list[str] = data["vocab"]
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(self.tokens)}
        self.idf = np.asarray(data["idf"], dtype=np.float64)
        self.coef = np.asarray(data["coef"], dtype=np.float64)
        self.intercept = float(data["intercept"])
        self.threshold = float(data["threshold"])
        self.cv: dict = data.get("cv", {})
        self.trained_on: dict = data.get("trained_on", {})

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return tfidf_vector(text, self.vocab, self.idf)

    def probability(self, text: str) -> float:
        x, idx = self._vector(text)
        return _sigmoid(float(self.coef[idx] @ x) + self.intercept if len(idx) else self.intercept)

    def opinion(self, text: str, *, cleared: Sequence[str] = ()) -> Opinion:
        """P(high) and the fragments behind it. ``cleared`` are phrases the rules explicitly
        cleared (a negation, a false friend, a calm report): they are masked out first, so the
        model cannot raise a text on the very wording the rules decided was harmless."""
        text = masked(text, cleared)
        x, idx = self._vector(text)
        if not len(idx):
            return Opinion(_sigmoid(self.intercept), [])
        contrib = self.coef[idx] * x
        p = _sigmoid(float(contrib.sum()) + self.intercept)
        return Opinion(p, self._fragments(text, contrib, idx))

    def _fragments(self, text: str, contrib: np.ndarray, idx: np.ndarray, most: int = 4, top: int = 12) -> list[str]:
        """The stretches of the text that weighed most: the strongest positive n-grams and words
        are marked where they occur, touching marks merge into one stretch, and the stretches
        with the largest summed weight are named (in text order)."""
        chars = content_chars(text)
        weight = np.zeros(len(chars))
        for k in np.argsort(-contrib, kind="stable")[:top]:
            if contrib[k] <= 0:
                break
            frag = self.tokens[idx[k]][1:]
            if len(frag) < 2:
                continue
            start = chars.find(frag)
            while start >= 0:
                weight[start : start + len(frag)] += contrib[k] / len(frag)
                start = chars.find(frag, start + 1)
        spans, i = [], 0
        while i < len(chars):
            if weight[i] > 0:
                j = i
                while j < len(chars) and weight[j] > 0:
                    j += 1
                spans.append((float(weight[i:j].sum()), i, j))
                i = j
            else:
                i += 1
        best = sorted(sorted(spans, reverse=True)[:most], key=lambda s: s[1])
        return [chars[a:b] for _w, a, b in best]


CLEARING = ("negation", "false_friend", "reported")


def cleared_phrases(cancelled: Sequence[Cancelled]) -> list[str]:
    """The phrases the rules explicitly cleared (not those merely below a minimum count)."""
    return sorted({c.phrase for c in cancelled if c.why in CLEARING and c.phrase})


def second_opinion(s: Screening, norm: str, model: RiskModel, threshold: float) -> Opinion | None:
    """Ask the model about a normalised text the rules left below high, and raise it to high
    (flag ``extreme``) when P(high) reaches the threshold, naming the fragments behind it. Never
    lowers anything; wording the rules explicitly cleared is masked first. None: not asked."""
    if s.level == "high":
        return None
    op = model.opinion(norm, cleared=cleared_phrases(s.cancelled))
    if op.probability >= threshold:
        s.raise_to("high", flag="extreme", why=f"模型研判：措辞与高风险信访相近（概率{op.probability:.2f}）",
                   phrase="、".join(op.fragments))
    return op


def masked(text: str, cleared: Sequence[str]) -> str:
    """The text with every phrase the rules cleared replaced by MASK characters."""
    for phrase in sorted({p for p in cleared if p}, key=len, reverse=True):
        text = text.replace(phrase, MASK * len(phrase))
    return text


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-500.0, min(500.0, z))))


def load(path: Path = SHIPPED, sha256: str = "") -> RiskModel:
    raw = Path(path).read_bytes()
    expected = sha256 or (SHIPPED_SHA256 if Path(path) == SHIPPED else "")
    if expected and hashlib.sha256(raw).hexdigest() != expected:
        raise ValueError(f"risk model artifact {path} does not match its checksum")
    return RiskModel(json.loads(gzip.decompress(raw)))


# --- training (scikit-learn) -----------------------------------------------------------------


def _classifier(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000, solver="liblinear")


def _folds(y: np.ndarray, groups: Sequence[str]) -> list:
    from sklearn.model_selection import StratifiedGroupKFold

    return list(StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=0).split(np.zeros(len(y)), y, list(groups)))


def pick_threshold(p: np.ndarray, y: np.ndarray, target: float = TARGET_RECALL) -> tuple[float, float, float]:
    """The threshold with out-of-fold recall ≥ ``target`` on high and the best precision
    (the highest such threshold on ties); returns (threshold, recall, precision)."""
    best = (0.0, 1.0, float(y.mean()))
    for t in sorted(set(np.round(p[y == 1], 6).tolist())):
        hit = p >= t
        recall = float(hit[y == 1].mean())
        if recall < target:
            break
        precision = float(y[hit].mean())
        if precision >= best[2]:
            best = (t, recall, precision)
    return best


def _train_features(texts: Sequence[str], cleared: Sequence[Sequence[str]] | None) -> list[list[str]]:
    if cleared is None:
        return [features(t) for t in texts]
    return [features(masked(normalize(t), c)) for t, c in zip(texts, cleared, strict=True)]


def cross_validate(texts: Sequence[str], y: Sequence[int], groups: Sequence[str], c: float,
                   cleared: Sequence[Sequence[str]] | None = None) -> np.ndarray:
    """Out-of-fold P(high) for every text (the vectoriser is fitted inside each fold); with
    ``cleared``, each text's cleared phrases are masked as in use."""
    y = np.asarray(y)
    feats = _train_features(texts, cleared)
    out = np.zeros(len(y))
    for train_idx, test_idx in _folds(y, groups):
        vec = vectoriser()
        X = vec.fit_transform([feats[i] for i in train_idx])
        clf = _classifier(c).fit(X, y[train_idx])
        out[test_idx] = clf.predict_proba(vec.transform([feats[i] for i in test_idx]))[:, 1]
    return out


def train(texts: Sequence[str], y: Sequence[int], groups: Sequence[str], *, version: str, trained_on: dict,
          cleared: Sequence[Sequence[str]] | None = None, c_grid: Sequence[float] = C_GRID) -> dict:
    """Pick C and the threshold by grouped cross-validation (≥ TARGET_RECALL out-of-fold recall
    on high, best precision), fit on all the texts, return the artifact's data."""
    y_arr = np.asarray(y)
    grid = []
    for c in c_grid:
        t, recall, precision = pick_threshold(cross_validate(texts, y_arr, groups, c, cleared), y_arr)
        grid.append({"c": c, "threshold": round(t, 6), "recall": round(recall, 4), "precision": round(precision, 4)})
    best = max(grid, key=lambda g: (g["precision"], -g["c"]))
    vec = vectoriser()
    X = vec.fit_transform(_train_features(texts, cleared))
    clf = _classifier(best["c"]).fit(X, y_arr)
    return {"format": FORMAT, "kind": "risk", "version": version, "vocab": vec.get_feature_names_out().tolist(),
            "idf": np.round(vec.idf_, 6).tolist(), "coef": np.round(clf.coef_[0], 6).tolist(),
            "intercept": round(float(clf.intercept_[0]), 6), "threshold": best["threshold"],
            "cv": {"folds": FOLDS, "target_recall": TARGET_RECALL, "chosen": best, "grid": grid},
            "trained_on": trained_on}


__all__ = ["Opinion", "RiskModel", "cleared_phrases", "load", "masked", "pick_threshold", "second_opinion", "train", "write"]
