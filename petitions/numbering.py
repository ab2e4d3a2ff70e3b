"""信访编号 XF-YYYY-NNNNNN: gapless per year, drawn as the intake's last write.

The year's ``NumberSequence`` row is incremented in place, inside the intake's transaction: a
rolled-back intake rolls its number back too, so the numbers stay gapless (``ops_check`` reads a
gap as a lost petition). The price is that every intake of the year queues on that row from
the draw until its commit. So the intake writes everything else first with a provisional
number (unique, never committed) and draws the real one last (``assign_number``): the row is
then held for one statement and the commit instead of the whole intake.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F

from petitions.models import NumberSequence, Petition
from tongxin.lib.periods import local_date

PROVISIONAL_PREFIX = "XF-TMP-"
PROVISIONAL_RE = re.compile(r"XF-TMP-[0-9a-f]{12}")


def provisional_number() -> str:
    """A placeholder for the intake's own transaction (19 characters, unique by chance 2⁻⁴⁸).
    Readers never see it: ``assign_number`` replaces it before the commit."""
    return PROVISIONAL_PREFIX + secrets.token_hex(6)


def is_provisional(number: str) -> bool:
    return number.startswith(PROVISIONAL_PREFIX)


def format_number(year: int, last: int) -> str:
    return f"XF-{year}-{last:06d}"


def _require_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must run inside the intake transaction")


def ensure_year(at: datetime) -> int:
    """Create the year's sequence row if needed, before the intake's writes (only the year's
    first intake inserts it; the others read it)."""
    year = local_date(at).year
    NumberSequence.objects.get_or_create(year=year, defaults={"last": 0})
    return year


def next_petition_number(at: datetime) -> str:
    """Draw the next number of the year (the row stays locked until the caller commits)."""
    _require_transaction("next_petition_number")
    year = ensure_year(at)
    NumberSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = NumberSequence.objects.values_list("last", flat=True).get(year=year)
    return format_number(year, last)


# One round trip on PostgreSQL: increment the year's row and write the number on the petition.
_PG_ASSIGN = """
WITH n AS (UPDATE {seq} SET {last} = {last} + 1 WHERE {year} = %s RETURNING {last} AS v)
UPDATE {pet} SET {number} = %s || lpad(n.v::text, greatest(6, length(n.v::text)), '0')
FROM n WHERE {pet}.{pk} = %s AND {pet}.{number} = %s
RETURNING {pet}.{number}
"""


def assign_number(petition: Petition, at: datetime) -> str:
    """Replace the petition's provisional number by the year's next one. Call it as the last
    write before the commit: from here to the commit every other intake of the year waits."""
    _require_transaction("assign_number")
    if not is_provisional(petition.number):
        raise RuntimeError(f"petition {petition.pk} has its number already: {petition.number}")
    year = local_date(at).year
    if connection.vendor == "postgresql":
        q = connection.ops.quote_name
        sql = _PG_ASSIGN.format(
            seq=q(NumberSequence._meta.db_table), last=q("last"), year=q("year"),
            pet=q(Petition._meta.db_table), number=q("number"), pk=q(Petition._meta.pk.column),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [year, f"XF-{year}-", petition.pk, petition.number])
            row = cursor.fetchone()
        if row is None:  # the year's row was missing (ensure_year not called) or the petition changed
            ensure_year(at)
            with connection.cursor() as cursor:
                cursor.execute(sql, [year, f"XF-{year}-", petition.pk, petition.number])
                row = cursor.fetchone()
        if row is None:
            raise RuntimeError(f"petition {petition.pk} could not be numbered")
        number = row[0]
    else:
        number = next_petition_number(at)
        if not Petition.objects.filter(pk=petition.pk, number=petition.number).update(number=number):
            raise RuntimeError(f"petition {petition.pk} could not be numbered")
    petition.number = number
    return number


def with_number(text: str, petition: Petition | None) -> str:
    """A message written during the intake names the provisional number; once committed the
    petition has its real one, which the delivery puts in its place."""
    if petition is None or is_provisional(petition.number) or "XF-TMP-" not in text:
        return text
    return PROVISIONAL_RE.sub(petition.number, text)
