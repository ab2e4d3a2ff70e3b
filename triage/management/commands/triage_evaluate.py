"""Figures on the held-out split: category and type macro-F1 with per-class precision,
recall and F1; calibration (expected calibration error and a reliability table: in each
confidence bin, the mean confidence shown against the share actually right); high-risk recall
and precision on the labelled held-out risk texts, per set, by the rules alone and by the rules
with the learned second opinion (triage/risk_model.py, at the configured threshold); repeat
precision and recall on labelled pairs.

    manage.py triage_evaluate [--model PATH]
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from tongxin.lib.zhtext.matter import profile, same_matter
from tongxin.lib.zhtext.normalize import normalize
from tongxin.lib.zhtext.rules import Facts, screen
from triage import model as triage_model
from triage import risk_model
from triage.corpus.risk_blind3 import RISK_BLIND_3
from triage.corpus.risk_fresh import RISK_FRESH, RISK_FRESH_2
from triage.corpus.risk_set import RISK_HELDOUT
from triage.corpus.risk_written import risk_split
from triage.services import current_model, current_risk_model, current_rules, risk_model_threshold
from triage.training import heldout, matter_pairs, per_class


class Command(BaseCommand):
    help = "在保留集上评估研判（宏F1、各类指标、高风险召回率、重复件精确率和召回率）"

    def add_arguments(self, parser):
        parser.add_argument("--model", default="", help="artifact to evaluate (default: the active one)")

    def handle(self, *args, **opts):
        m = triage_model.load(Path(opts["model"])) if opts["model"] else current_model()
        rows = heldout()
        self.stdout.write(f"model {m.version}; held-out split: {len(rows)} texts of matters never seen in training")
        preds = [m.predict(s.text) for s in rows]
        for head, attr in (("category", "category"), ("ptype", "ptype")):
            if head not in m.heads:
                continue
            macro, table = per_class([getattr(s, attr) for s in rows], [p[head].label for p in preds])
            self.stdout.write(f"\n{head}: macro-F1 {macro:.3f}")
            self.stdout.write(f"  {'class':<22}{'precision':>10}{'recall':>8}{'f1':>7}{'n':>5}")
            for label, r in table.items():
                self.stdout.write(f"  {label:<22}{r['precision']:>10.3f}{r['recall']:>8.3f}{r['f1']:>7.3f}{r['support']:>5}")
            pairs = [(p[head].confidence, p[head].label == getattr(s, attr)) for p, s in zip(preds, rows, strict=True)]
            ece, table = reliability(pairs)
            accuracy = sum(ok for _, ok in pairs) / len(pairs)
            mean_conf = sum(c for c, _ in pairs) / len(pairs)
            self.stdout.write(f"  accuracy {accuracy:.3f}, mean confidence {mean_conf:.3f}, "
                              f"expected calibration error {ece:.3f}")
            self.stdout.write(f"  reliability: {'confidence':<12}{'n':>5}{'mean conf':>11}{'right':>8}")
            for lo, hi, n, conf, right in table:
                self.stdout.write(f"  {'':<13}{lo:.1f}–{hi:.1f}{'':<5}{n:>5}{conf:>11.3f}{right:>8.3f}")
        rules = current_rules()
        risk = current_risk_model()
        threshold = risk_model_threshold(risk)
        sets = {"risk_set": RISK_HELDOUT, "risk_written held-out": risk_split("heldout"), "risk_fresh": RISK_FRESH,
                "risk_fresh_2": RISK_FRESH_2, "risk_blind_3": RISK_BLIND_3}
        # Per set and overall, [tp, fn, fp] for the rules alone and the rules + the learned second opinion.
        counts = {(name, how): [0, 0, 0] for name in [*sets, "all"] for how in ("rules", "model")}
        misses: dict[str, list[str]] = {"rules": [], "model": []}
        total = 0
        for name, rows_ in sets.items():
            for text, people, level in rows_:
                total += 1
                norm = normalize(text)
                s = screen(norm, rules, Facts(people_count=people))
                got = {"rules": s.level}
                if threshold is not None:
                    risk_model.second_opinion(s, norm, risk, threshold)
                got["model"] = s.level
                for how, lv in got.items():
                    k = 0 if level == "high" and lv == "high" else 1 if level == "high" else 2 if lv == "high" else None
                    if k is not None:
                        counts[(name, how)][k] += 1
                        counts[("all", how)][k] += 1
                        if k:
                            misses[how].append(text)
        label = f"threshold {threshold:.3f}" if threshold is not None else "off"
        self.stdout.write(f"\nhigh risk ({total} labelled held-out texts); learned second opinion {risk.version}, {label}")
        for name in ["all", *sets]:
            for how, title in (("rules", "rules only"), ("model", "rules + model")):
                tp, fn, fp = counts[(name, how)]
                self.stdout.write(f"  {name:<22} {title:<14} high recall {tp / max(1, tp + fn):.3f} ({tp}/{tp + fn}), "
                                  f"precision {tp / max(1, tp + fp):.3f} (false alarms {fp})")
        for how, texts in misses.items():
            for text in texts:
                self.stdout.write(f"  wrong ({how}): {text}")
        pairs = matter_pairs(split="heldout")
        tp = fp = fn = 0
        for a, b, same, _kind in pairs:
            ok, _s, _c = same_matter(profile(normalize(a)), profile(normalize(b)))
            tp += ok and same
            fp += ok and not same
            fn += (not ok) and same
        self.stdout.write(f"\nrepeat ({len(pairs)} held-out pairs): precision {tp / max(1, tp + fp):.3f}, "
                          f"recall {tp / max(1, tp + fn):.3f}")


def reliability(pairs: list[tuple[float, bool]], bins: int = 10) -> tuple[float, list[tuple[float, float, int, float, float]]]:
    """Expected calibration error over ``bins`` equal confidence bins, and per non-empty bin:
    (low, high, count, mean confidence, share right)."""
    ece, table = 0.0, []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in pairs if lo < c <= hi or (b == 0 and c == 0)]
        if inside:
            conf = sum(c for c, _ in inside) / len(inside)
            right = sum(ok for _, ok in inside) / len(inside)
            ece += len(inside) / len(pairs) * abs(conf - right)
            table.append((lo, hi, len(inside), conf, right))
    return ece, table
