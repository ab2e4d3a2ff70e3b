"""Fixtures of the KPI tests: the petition personas (``world``) and a month of petition work
built through the real workflow with explicit times, whose KPIs are computed by hand in
``March`` below (and in docs/kpi.md's worked example)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from petitions.choices import DeclineReason, Flag, Rating, ReplyOutcome, ReviewOutcome
from petitions.models import Petition
from petitions.workflow import (
    petition_accept,
    petition_assign,
    petition_decide_review,
    petition_decline,
    petition_extend,
    petition_forward,
    petition_merge,
    petition_rate,
    petition_reply,
    petition_request_review,
    petition_withdraw,
)
from tests.petitions.conftest import A, World, at, submit, world  # noqa: F401

# "Now" of the March scenario: the KPIs of March 2026 are read on its last day at noon.
NOW = at(2026, 3, 31, 12)


# Distinct matters (triage flags a petitioner's second petition of the same text as a repeat:
# these fixtures set the repeat flag explicitly where they mean one).
MATTERS = [
    ("综采一队十月绩效工资少发", "我是综采一队职工，十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。"),
    ("职工宿舍冬季暖气不热", "单身职工宿舍三号楼入冬以来暖气一直不热，夜间室温不到十度，请求尽快检修供暖管道。"),
    ("井下作业防尘口罩发放不足", "掘进二队本季度防尘口罩每人只发了两个，井下粉尘大，请求按规定足额发放劳动防护用品。"),
    ("通勤班车时间调整后无法按时交接班", "矿区通勤班车发车时间提前了二十分钟，夜班职工下井交接班赶不上车，请求恢复原来的时刻。"),
    ("工伤认定材料提交后迟迟没有结果", "我去年八月在井下受伤，工伤认定材料交到劳资科已经三个月，一直没有答复，请求加快办理。"),
    ("子女入托名额分配不公开", "矿幼儿园今年的入托名额分配没有公示，很多双职工家庭排不上，请求公开分配办法和名单。"),
    ("食堂饭菜价格上涨质量下降", "职工食堂本月饭菜价格普遍上涨一元，分量却减少，请求核查食堂承包经营情况。"),
    ("采煤沉陷区房屋裂缝补偿", "我家位于采煤沉陷区，房屋墙体出现多处裂缝，至今没有鉴定和补偿，请求派人查看处理。"),
    ("退休人员取暖费未发放", "我于今年五月退休，按规定应发放的取暖补贴至今未到账，请求核实发放。"),
    ("劳务派遣工同工不同酬", "我们劳务派遣工与正式工干同样的活，班中餐补助却只有一半，请求落实同工同酬。"),
    ("矿区道路积水影响出行", "工人村通往矿区的道路低洼处长期积水，雨天无法通行，请求修缮排水设施。"),
    ("培训考试成绩查询不到", "我参加了十一月的安全培训考试，至今查询不到成绩，影响上岗证换发，请求帮助查询。"),
]
_matter = [0]


@pytest.fixture(autouse=True)
def _matters_from_the_first():
    _matter[0] = 0  # the same texts in the same order in every test, whatever ran before


def received(w: World, when: datetime, **kw) -> Petition:
    if "title" not in kw and "content" not in kw:
        kw["title"], kw["content"] = MATTERS[_matter[0] % len(MATTERS)]
        _matter[0] += 1
    return submit(w, now=when, **kw).petition


def accept(w: World, p: Petition, when: datetime, officer=None) -> Petition:
    return petition_accept(petition=p, actor=A(officer or w.officer), now=when)


def assign(w: World, p: Petition, when: datetime) -> Petition:
    return petition_assign(petition=p, actor=A(w.officer), handling_unit=w.team, handler=w.handler,
                           leader=w.leader, now=when)


def handling(w: World, received_on: datetime, accepted_on: datetime) -> Petition:
    """Received, accepted and assigned to the team's handler."""
    return assign(w, accept(w, received(w, received_on), accepted_on), accepted_on)


def reply(w: World, p: Petition, when: datetime) -> Petition:
    return petition_reply(petition=p, actor=A(w.handler), outcome=ReplyOutcome.SUPPORT,
                          text="经核查，情况属实，已按规定补发并书面说明。", now=when)


def rate(w: World, p: Petition, when: datetime, rating: str) -> Petition:
    return petition_rate(petition=p, actor=A(w.employee), rating=rating, now=when)


