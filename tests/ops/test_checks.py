"""ops_check, the integrity verdict of the load and fault tests, says ok on a whole database and
names what is wrong otherwise: a gap in the numbering, an acknowledged submission missing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from petitions.models import NumberSequence
from tests.petitions.conftest import at, submit

pytestmark = pytest.mark.django_db(transaction=True)  # notifications leave on commit


def _run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("ops_check", "--wait", "0", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


def test_a_whole_database_passes(world, tmp_path):
    p = submit(world, now=at(2025, 9, 15), title="[LT-0123456789abcdef] 工资少发").petition
    acks = tmp_path / "acks.tsv"
    acks.write_text(f"LT-0123456789abcdef\t{p.number}\n")
    code, out = _run("--acks", str(acks))
    assert code == 0, out
    assert "ok   1 acknowledged submissions all stored with their number" in out
    assert "all checks passed" in out


def test_a_gap_and_a_lost_acknowledgement_fail(world, tmp_path):
    submit(world, now=at(2025, 9, 15))
    NumberSequence.objects.filter(year=2025).update(last=2)  # number 2 drawn, its petition gone
    acks = tmp_path / "acks.tsv"
    acks.write_text("LT-ffffffffffffffff\tXF-2025-000002\n")
    code, out = _run("--acks", str(acks))
    assert code == 1
    assert "FAIL numbering 2025" in out and "gaps [2]" in out
    assert "FAIL 1 acknowledged submissions all stored" in out
