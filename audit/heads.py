"""The chain heads, exported to a file outside the database (daily, by Celery beat).

Someone who can write to the database can delete the newest rows of a chain and set the head
row back: the chain then verifies. The exported heads, kept elsewhere (another disk, a
write-once share, a printout), are what such a deleted tail is measured against.

One JSON line per export, appended to ``AUDIT_HEAD_EXPORT_DIR/heads.jsonl``::

    {"exported_at": "...", "audit": {"last_id": 123, "hash": "...", "at": "...", "rows": 120},
     "petitions": {"petitions": 40, "events_upto_id": 456, "events": 456, "events_digest": "..."}}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from audit.hashing import chain_hash
from audit.models import AuditEvent
from audit.verify import latest_checkpoint, petition_events_digest

HEADS_FILE = "heads.jsonl"


def heads_path(directory: Path | str | None = None) -> Path:
    base = Path(directory) if directory else Path(settings.AUDIT_HEAD_EXPORT_DIR)
    return base if base.suffix == ".jsonl" else base / HEADS_FILE


def current_heads(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    last = AuditEvent.objects.order_by("-id").first()
    checkpoint = latest_checkpoint()
    Petition = apps.get_model("petitions", "Petition")
    PetitionEvent = apps.get_model("petitions", "PetitionEvent")
    upto = PetitionEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    events, digest = petition_events_digest(upto)
    return {
        "exported_at": now.astimezone(UTC).isoformat(),
        "audit": {
            "last_id": last.id if last else 0,
            "hash": last.hash if last else "",
            "at": last.at.astimezone(UTC).isoformat() if last else "",
            "rows": AuditEvent.objects.count(),
            "checkpoint_upto_id": checkpoint.upto_id if checkpoint else 0,
        },
        "petitions": {
            "petitions": Petition.objects.count(),
            "events_upto_id": upto,
            "events": events,
            "events_digest": digest,
        },
    }


def export_heads(directory: Path | str | None = None, now: datetime | None = None) -> tuple[Path, dict]:
    """Append the current heads as one JSON line; flushed to disk before returning."""
    path = heads_path(directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    heads = current_heads(now)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(heads, ensure_ascii=False, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return path, heads


def read_last_heads(path: Path) -> dict | None:
    """The last complete line of a heads file (a half-written last line is skipped)."""
    last = None
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            if not line:
                continue
            try:
                last = json.loads(line)
            except json.JSONDecodeError:
                continue
    return last


@dataclass(frozen=True)
class HeadsCheck:
    problems: list[str]
    exported_at: str


def check_against_heads(heads: dict) -> HeadsCheck:
    """Compare the database with one exported line: every exported row must still be there."""
    problems: list[str] = []
    exported_at = heads.get("exported_at", "?")
    audit = heads.get("audit", {})
    last_id = int(audit.get("last_id") or 0)
    if last_id:
        checkpoint = latest_checkpoint()
        row = AuditEvent.objects.filter(pk=last_id).first()
        if row is not None:
            if row.hash != audit.get("hash") or chain_hash(row.prev_hash, row.payload()) != row.hash:
                problems.append(f"审计记录 #{last_id}：与 {exported_at} 导出的链头不符（被修改）")
        elif checkpoint is None or checkpoint.upto_id < last_id:
            newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
            where = f"现存最后一条为 #{newest}" if newest else "审计表已空"
            problems.append(
                f"审计记录 #{last_id}：{exported_at} 导出的链头已不存在（末尾记录被删除，{where}）"
            )
    petitions = heads.get("petitions", {})
    upto = int(petitions.get("events_upto_id") or 0)
    if upto:
        count, digest = petition_events_digest(upto)
        if count != petitions.get("events") or digest != petitions.get("events_digest"):
            lost = int(petitions.get("events") or 0) - count
            what = f"少了 {lost} 条（被删除）" if lost > 0 else "内容不同（被修改或插入）"
            problems.append(
                f"信访事件 #1–#{upto}：与 {exported_at} 导出的摘要不符，{what}"
            )
    return HeadsCheck(problems=problems, exported_at=exported_at)
