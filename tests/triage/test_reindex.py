"""Re-indexing (manage.py triage_reindex) rebuilds exactly the index that registration wrote
incrementally: the same documents, band keys and search results, with its indexes back; and the
index's stored grams judge the same matter exactly as the texts do."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.petitions.conftest import at, submit
from tongxin.lib.zhtext.matter import profile, same_matter
from tongxin.lib.zhtext.normalize import normalize
from triage import index, services
from triage.management.commands.triage_reindex import Command
from triage.models import LshBand, TriageDoc

pytestmark = pytest.mark.django_db

TEXTS = [
    ("尘肺病工伤认定", "我在井下干了二十年，查出尘肺病二期，申请工伤认定一直办不下来。"),
    ("食堂", "职工食堂的饭菜又贵又难吃，价格一年涨了两次。"),
    ("3月工资", "综采二队3月份的工资到现在还没发，800元的夜班补贴也没有。"),
    ("塌陷补偿", "采空区塌陷把我家房子震裂了，补偿款一直没到位。"),
    ("尘肺复查", "尘肺病复查的费用谁来出？工伤认定还要等多久？"),
]


def _snapshot():
    docs = {d.petition_id: (d.person_key, d.unit_id, d.received_at, d.text_hash, bytes(d.signature), d.profile, d.grams)
            for d in TriageDoc.objects.all()}
    bands = sorted(LshBand.objects.values_list("petition_id", "key"))
    return docs, bands


def _index_names() -> set[str]:
    with connection.cursor() as cur:
        return {name for name, info in connection.introspection.get_constraints(cur, "triage_lshband").items()
                if info["index"]} | {name for name, info in connection.introspection.get_constraints(
                    cur, "triage_triagedoc").items() if info["index"]}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_rebuild_writes_what_registration_wrote(world, workers):
    for k, (title, content) in enumerate(TEXTS):
        submit(world, now=at(2026, 3, 2 + k), title=title, content=content)
    before = _snapshot()
    names = _index_names()
    found = {term: list(services.search(world.officer, term)) for term in ("尘肺", "尘肺病", "工伤认定", "塌陷补偿")}
    assert len(before[0]) == len(TEXTS) and len(before[1]) == 16 * len(TEXTS)
    assert found["尘肺"] and found["塌陷补偿"]

    out = io.StringIO()
    call_command("triage_reindex", workers=workers, batch=2, stdout=out)

    assert f"RESULT reindex {len(TEXTS)} petitions" in out.getvalue()
    assert _snapshot() == before
    assert _index_names() >= names and {"triage_band_key_idx", "triage_band_petition_idx"} <= _index_names()
    for term, rows in found.items():
        assert list(services.search(world.officer, term)) == rows, term
    # Incremental updates go on from the rebuilt index: a reworded repeat still finds its original.
    p = submit(world, now=at(2026, 3, 20), title=TEXTS[0][0], content="尘肺病二期的工伤认定还是办不下来，我在井下干了二十年。").petition
    assert p.triage.repeat_of is not None


def test_a_failed_rebuild_leaves_its_indexes_in_place(world, monkeypatch):
    for k, (title, content) in enumerate(TEXTS):
        submit(world, now=at(2026, 3, 2 + k), title=title, content=content)
    write = Command._write
    calls = []

    def fail_on_the_second_chunk(chunk):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        write(chunk)

    monkeypatch.setattr(Command, "_write", staticmethod(fail_on_the_second_chunk))
    with pytest.raises(RuntimeError):
        call_command("triage_reindex", workers=1, batch=2, stdout=io.StringIO())
    assert {"triage_band_key_idx", "triage_band_petition_idx"} <= _index_names()
    # The first chunk was written and the failed one left nothing; running it again completes it.
    assert TriageDoc.objects.count() == 2 and LshBand.objects.count() == 32
    monkeypatch.setattr(Command, "_write", staticmethod(write))
    call_command("triage_reindex", workers=1, stdout=io.StringIO())
    assert TriageDoc.objects.count() == len(TEXTS)


_CHARS = "尘肺病工伤认定采空区塌陷补偿综采二队月份工资元夜班补贴3号井5月800块食堂饭菜贵矿长书记，。！ 　ＡＢ１２"


@settings(max_examples=300, deadline=None)
@given(a=st.text(alphabet=_CHARS, max_size=60), b=st.text(alphabet=_CHARS, max_size=60),
       ta=st.text(alphabet=_CHARS, max_size=8), tb=st.text(alphabet=_CHARS, max_size=8))
def test_stored_grams_judge_the_same_matter_as_the_texts(a, b, ta, tb):
    """The repeat and group look-ups read a stored petition's bigrams from its search grams
    instead of its text: the verdict and the score are exactly those of the texts."""
    da, db_ = index.doc_data(ta, a), index.doc_data(tb, b)
    by_text = same_matter(profile(normalize(f"{ta}。{a}")), profile(normalize(f"{tb}。{b}")))
    by_index = same_matter(index.own_profile(da), index.stored_profile(db_.profile.as_data(), db_.grams))
    assert by_index == by_text
