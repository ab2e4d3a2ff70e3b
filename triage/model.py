"""The category and type model: TF-IDF over character 1–3-grams and jieba words, a linear
classifier per target, probabilities calibrated by scikit-learn's CalibratedClassifierCV (one
sigmoid per class, fitted on cross-validated scores of the training split grouped by matter —
never the held-out split), normalised over the classes.

Training needs scikit-learn; prediction needs only numpy and the JSON artifact (no pickle:
an artifact is data, loading it runs no code). No Django imports here."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tongxin.lib.zhtext.normalize import normalize
from tongxin.lib.zhtext.shingles import content_chars
from tongxin.lib.zhtext.tokenize import words

SHIPPED_VERSION = "seed-2"
SHIPPED = Path(__file__).with_name("artifacts") / f"model-{SHIPPED_VERSION}.json.gz"
FORMAT = 2
FORMATS = (1, 2)  # 1: temperature-scaled softmax (seed-1); 2: per-class sigmoid calibration


def features(text: str) -> list[str]:
    """The model's tokens of a raw text: character 1–3-grams (prefixed c) and words (w)."""
    norm = normalize(text)
    chars = content_chars(norm)
    toks = [f"c{chars[i:i + n]}" for n in (1, 2, 3) for i in range(len(chars) - n + 1)]
    toks += [f"w{w}" for w in words(norm) if len(w) > 1]
    return toks


def tfidf_vector(text: str, vocab: dict[str, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The text's L2-normalised sublinear TF-IDF values and their feature indexes (the arithmetic
    of scikit-learn's TfidfVectorizer(sublinear_tf=True) on the shipped vocabulary)."""
    counts: dict[int, int] = {}
    for tok in features(text):
        i = vocab.get(tok)
        if i is not None:
            counts[i] = counts.get(i, 0) + 1
    if not counts:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))  # sublinear tf
    x = tf * idf[idx]
    x /= np.linalg.norm(x) or 1.0
    return x, idx


def _identity(tokens):
    return tokens


@dataclass
class Head:
    """One target (category or type): classes, weights, bias and the calibration — either a
    softmax temperature (format 1) or one sigmoid (a, b) per class (format 2, the same arithmetic
    as CalibratedClassifierCV's predict_proba: p_k = 1 / (1 + exp(a_k·s_k + b_k)), normalised)."""

    classes: list[str]
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray
    temperature: float = 1.0
    sigmoid: np.ndarray | None = None  # (n_classes, 2)

    def scores(self, x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return (self.coef[:, idx] @ x if len(idx) else np.zeros(len(self.classes))) + self.intercept

    def proba(self, x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        s = self.scores(x, idx)
        if self.sigmoid is not None:
            p = 1.0 / (1.0 + np.exp(np.clip(self.sigmoid[:, 0] * s + self.sigmoid[:, 1], -500, 500)))
            total = p.sum()
            return p / total if total > 0 else np.full(len(self.classes), 1.0 / len(self.classes))
        logits = s / self.temperature
        logits -= logits.max()
        e = np.exp(logits)
        return e / e.sum()


@dataclass
class Prediction:
    label: str
    confidence: float
    ranked: list[tuple[str, float]]


class TriageModel:
    def __init__(self, data: dict) -> None:
        if data.get("format") not in FORMATS:
            raise ValueError(f"unknown model format {data.get('format')!r}")
        self.version: str = data["version"]
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(data["vocab"])}
        self.idf = np.asarray(data["idf"], dtype=np.float64)
        self.heads = {
            name: Head(h["classes"], np.asarray(h["coef"], dtype=np.float64), np.asarray(h["intercept"], dtype=np.float64),
                       h.get("temperature", 1.0),
                       np.asarray(h["sigmoid"], dtype=np.float64) if "sigmoid" in h else None)
            for name, h in data["heads"].items()
        }
        self.metrics: dict = data.get("metrics", {})
        self.trained_on: dict = data.get("trained_on", {})

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return tfidf_vector(text, self.vocab, self.idf)

    def predict(self, text: str) -> dict[str, Prediction]:
        x, idx = self._vector(text)
        out = {}
        for name, head in self.heads.items():
            p = head.proba(x, idx)
            order = np.argsort(-p)
            ranked = [(head.classes[i], float(p[i])) for i in order[:3]]
            out[name] = Prediction(ranked[0][0], ranked[0][1], ranked)
        return out


def load(path: Path, sha256: str = "") -> TriageModel:
    raw = Path(path).read_bytes()
    if sha256 and hashlib.sha256(raw).hexdigest() != sha256:
        raise ValueError(f"model artifact {path} does not match its registered checksum")
    return TriageModel(json.loads(gzip.decompress(raw)))


# --- training (scikit-learn) -----------------------------------------------------------------

# The classifier settings chosen by grouped cross-validation on the training split
# (``triage.training.select_model``; figures in docs/triage.md). Never tuned on held-out data.
DEFAULT_C = 1.0


def _grouped_folds(y: np.ndarray, groups: Sequence[str] | None, n_splits: int = 5) -> list:
    """Folds that keep a matter's renderings together (so calibration sees matters the fold has
    not learned, as a new petition will be), or stratified folds without groups."""
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    if groups is not None:
        return list(GroupKFold(n_splits=n_splits).split(np.zeros(len(y)), y, list(groups)))
    folds = StratifiedKFold(n_splits=max(2, min(n_splits, int(np.bincount(y).min()))), shuffle=True, random_state=0)
    return list(folds.split(np.zeros(len(y)), y))


def classifier(c: float = DEFAULT_C):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, class_weight="balanced", max_iter=20000)


def vectoriser():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2, max_features=30000, norm="l2")


def train(texts: Sequence[str], targets: dict[str, Sequence[str]], *, version: str, trained_on: dict,
          c: float = DEFAULT_C, groups: Sequence[str] | None = None) -> dict:
    """Fit the vectoriser and one calibrated linear classifier per target; return the artifact's data.

    ``CalibratedClassifierCV(ensemble=False)`` fits the classifier on all the training texts and
    one sigmoid per class on its cross-validated scores; ``groups`` names the matter each text
    tells so a matter's renderings stay in one fold (otherwise the sigmoids would learn the
    confidence of a known matter told again, and be over-confident on new ones)."""
    from sklearn.calibration import CalibratedClassifierCV

    vec = vectoriser()
    X = vec.fit_transform([features(t) for t in texts])
    heads = {}
    for name, labels in targets.items():
        classes = sorted(set(labels))
        y = np.array([classes.index(v) for v in labels])
        cal = CalibratedClassifierCV(classifier(c), method="sigmoid", cv=_grouped_folds(y, groups), ensemble=False)
        cal.fit(X, y)
        fitted = cal.calibrated_classifiers_[0]
        base = fitted.estimator
        sig = [[float(k.a_), float(k.b_)] for k in fitted.calibrators]
        heads[name] = {"classes": classes, "coef": np.round(base.coef_, 6).tolist(),
                       "intercept": np.round(base.intercept_, 6).tolist(), "sigmoid": np.round(sig, 6).tolist()}
    return {"format": FORMAT, "version": version, "vocab": vec.get_feature_names_out().tolist(),
            "idf": np.round(vec.idf_, 6).tolist(), "heads": heads, "trained_on": trained_on}


def write(data: dict, path: Path) -> str:
    """Write the artifact (gzip JSON, reproducible bytes) and return its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = gzip.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), mtime=0)
    path.write_bytes(raw)
    return hashlib.sha256(raw).hexdigest()
