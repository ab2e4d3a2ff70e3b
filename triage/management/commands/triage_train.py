"""Train the category/type model from the seed corpus and officer-confirmed petitions.

    manage.py triage_train [--seed-only] [--out PATH] [--activate]
    manage.py triage_train --risk [--out PATH] [--model-version V]

Writes a versioned artifact (gzip JSON) and registers it; ``--activate`` makes it the model
triage uses. ``--risk`` trains the learned second opinion on high risk instead (development risk
texts + the category training split; C and threshold by grouped cross-validation) and only
writes its artifact: the shipped one was made with
``manage.py triage_train --risk --out triage/artifacts/risk-seed-1.json.gz`` (then its SHA-256
goes into ``triage.risk_model.SHIPPED_SHA256``). The held-out split and the held-out risk sets
are never read here."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from triage import model as triage_model
from triage import risk_model
from triage.models import Feedback, ModelArtifact
from triage.services import artifact_dir
from triage.training import risk_cleared, risk_training, seed_training


class Command(BaseCommand):
    help = "训练分类与性质模型（种子语料 + 信访干事确认的事项）"

    def add_arguments(self, parser):
        parser.add_argument("--seed-only", action="store_true", help="only the seed corpus (the shipped model)")
        parser.add_argument("--out", default="", help="artifact path (default: TRIAGE_ARTIFACT_DIR/model-<version>.json.gz)")
        parser.add_argument("--model-version", default="")
        parser.add_argument("--activate", action="store_true")
        parser.add_argument("--risk", action="store_true", help="train the learned second opinion on high risk")

    def handle(self, *args, **opts):
        if opts["risk"]:
            return self._risk(opts)
        texts, cats, types, groups = seed_training()
        confirmed = 0
        if not opts["seed_only"]:
            # The latest decision per petition counts (an officer may have corrected twice).
            latest = {}
            for fb in Feedback.objects.select_related("petition").order_by("at"):
                latest[fb.petition_id] = fb
            for fb in latest.values():
                texts.append(f"{fb.petition.title}。{fb.petition.content}")
                cats.append(fb.category)
                types.append(fb.ptype)
                groups.append(f"p:{fb.petition_id}")
            confirmed = len(latest)
        now = timezone.now()
        version = opts["model_version"] or (triage_model.SHIPPED_VERSION if opts["seed_only"] else now.strftime("m%Y%m%d%H%M%S"))
        data = triage_model.train(texts, {"category": cats, "ptype": types}, version=version, groups=groups,
                                  trained_on={"seed": len(texts) - confirmed, "confirmed": confirmed})
        out = Path(opts["out"]) if opts["out"] else artifact_dir() / f"model-{version}.json.gz"
        sha = triage_model.write(data, out)
        self.stdout.write(f"model {version}: {len(texts)} texts ({confirmed} confirmed by officers) → {out} sha256 {sha[:12]}")
        if opts["seed_only"] and not opts["activate"]:
            return
        with transaction.atomic():
            if opts["activate"]:
                ModelArtifact.objects.filter(active=True).update(active=False)
            ModelArtifact.objects.update_or_create(version=version, defaults={
                "path": str(out), "sha256": sha, "trained_at": now, "trained_on": data["trained_on"],
                "active": opts["activate"]})
        self.stdout.write(f"registered {version}{' (active)' if opts['activate'] else ''}")

    def _risk(self, opts) -> None:
        texts, labels, groups = risk_training()
        version = opts["model_version"] or risk_model.SHIPPED_VERSION
        data = risk_model.train(texts, labels, groups, version=version, cleared=risk_cleared(texts),
                                trained_on={"texts": len(texts), "high": sum(labels)})
        out = Path(opts["out"]) if opts["out"] else artifact_dir() / f"{version}.json.gz"
        sha = risk_model.write(data, out)
        chosen = data["cv"]["chosen"]
        for g in data["cv"]["grid"]:
            self.stdout.write(f"  C={g['c']:<5} threshold {g['threshold']:.3f}: CV recall {g['recall']:.3f}, precision {g['precision']:.3f}")
        self.stdout.write(f"risk model {version}: {len(texts)} texts ({sum(labels)} high); C={chosen['c']}, "
                          f"threshold {chosen['threshold']:.3f} (CV recall {chosen['recall']:.3f}, precision "
                          f"{chosen['precision']:.3f}) → {out} sha256 {sha}")
