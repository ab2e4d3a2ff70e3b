"""Walking the hash chains and naming the first broken link.

Two kinds of chain: the audit log (one chain over ``AuditEvent`` by id, continuing from the
latest archive checkpoint) and one chain per petition over its ``PetitionEvent`` rows by seq.
Each row stores the hash of the row before it (``prev_hash``) and its own hash over its
content and ``prev_hash``. Three kinds of tampering leave three different traces:

* an edited row: its content no longer gives its hash — "内容与哈希不符（被修改）";
  an edited row whose hash was recomputed shows at the next row, whose ``prev_hash`` still
  holds the old value while nothing is missing between them;
* a deleted row: the next row points to a hash no row has — "前序哈希不连续（其前有记录被删除）";
* an inserted row: the row after it still points to the row before it — "（插入的记录）";
  an inserted last row: the chain head (kept in another table) still names the row before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass

from django.apps import apps

from audit.hashing import GENESIS, chain_hash
from audit.models import AuditChainHead, AuditCheckpoint, AuditEvent

EDITED = "内容与哈希不符（被修改）"
REHASHED = "被修改（哈希被重新计算，其后记录 {next} 的前序哈希仍是原值）"
DELETED = "前序哈希不连续（其前有记录被删除）"
INSERTED = "插入的记录（其后记录 {next} 的前序哈希指向再前一条记录）"
INSERTED_LAST = "插入的记录（链头仍指向前一条记录）"
TAIL_DELETED = "末尾记录被删除（链头不是最后一条记录 {last} 的哈希）"


@dataclass(frozen=True)
class Link:
    ref: str  # how the row is named in a report: "审计记录 #123", "信访事项 XF-… 事件 #3"
    number: int  # id or seq: consecutive numbers mean nothing was removed between two rows
    prev_hash: str
    hash: str
    intact: bool  # the stored hash is the hash of the stored content


def _pairs(links: Iterable[Link]) -> Iterator[tuple[Link, Link | None]]:
    it = iter(links)
    try:
        current = next(it, None)
        while current is not None:
            following = next(it, None)
            yield current, following
            current = following
    finally:
        # Stopping at a break leaves a database cursor open (a server-side one on PostgreSQL):
        # close it now, not when a later rollback has already dropped it.
        close = getattr(it, "close", None)
        if close is not None:
            close()


def first_break(links: Iterable[Link], *, start: str = GENESIS, head: str | None = None,
                empty_ref: str = "") -> str | None:
    """The first broken link of one chain, as "<ref>：<what>" (None: the chain is intact).

    ``start`` is the hash the first row must point to; ``head`` the hash the last row must
    have (None: not checked). ``empty_ref`` names the chain when it has no row at all.
    """
    with closing(_pairs(links)) as pairs:
        return _first_break(pairs, start=start, head=head, empty_ref=empty_ref)


def _first_break(pairs: Iterator[tuple[Link, Link | None]], *, start: str, head: str | None,
                 empty_ref: str) -> str | None:
    prev_hash = start  # hash of the previous row
    previous: Link | None = None
    for link, following in pairs:
        if link.prev_hash != prev_hash or not link.intact:
            if following is not None and following.prev_hash == prev_hash and link.hash != prev_hash:
                return f"{link.ref}：" + INSERTED.format(next=following.ref)
            if not link.intact:
                return f"{link.ref}：{EDITED}"
            if previous is not None and link.prev_hash == previous.prev_hash:
                # Points past the previous row to the one before it: the previous row was inserted.
                return f"{previous.ref}：" + INSERTED.format(next=link.ref)
            if previous is not None and link.number == previous.number + 1:
                return f"{previous.ref}：" + REHASHED.format(next=link.ref)
            return f"{link.ref}：{DELETED}"
        previous, prev_hash = link, link.hash
    if head is not None and head != prev_hash:
        if previous is None:
            return f"{empty_ref}：" + TAIL_DELETED.format(last="（无）")
        if head == previous.prev_hash:
            return f"{previous.ref}：{INSERTED_LAST}"
        return f"{previous.ref} 之后：" + TAIL_DELETED.format(last=previous.ref)
    return None


# --- the audit chain -------------------------------------------------------------------------


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-upto_id").first()


def _audit_links(after_id: int) -> Iterator[Link]:
    for event in AuditEvent.objects.filter(id__gt=after_id).order_by("id").iterator(chunk_size=2000):
        yield Link(
            ref=f"审计记录 #{event.id}",
            number=event.id,
            prev_hash=event.prev_hash,
            hash=event.hash,
            intact=chain_hash(event.prev_hash, event.payload()) == event.hash,
        )


def verify_audit_chain() -> str | None:
    """First broken link of the audit chain (from the latest checkpoint on), or None."""
    checkpoint = latest_checkpoint()
    start = checkpoint.upto_hash if checkpoint else GENESIS
    after = checkpoint.upto_id if checkpoint else 0
    head = AuditChainHead.objects.filter(pk=1).values_list("last_hash", flat=True).first()
    if head is None and AuditEvent.objects.exists():
        head = ""  # rows without a head row: the head was deleted
    return first_break(_audit_links(after), start=start, head=head, empty_ref="审计链")


# --- the petitions' event chains -------------------------------------------------------------


@dataclass
class ChainReport:
    problems: list[str]
    chains: int
    rows: int


def _petition_model():
    return apps.get_model("petitions", "Petition"), apps.get_model("petitions", "PetitionEvent")


def verify_petition_chains() -> ChainReport:
    """The first broken link of every petition's event chain.

    One ordered pass over the petitions and one over their events, merged by petition id:
    memory stays flat however many petitions there are.
    """
    Petition, PetitionEvent = _petition_model()
    problems: list[str] = []
    rows = chains = 0

    def links_of(number: str, events: list) -> Iterator[Link]:
        for event in events:
            yield Link(
                ref=f"信访事项 {number} 事件 #{event.seq}",
                number=event.seq,
                prev_hash=event.prev_hash,
                hash=event.hash,
                intact=chain_hash(event.prev_hash, event.payload()) == event.hash,
            )

    def check(number: str, head: str | None, events: list) -> None:
        problem = first_break(links_of(number, events), head=head or None, empty_ref=f"信访事项 {number}")
        if problem:
            problems.append(problem)

    petitions = Petition.objects.order_by("pk").values_list("pk", "number", "event_head").iterator(chunk_size=5000)
    events = PetitionEvent.objects.order_by("petition_id", "seq").iterator(chunk_size=2000)
    pending = next(events, None)
    for pk, number, head in petitions:
        chains += 1
        own: list = []
        while pending is not None and pending.petition_id <= pk:
            if pending.petition_id < pk:  # events of a petition that does not exist (cannot happen: FK)
                problems.append(f"信访事项 #{pending.petition_id} 事件 #{pending.seq}：所属信访事项不存在")
            else:
                own.append(pending)
            rows += 1
            pending = next(events, None)
        check(number, head, own)
    return ChainReport(problems=problems, chains=chains, rows=rows)


def petition_events_digest(upto_id: int) -> tuple[int, str]:
    """Count and SHA-256 over the (id, hash) of every petition event up to ``upto_id``."""
    _Petition, PetitionEvent = _petition_model()
    digest = hashlib.sha256()
    count = 0
    for pk, event_hash in PetitionEvent.objects.filter(id__lte=upto_id).order_by("id").values_list("id", "hash").iterator(
        chunk_size=5000
    ):
        digest.update(f"{pk}:{event_hash}\n".encode())
        count += 1
    return count, digest.hexdigest()
