"""The category and type model: TF-IDF over character 1–3-grams and jieba words, a
multinomial logistic regression per target, probabilities calibrated by temperature scaling on
cross-validated predictions of the training data (never the held-out split).

Training needs scikit-learn; prediction needs only numpy and the JSON artifact (no pickle:
an artifact is data, loading it runs no code). No Django imports here."""

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
from tongxin.lib.zhtext.shingles import content_chars
from tongxin.lib.zhtext.tokenize import words

SHIPPED = Path(__file__).with_name("artifacts") / "model-seed-1.json.gz"
FORMAT = 1


def features(text: str) -> list[str]:
    """The model's tokens of a raw text: character 1–3-grams (prefixed c) and words (w)."""
    norm = normalize(text)
    chars = content_chars(norm)
    toks = [f"c{chars[i:i + n]}" for n in (1, 2, 3) for i in range(len(chars) - n + 1)]
    toks += [f"w{w}" for w in words(norm) if len(w) > 1]
    return toks


def _identity(tokens):
    return tokens


@dataclass
class Head:
    """One target (category or type): classes, weights, bias and the calibration temperature."""

    classes: list[str]
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray
    temperature: float

    def proba(self, x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        logits = (self.coef[:, idx] @ x if len(idx) else np.zeros(len(self.classes))) + self.intercept
        logits = logits / self.temperature
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
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}")
        self.version: str = data["version"]
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(data["vocab"])}
        self.idf = np.asarray(data["idf"], dtype=np.float64)
        self.heads = {
            name: Head(h["classes"], np.asarray(h["coef"], dtype=np.float64), np.asarray(h["intercept"]), h["temperature"])
            for name, h in data["heads"].items()
        }
        self.metrics: dict = data.get("metrics", {})
        self.trained_on: dict = data.get("trained_on", {})

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        for tok in features(text):
            i = self.vocab.get(tok)
            if i is not None:
                counts[i] = counts.get(i, 0) + 1
        if not counts:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))  # sublinear tf
        x = tf * self.idf[idx]
        x /= np.linalg.norm(x) or 1.0
        return x, idx

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


def _temperature(probs_logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of cross-validated logits."""
    best, best_t = math.inf, 1.0
    for t in np.arange(0.05, 3.01, 0.05):
        z = probs_logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = -logp[np.arange(len(y)), y].mean()
        if nll < best:
            best, best_t = nll, float(t)
    return round(best_t, 2)


def train(texts: Sequence[str], targets: dict[str, Sequence[str]], *, version: str, trained_on: dict,
          c: float = 8.0, groups: Sequence[str] | None = None) -> dict:
    """Fit the vectoriser and one logistic regression per target; return the artifact's data.

    ``groups`` names the matter each text tells: the calibration folds keep a matter's
    renderings together, so the temperature is fitted on matters the fold has not seen (as a
    new petition will be), not on other wordings of a known one (which would be overconfident)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict

    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2, max_features=12000, norm="l2")
    tokens = [features(t) for t in texts]
    X = vec.fit_transform(tokens)
    heads = {}
    for name, labels in targets.items():
        classes = sorted(set(labels))
        y = np.array([classes.index(v) for v in labels])
        clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        if groups is not None:
            cv_logits = cross_val_predict(clf, X, y, cv=GroupKFold(n_splits=3), groups=list(groups),
                                          method="decision_function")
        else:
            folds = StratifiedKFold(n_splits=min(3, np.bincount(y).min()), shuffle=True, random_state=0)
            cv_logits = cross_val_predict(clf, X, y, cv=folds, method="decision_function")
        temperature = _temperature(np.asarray(cv_logits), y)
        clf.fit(X, y)
        heads[name] = {"classes": classes, "coef": np.round(clf.coef_, 5).tolist(),
                       "intercept": np.round(clf.intercept_, 5).tolist(), "temperature": temperature}
    return {"format": FORMAT, "version": version, "vocab": vec.get_feature_names_out().tolist(),
            "idf": np.round(vec.idf_, 5).tolist(), "heads": heads, "trained_on": trained_on}


def write(data: dict, path: Path) -> str:
    """Write the artifact (gzip JSON, reproducible bytes) and return its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = gzip.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), mtime=0)
    path.write_bytes(raw)
    return hashlib.sha256(raw).hexdigest()
