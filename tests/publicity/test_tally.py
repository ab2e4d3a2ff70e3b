"""The dashboard's monthly tallies stay true: after any sequence of the services that change what
they count (publication, embargoed publication, withdrawal, placements, lectures, attendance taken
from sign-ins), every figure read from the tallies equals the live aggregate over the records,
for every viewer scope and drill-down; a rebuild gives the same; the board reads few queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publicity import dashboard, newsroom, tally
from publicity.choices import Decision, OutletLevel
from publicity.lectures import lecture_attendance_from_sign_ins, lecture_record, lecture_sign_in
from publicity.models import Piece, Tally
from publicity.placements import Byline, outlet_create, placement_record
from tongxin.lib.periods import SHANGHAI

pytestmark = pytest.mark.django_db

NOW = timezone.now()
YEAR = timezone.localtime(NOW).year


def publish(nr, unit, at: datetime, embargo: datetime | None = None) -> Piece:
    draft = newsroom.PieceDraft(title="月度汇总测试稿件", body="用于核对看板汇总与实时统计一致。", unit=unit,
                                embargo_until=embargo)
    piece = newsroom.piece_create(author=nr.correspondent, draft=draft, submit=True, now=at)
    for who in (nr.editor, nr.head, nr.leader):
        piece = newsroom.piece_review(piece=piece, acting_user=who, decision=Decision.PASS, proofread=True, now=at)
    return piece


def assert_true(nr, viewers) -> None:
    for who in viewers:
        for unit in (None, nr.team, nr.other_mine):
            for year in (YEAR - 1, YEAR):
                ids = dashboard.scope_ids(who, unit)
                assert dashboard.figures(ids, year, NOW) == dashboard.live_figures(ids, year, NOW), (who, unit, year)


step = st.one_of(
    st.tuples(st.just("publish"), st.integers(0, 400), st.booleans()),
    st.tuples(st.just("embargoed"), st.integers(1, 30), st.booleans()),
    st.tuples(st.just("withdraw"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("placement"), st.integers(0, 700), st.booleans()),
    st.tuples(st.just("lecture"), st.integers(0, 700), st.booleans()),
    st.tuples(st.just("signins"), st.integers(0, 50), st.booleans()),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_tallies_equal_the_live_aggregates_after_any_sequence(nr, system_admin, steps):
    outlet = outlet_create(name="晋能控股日报", level=OutletLevel.GROUP, acting_user=nr.company_officer)
    for kind, n, flag in steps:
        unit = nr.team if flag else nr.other_mine
        if kind == "publish":  # the correspondent writes for the team (the others' scopes differ)
            publish(nr, nr.team, NOW - timedelta(days=n))
        elif kind == "embargoed":  # published now, due in n days: not counted before
            publish(nr, nr.team, NOW, embargo=NOW + timedelta(days=n))
        elif kind == "withdraw":
            pieces = list(Piece.objects.filter(state="published").order_by("pk"))
            if pieces:
                newsroom.piece_withdraw(piece=pieces[n % len(pieces)], acting_user=nr.company_officer, reason="核对")
        elif kind == "placement":
            placement_record(acting_user=nr.company_officer, outlet=outlet, kind="news",
                             published_on=date(YEAR - 1, 1, 1) + timedelta(days=n), title="稿", unit=unit,
                             authors=[Byline(unit=unit, name="某")], link="https://e.org")
        elif kind == "lecture":
            lecture_record(acting_user=nr.company_officer, topic="宣讲", lecturer=nr.editor, unit=nr.mine,
                           held_at=datetime(YEAR - 1, 1, 1, 23, 30, tzinfo=SHANGHAI) + timedelta(days=n),
                           audience=[(unit, n % 90), (nr.mine, 7)])
        else:  # attendance re-taken from the sign-ins (the audience rows are replaced)
            lec = lecture_record(acting_user=nr.company_officer, topic="签到宣讲", lecturer=nr.editor, unit=nr.mine,
                                 held_at=NOW - timedelta(minutes=30), audience=[(unit, 40 + n)])
            lecture_sign_in(lecture=lec, user=nr.correspondent)
            lecture_attendance_from_sign_ins(lecture=lec, acting_user=nr.company_officer)
    assert_true(nr, [nr.company_officer, nr.officer, system_admin])
    before = set(Tally.objects.exclude(n=0, total=0).values_list("metric", "unit_id", "month", "level", "n", "total"))
    tally.rebuild()
    after = set(Tally.objects.exclude(n=0, total=0).values_list("metric", "unit_id", "month", "level", "n", "total"))
    assert before == after


def test_month_edges_in_shanghai_and_the_check_command(nr, system_admin):
    # 23:30 on 31 January in Shanghai is still January (15:30 UTC).
    jan_end = datetime(YEAR - 1, 1, 31, 23, 30, tzinfo=SHANGHAI)
    publish(nr, nr.team, jan_end)
    lecture_record(acting_user=nr.company_officer, topic="月末宣讲", lecturer=nr.editor, unit=nr.mine, held_at=jan_end,
                   audience=[(nr.team, 12)])
    fig = dashboard.figures(None, YEAR - 1, NOW)
    assert fig.pieces[0] == 1 and fig.pieces[1] == 0 and fig.reach[0] == 12
    call_command("publicity_tally", "--check", str(YEAR - 1), stdout=open("/dev/null", "w"))  # noqa: SIM115
    Tally.objects.update(n=0)
    with pytest.raises(Exception, match="differ"):
        call_command("publicity_tally", "--check", str(YEAR - 1), stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("publicity_tally", "--rebuild", "--check", str(YEAR - 1), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert dashboard.figures(None, YEAR - 1, NOW).pieces[0] == 1


def test_board_query_count_does_not_grow_with_records(nr, django_assert_max_num_queries):
    outlet = outlet_create(name="晋能控股日报", level=OutletLevel.GROUP, acting_user=nr.company_officer)
    for i in range(30):
        placement_record(acting_user=nr.company_officer, outlet=outlet, kind="news", published_on=date(YEAR - 1, 1 + i % 12, 9),
                         title="稿", unit=nr.team, authors=[Byline(unit=nr.team, name="某")], link="https://e.org")
    with django_assert_max_num_queries(12):
        board = dashboard.build(nr.company_officer, YEAR - 1)
    assert board.totals["placements"] == 30
