"""The dashboard's member figures of a 党委/党总支 without scanning every member, and still exact.

A build (beat: party.tasks.refresh_member_tally, and after a deletion) counts the active members
once, by dimension, into every 党委/党总支 above their branch (``MemberTally``), and keeps what
each member counted as (``MemberTallySnapshot``). A read takes the organization's tally and
corrects it for the members saved since the build's watermark: minus what they counted as then,
plus what they count as now. ``Member.updated_at`` (auto_now) marks every save; the watermark
lies ``MARGIN`` before the build started, so a transaction that saved a member before the build
but committed after it was read is still corrected. Without a usable tally (none built, an
organization created since, a deletion, too many changes) the figures are counted live: slower,
never wrong. tests/party/test_tally.py checks tally = live count after every kind of change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from party.models import (
    ACTIVE_STATUSES,
    SEGMENT,
    Member,
    MemberTally,
    MemberTallyRun,
    MemberTallySnapshot,
    OrgKind,
    PartyOrg,
)

MARGIN = timedelta(minutes=10)
MAX_CHANGED = 2000  # beyond this many changes since the build, counting live is as quick
ROLLUP_KINDS = (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH)
BATCH = 5000


def _keys(status: str, education: str, post: str, birth_year: int | None) -> tuple[tuple[str, str], ...]:
    return (("total", ""), ("status", status), ("education", education or ""), ("post", post or ""),
            ("birth_year", str(birth_year) if birth_year else ""))


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Count every active member into the tallies of the 党委/党总支 above their branch."""
    started = timezone.now()
    rollups = dict(PartyOrg.objects.filter(kind__in=ROLLUP_KINDS).values_list("path", "pk"))
    counts: dict[int, Counter] = defaultdict(Counter)
    snapshot: list[tuple] = []
    rows = Member.objects.filter(status__in=ACTIVE_STATUSES).values_list(
        "pk", "branch__path", "status", "education", "post_category", "birth_date")
    for pk, path, status, education, post, born in rows.iterator(chunk_size=BATCH):
        year = born.year if born else None
        snapshot.append((pk, path, status, education or "", post or "", year))
        keys = _keys(status, education, post, year)
        for i in range(SEGMENT, len(path), SEGMENT):
            org_id = rollups.get(path[:i])
            if org_id is not None:
                counts[org_id].update(keys)
    MemberTally.objects.all().delete()
    MemberTallySnapshot.objects.all().delete()
    MemberTallyRun.objects.all().delete()
    tally = [MemberTally(org_id=org_id, dimension=d, key=k, n=n)
             for org_id in rollups.values() for (d, k), n in (counts[org_id] or Counter({("total", ""): 0})).items()]
    MemberTally.objects.bulk_create(tally, batch_size=BATCH)
    _insert_snapshot(snapshot)
    MemberTallyRun.objects.create(built_at=started, watermark=started - MARGIN, members=len(snapshot))
    return {"orgs": len(rollups), "rows": len(tally), "members": len(snapshot)}


def _insert_snapshot(rows: list[tuple]) -> None:
    """COPY on PostgreSQL, else executemany of tuples (bulk_create of 100,000 rows compiles SQL per
    field and row)."""
    meta = MemberTallySnapshot._meta
    qn = connection.ops.quote_name
    fields = ("member_id", "path", "status", "education", "post_category", "birth_year")
    cols = ", ".join(qn(meta.get_field(f).column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: one stream instead of a statement per row
            with connection.wrap_database_errors, cursor.cursor.copy(
                    f"COPY {qn(meta.db_table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {qn(meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"  # nosec B608
        for i in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[i:i + BATCH])


def forget() -> None:
    """A member was deleted: the snapshot cannot say so, count live until the next build."""
    MemberTallyRun.objects.all().delete()


def member_counts(org: PartyOrg) -> Counter | None:
    """(dimension, key) → active members in ``org``'s subtree, or None: count live."""
    if org.kind not in ROLLUP_KINDS:
        return None
    run = MemberTallyRun.objects.order_by("-built_at").first()
    if run is None:
        return None
    counts = Counter({(d, k): n for d, k, n in MemberTally.objects.filter(org=org).values_list("dimension", "key", "n")})
    if ("total", "") not in counts:
        return None  # organization created after the build
    changed = list(Member.objects.filter(updated_at__gte=run.watermark).values_list("pk", flat=True)[:MAX_CHANGED + 1])
    if len(changed) > MAX_CHANGED:
        return None
    if changed:
        # by primary key only, the subtree tested here (a path range in SQL made SQLite walk every
        # branch of the range probing the changed ids: 0.3 s for 500 changes)
        for status, education, post, born, path in Member.objects.filter(
                pk__in=changed, status__in=ACTIVE_STATUSES).values_list(
                "status", "education", "post_category", "birth_date", "branch__path"):
            if path.startswith(org.path):
                counts.update(_keys(status, education, post, born.year if born else None))
        for status, education, post, year, path in MemberTallySnapshot.objects.filter(
                member_id__in=changed).values_list("status", "education", "post_category", "birth_year", "path"):
            if path.startswith(org.path):
                counts.subtract(_keys(status, education, post, year))
    return counts
