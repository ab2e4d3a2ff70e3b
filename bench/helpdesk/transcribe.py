"""tongxin's generated data in django-helpdesk's shape: the same volume, read from tongxin's
database with plain SQL (standard library + psycopg; no Django, no tongxin import), so the
comparison runs both systems on the same rows.

* unit → queue (same id, title = unit name, slug = unit code): ~400 queues;
* person → auth user (same id; staff = holds a role other than 职工);
* petition → ticket (same id): queue = the accepting unit, assigned to the 承办人, created =
  received, modified = last change, status from the state (below), priority from the risk level,
  due date = the current period's deadline, resolution = the reply, merged_to = merged_into;
* event → follow-up (same id): date, the actor, the note as comment, public flag, new_status when
  the event changed the state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from urllib.parse import urlparse

# helpdesk: 1 open, 2 reopened, 3 resolved, 4 closed, 5 duplicate.
STATUS = {
    "registered": 1, "accepted": 1, "handling": 1,
    "reviewing": 2, "rereviewing": 2,  # a decision contested again
    "replied": 3, "reviewed": 3,  # answered, the petitioner's window open
    "closed": 4, "final": 4, "not_accepted": 4, "withdrawn": 4,
    "merged": 5,
}
PRIORITY = {"high": 1, "medium": 2, "low": 3}
KIND_TITLES = {
    "registered": "登记", "accepted": "受理", "declined": "不予受理", "forwarded": "转送", "assigned": "交办",
    "reassigned": "重新交办", "transferred": "移交", "extended": "延期", "replied": "答复", "rated": "评价",
    "review_requested": "申请复查", "review_decided": "复查决定", "rereview_requested": "申请复核",
    "rereview_decided": "复核决定", "withdrawn": "撤回", "merged": "合并", "closed": "办结",
}


def connect(url: str):
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return sqlite3.connect(parsed.path)
    import psycopg

    return psycopg.connect(url)


def is_sqlite(conn) -> bool:
    return isinstance(conn, sqlite3.Connection)


def stream(conn, sql: str, size: int = 20_000) -> Iterator[tuple]:
    """Rows of ``sql`` without holding them all: fetchmany on SQLite, a server-side cursor on PostgreSQL."""
    if is_sqlite(conn):
        cursor = conn.execute(sql)
        while batch := cursor.fetchmany(size):
            yield from batch
        return
    with conn.cursor(name=f"hd_{abs(hash(sql))}") as cursor:
        cursor.itersize = size
        cursor.execute(sql)
        yield from cursor


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def users(conn) -> Iterator[dict]:
    sql = (
        "SELECT u.id, u.employee_no, u.name, u.date_joined, u.is_active, "
        "EXISTS (SELECT 1 FROM orgs_roleassignment r WHERE r.user_id = u.id AND r.role <> 'employee') "
        "FROM orgs_user u ORDER BY u.id"
    )
    for pk, employee_no, name, joined, active, staff in stream(conn, sql):
        yield {
            "id": pk, "password": "!", "last_login": None, "is_superuser": False, "username": employee_no,
            "first_name": name[:150], "last_name": "", "email": f"{employee_no.lower()}@rg.example.com",
            "is_staff": bool(staff), "is_active": bool(active), "date_joined": joined,
        }


def queues(conn) -> Iterator[dict]:
    """Only what identifies a queue; every other column takes the model's default (bench/bulk.py)."""
    for pk, code, name in stream(conn, "SELECT id, code, name FROM orgs_unit ORDER BY path"):
        slug = code.lower()[:50]
        yield {"id": pk, "title": name[:100], "slug": slug, "permission_name": f"helpdesk.queue_access_{slug}"[:72]}


def tickets(conn) -> Iterator[dict]:
    sql = (
        "SELECT p.id, p.title, p.unit_id, p.received_at, p.updated_at, u.employee_no, p.handler_id, p.state, "
        "p.content, p.reply_text, p.risk_level, p.due_at, p.public_id, p.merged_into_id "
        "FROM petitions_petition p LEFT JOIN orgs_user u ON u.id = p.petitioner_id ORDER BY p.id"
    )
    for (pk, title, unit, received, updated, employee_no, handler, state, content, reply, risk, due, public_id,
         merged) in stream(conn, sql):
        yield {
            "id": pk, "title": title[:200], "queue_id": unit, "created": received, "modified": updated,
            "submitter_email": f"{employee_no.lower()}@rg.example.com" if employee_no else None,
            "assigned_to_id": handler, "status": STATUS[state], "on_hold": False, "description": content,
            "resolution": reply or None, "priority": PRIORITY.get(risk, 3), "due_date": due,
            "last_escalation": None, "secret_key": str(public_id)[:36], "kbitem_id": None,
            "merged_to_id": merged,
        }


def followups(conn) -> Iterator[dict]:
    sql = (
        "SELECT id, petition_id, at, kind, note, public, actor_id, from_state, to_state "
        "FROM petitions_petitionevent ORDER BY id"
    )
    for pk, petition, at, kind, note, public, actor, from_state, to_state in stream(conn, sql, 50_000):
        changed = to_state and to_state != from_state and to_state in STATUS
        yield {
            "id": pk, "ticket_id": petition, "date": at, "title": KIND_TITLES.get(kind, kind), "comment": note,
            "public": bool(public), "user_id": actor, "new_status": STATUS[to_state] if changed else None,
            "message_id": None, "time_spent": None, "email_recipients": None,
        }


def open_units(conn) -> list[tuple[int, int]]:
    """(unit id, open petitions) of the mines and plants, busiest first (the unit timed as "one unit")."""
    sql = (
        "SELECT p.unit_id, COUNT(*) FROM petitions_petition p JOIN orgs_unit u ON u.id = p.unit_id "
        "WHERE u.kind IN ('mine', 'plant') AND p.state IN ('registered', 'accepted', 'handling') "
        "GROUP BY p.unit_id ORDER BY COUNT(*) DESC"
    )
    return [tuple(r) for r in stream(conn, sql)]
