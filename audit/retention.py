"""Retention of the audit log (网络安全法第二十一条: network logs kept at least six months).

Rows younger than ``AUDIT_RETENTION_DAYS`` (≥ 180, default 190) are never deleted. Older
rows may be archived: ``purge_audit`` writes them, oldest first and only as a prefix of the
chain, to a JSON-lines file in ``AUDIT_ARCHIVE_DIR``, records an ``AuditCheckpoint`` (the
hash the chain starts from after them, the file's SHA-256) and deletes them, in one
transaction that also appends an ``audit.purged`` event. ``verify_audit`` continues the chain
from the checkpoint and re-checks the archive file when it is present.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.hashing import GENESIS, chain_hash
from audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from audit.services import audit_record
from audit.verify import first_break, latest_checkpoint
from core.errors import InvalidInput

# The statutory floor, also enforced by the PostgreSQL trigger (audit/migrations/0003).
MINIMUM_RETENTION_DAYS = 180


@dataclass(frozen=True)
class PurgePlan:
    cutoff: datetime
    from_id: int
    upto_id: int
    rows: int


@dataclass(frozen=True)
class PurgeResult:
    plan: PurgePlan
    checkpoint: AuditCheckpoint | None
    archive: Path | None


def archive_dir() -> Path:
    return Path(settings.AUDIT_ARCHIVE_DIR)


def retention_days(older_than_days: int | None = None) -> int:
    days = settings.AUDIT_RETENTION_DAYS if older_than_days is None else older_than_days
    floor = max(settings.AUDIT_RETENTION_DAYS, MINIMUM_RETENTION_DAYS)
    if days < floor:
        raise InvalidInput(
            "retention_too_short", f"审计记录保存期为 {floor} 天，不能删除 {days} 天内的记录"
        )
    return days


def _row_line(event: AuditEvent) -> str:
    payload = event.payload()
    payload["at"] = event.at.astimezone(UTC).isoformat()  # canonical() hashes the same string
    return json.dumps(
        {"id": event.id, "payload": payload, "prev_hash": event.prev_hash, "hash": event.hash},
        ensure_ascii=False, sort_keys=True,
    )


def plan_purge(*, now: datetime | None = None, older_than_days: int | None = None) -> PurgePlan:
    """The oldest rows (a prefix of the chain) older than the retention period."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days(older_than_days))
    checkpoint = latest_checkpoint()
    after = checkpoint.upto_id if checkpoint else 0
    remaining = AuditEvent.objects.filter(id__gt=after)
    # Stop at the first row inside the retention period: ids, not times, define the prefix.
    boundary = remaining.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    old = remaining.filter(id__lt=boundary) if boundary is not None else remaining
    ids = old.order_by("id").values_list("id", flat=True)
    first, last = ids.first(), old.order_by("-id").values_list("id", flat=True).first()
    if first is None or last is None:
        return PurgePlan(cutoff=cutoff, from_id=0, upto_id=0, rows=0)
    return PurgePlan(cutoff=cutoff, from_id=first, upto_id=last, rows=old.count())