@dataclass
class March:
    """The scenario. Acceptance (15 days from receipt, 第二十三条) and handling (60 days from
    acceptance, 第三十四条) last days, computed with the 2026 holiday calendar:

    acceptance, due in March — all at 塔山矿 (TS) unless said otherwise
      a1  received 03-02, last day 03-17, accepted 03-17 (the last allowed day)   on time
      a2  received 03-03, last day 03-18, accepted 03-19 (one day late)  [repeat]  late
      a4  received 03-02 at TS, forwarded 03-10 to 同忻矿 (TX): TS's forward was due 03-17 → on
          time; TX's own period restarts: last day 03-25, accepted 03-24     on time (at TX)
      a5  received 03-04, withdrawn 03-06: no decision owed                  —
      a6  received 03-05, last day 03-20, still undecided [collective]        late
      a8  received 03-06, day 15 is Saturday 03-21 → last day Monday 03-23, declined 03-23   on time
      a9  received 03-09, merged into a1 on 03-11: a repeat, no decision owed  —
      TS: decisions 4 (a1 a2 a6 a8) + forwards 1 (a4) = 5 due, 3 on time → 60 %;  TX 1/1

    handling, due in March — handled by the team (综采一队, under TS)
      h1  accepted 01-05, last day 03-06, replied 03-06; rated 满意                on time
      h2  accepted 01-06, day 60 is Saturday 03-07 → last day 03-09, replied 03-09; rated
          不满意, then 复查 requested 03-15 and upheld 03-25                           on time
      h3  accepted 01-07, last day 03-09, extended 03-01 by 30 days → last day 04-08,
          replied 03-20: after the original, before the extended deadline → due in April, on time
      h4  accepted 01-05, last day 03-06, withdrawn 02-15: no reply owed            —
      h5  accepted 01-08, last day 03-09, not replied by 03-31                     late
      March: 3 due (h1 h2 h5), 2 on time → 66.7 %;  April: h3 1/1
      replies in March: h1 h2 h3 = 3; rated 2 (h1 h2) → 参评率 66.7 %; 满意 1 → 满意率 50 %;
      复查 1 of 3 → 复查率 33.3 %, upheld 1 of 1
      days from acceptance to reply: 60 + 62 + 72 → 64.67 on average
    """

    a1: Petition
    a2: Petition
    a4: Petition
    a5: Petition
    a6: Petition
    a8: Petition
    a9: Petition
    h1: Petition
    h2: Petition
    h3: Petition
    h4: Petition
    h5: Petition


@pytest.fixture
def march(world) -> March:  # noqa: F811
    w = world
    h1 = handling(w, at(2026, 1, 2), at(2026, 1, 5))
    h2 = handling(w, at(2026, 1, 2), at(2026, 1, 6))
    h3 = handling(w, at(2026, 1, 2), at(2026, 1, 7))
    h4 = handling(w, at(2026, 1, 2), at(2026, 1, 5))
    h5 = handling(w, at(2026, 1, 2), at(2026, 1, 8))
    petition_withdraw(petition=h4, actor=A(w.employee), reason="问题已自行解决", now=at(2026, 2, 15))
    petition_extend(petition=h3, actor=A(w.leader), days=30, reason="涉及多个部门，需进一步核查", now=at(2026, 3, 1))
    h1 = rate(w, reply(w, h1, at(2026, 3, 6)), at(2026, 3, 10), Rating.SATISFIED)
    h2 = rate(w, reply(w, h2, at(2026, 3, 9)), at(2026, 3, 12), Rating.UNSATISFIED)
    h3 = reply(w, h3, at(2026, 3, 20))
    petition_request_review(petition=h2, actor=A(w.employee), text="处理结果不合理，请求复查", now=at(2026, 3, 15))
    petition_decide_review(petition=h2, actor=A(w.company_officer), outcome=ReviewOutcome.UPHOLD,
                           opinion="经复查，原处理意见事实清楚、依据充分，予以维持。", now=at(2026, 3, 25))

    a1 = received(w, at(2026, 3, 2))
    a2 = received(w, at(2026, 3, 3), flags=[Flag.REPEAT])
    a4 = received(w, at(2026, 3, 2))
    a5 = received(w, at(2026, 3, 4))
    a6 = received(w, at(2026, 3, 5), flags=[Flag.COLLECTIVE])
    a8 = received(w, at(2026, 3, 6))
    a9 = received(w, at(2026, 3, 9))
    petition_withdraw(petition=a5, actor=A(w.employee), now=at(2026, 3, 6))
    petition_forward(petition=a4, actor=A(w.officer), to_unit=w.other_mine, note="属同忻矿职责", now=at(2026, 3, 10))
    petition_merge(petition=a9, actor=A(w.officer), into=a1, note="同一事项", now=at(2026, 3, 11))
    a1 = accept(w, a1, at(2026, 3, 17))
    a2 = accept(w, a2, at(2026, 3, 19))
    a4 = accept(w, a4, at(2026, 3, 24), officer=w.other_officer)
    a8 = petition_decline(petition=a8, actor=A(w.officer), reason=DeclineReason.OUTSIDE_REMIT,
                          note="不属于本单位职责范围，已告知向劳动仲裁机构申请", now=at(2026, 3, 23))
    return March(a1=a1, a2=a2, a4=a4, a5=a5, a6=a6, a8=a8, a9=a9, h1=h1, h2=h2, h3=h3, h4=h4, h5=h5)
