"""Model choice by grouped cross-validation on the *training* split only (the held-out split is
never read here): category and type macro-F1 of candidate linear classifiers over the same
features, 5 folds that keep a matter's renderings together.

    .venv/bin/python bench/triage/model_select.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")


def main() -> None:
    import django

    django.setup()
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.svm import LinearSVC

    from triage import model as m
    from triage.training import seed_training

    texts, cats, types, groups = seed_training()
    tokens = [m.features(t) for t in texts]
    candidates = {
        "LinearSVC C=0.3": lambda: LinearSVC(C=0.3, class_weight="balanced", max_iter=20000),
        "LinearSVC C=1": lambda: LinearSVC(C=1.0, class_weight="balanced", max_iter=20000),
        "LinearSVC C=3": lambda: LinearSVC(C=3.0, class_weight="balanced", max_iter=20000),
        "LogReg C=8": lambda: LogisticRegression(C=8, max_iter=3000, class_weight="balanced"),
        "LogReg C=32": lambda: LogisticRegression(C=32, max_iter=3000, class_weight="balanced"),
    }
    print(f"training split: {len(texts)} texts, {len(set(groups))} matter groups; load {os.getloadavg()[0]:.1f}")
    for name, make in candidates.items():
        row = []
        started = time.perf_counter()
        for target in (cats, types):
            y = np.array(target)
            pred = np.empty(len(y), dtype=object)
            for tr, te in m._grouped_folds(y, groups):
                vec = m.vectoriser()
                Xtr = vec.fit_transform([tokens[i] for i in tr])
                clf = make().fit(Xtr, y[tr])
                pred[te] = clf.predict(vec.transform([tokens[i] for i in te]))
            row.append(f1_score(y, pred, average="macro"))
        print(f"  {name:<18} category macro-F1 {row[0]:.3f}  type macro-F1 {row[1]:.3f}  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