def purge_audit(*, actor=None, now: datetime | None = None, older_than_days: int | None = None,
                dry_run: bool = False) -> PurgeResult:
    now = now or timezone.now()
    with transaction.atomic():
        # The chain head is locked while rows are appended: no event is written meanwhile.
        AuditChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS})
        plan = plan_purge(now=now, older_than_days=older_than_days)
        if dry_run or plan.rows == 0:
            return PurgeResult(plan=plan, checkpoint=None, archive=None)
        checkpoint = latest_checkpoint()
        start = checkpoint.upto_hash if checkpoint else GENESIS
        rows = AuditEvent.objects.filter(id__gte=plan.from_id, id__lte=plan.upto_id).order_by("id")
        _refuse_broken(rows, start)
        path = archive_dir() / f"audit-{plan.from_id:010d}-{plan.upto_id:010d}.jsonl"
        digest, last = _write_archive(path, rows, start)
        try:
            checkpoint = AuditCheckpoint.objects.create(
                created_at=now, from_id=plan.from_id, upto_id=plan.upto_id, upto_at=last.at,
                prev_hash=start, upto_hash=last.hash, rows=plan.rows, archive_name=path.name,
                archive_sha256=digest,
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Lets the append-only trigger pass DELETEs of rows older than 180 days.
                    cursor.execute("SET LOCAL tongxin.audit_purge = 'on'")
            AuditEvent.objects.filter(id__gte=plan.from_id, id__lte=plan.upto_id).delete()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL tongxin.audit_purge = 'off'")
            audit_record(
                actor=actor, action="audit.purged", target=None,
                data={"from_id": plan.from_id, "upto_id": plan.upto_id, "rows": plan.rows,
                      "cutoff": plan.cutoff.isoformat(), "archive": path.name, "sha256": digest},
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return PurgeResult(plan=plan, checkpoint=checkpoint, archive=path)


def _refuse_broken(rows, start: str) -> None:
    from audit.verify import Link

    links = (
        Link(ref=f"审计记录 #{e.id}", number=e.id, prev_hash=e.prev_hash, hash=e.hash,
             intact=chain_hash(e.prev_hash, e.payload()) == e.hash)
        for e in rows.iterator(chunk_size=2000)
    )
    problem = first_break(links, start=start)
    if problem:
        raise InvalidInput("audit_chain_broken", f"审计链已损坏，拒绝归档：{problem}")


def _write_archive(path: Path, rows, start: str) -> tuple[str, AuditEvent]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    digest = hashlib.sha256()
    last = None
    with tmp.open("w", encoding="utf-8") as out:
        header = json.dumps({"prev_hash": start}, sort_keys=True) + "\n"
        out.write(header)
        digest.update(header.encode())
        for event in rows.iterator(chunk_size=2000):
            line = _row_line(event) + "\n"
            out.write(line)
            digest.update(line.encode())
            last = event
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    if last is None:
        raise RuntimeError("nothing to archive")
    return digest.hexdigest(), last


def verify_archive(checkpoint: AuditCheckpoint) -> str | None:
    """The archive file of a checkpoint still gives its hashes (None: it does, or it is absent)."""
    from audit.verify import Link

    path = archive_dir() / checkpoint.archive_name
    if not path.exists():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != checkpoint.archive_sha256:
        return f"审计归档 {checkpoint.archive_name}：文件的 SHA-256 与检查点不符（被修改）"
    lines = data.decode().splitlines()
    links = []
    for line in lines[1:]:
        row = json.loads(line)
        links.append(Link(ref=f"归档审计记录 #{row['id']}", number=row["id"], prev_hash=row["prev_hash"],
                          hash=row["hash"], intact=chain_hash(row["prev_hash"], row["payload"]) == row["hash"]))
    problem = first_break(links, start=checkpoint.prev_hash, head=checkpoint.upto_hash,
                          empty_ref=f"审计归档 {checkpoint.archive_name}")
    return f"{checkpoint.archive_name}：{problem}" if problem else None


def checkpoints_problems() -> tuple[list[str], list[str]]:
    """(problems, notes) about the checkpoints: consecutive, archives intact or absent."""
    problems: list[str] = []
    notes: list[str] = []
    previous_hash, previous_id = GENESIS, 0
    for checkpoint in AuditCheckpoint.objects.order_by("upto_id"):
        if checkpoint.prev_hash != previous_hash or checkpoint.from_id <= previous_id:
            problems.append(f"审计归档检查点 #{checkpoint.pk}：与前一检查点不衔接")
        problem = verify_archive(checkpoint)
        if problem:
            problems.append(problem)
        elif not (archive_dir() / checkpoint.archive_name).exists():
            notes.append(f"审计归档 {checkpoint.archive_name} 不在 {archive_dir()}，未复核其内容")
        previous_hash, previous_id = checkpoint.upto_hash, checkpoint.upto_id
    return problems, notes
