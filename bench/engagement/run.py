"""Benchmark of the engagement module's text reads: the library suggestions on a petition page
(``library.similar_cases``: bigram similarity over up to 2,000 approved cases) and the FAQ search
(``qa.faq``: substring terms, and the bigram fallback over up to 500 published questions).

    .venv/bin/python bench/engagement/run.py                       # 2,000 cases, 5,000 questions
    .venv/bin/python bench/engagement/run.py --cases 50 --questions 100 --runs 3   # smoke size

Data: one mine and a sister mine; ``--cases`` closed source petitions (bulk inserted) with an
approved, shared teaching case each, texts drawn from coal-group phrases; ``--questions`` published
questions. The timings call the real functions as the sister mine's officer.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import machine, setup_django, summary

SUBJECTS = ["绩效工资", "夜班津贴", "取暖补贴", "工伤认定", "回迁房", "班车", "宿舍供暖", "内退待遇", "年金账户", "安全奖"]
PROBLEMS = ["少发", "迟迟未发", "计算有误", "标准偏低", "一再推迟", "没有说明", "分配不公", "无人答复"]
WHO = ["综采队", "掘进队", "运输队", "机电科", "通风科", "洗煤厂", "退休职工", "家属区住户"]


def text(rng: random.Random) -> tuple[str, str]:
    s, p, w = rng.choice(SUBJECTS), rng.choice(PROBLEMS), rng.choice(WHO)
    title = f"{w}{s}{p}"
    body = f"{w}职工反映{s}{p}，{rng.choice(PROBLEMS)}的问题已经持续{rng.randint(1, 12)}个月，请求核实处理并给予答复。"
    return title, body


def build(cases: int, questions: int) -> tuple:
    from django.utils import timezone

    from engagement.choices import CaseState, QuestionState
    from engagement.models import CaseShare, LibraryCase, Question
    from orgs.choices import Role, UnitKind
    from orgs.models import RoleAssignment, User
    from orgs.services import unit_create
    from petitions.choices import Category, Channel, State
    from petitions.models import Petition

    rng = random.Random(7)
    now = timezone.now()
    group = unit_create(code="BG", name="基准集团", kind=UnitKind.GROUP, parent=None)
    mine = unit_create(code="BM1", name="基准一矿", kind=UnitKind.MINE, parent=group)
    sister = unit_create(code="BM2", name="基准二矿", kind=UnitKind.MINE, parent=group)
    writer = User.objects.create_user("BW1", "编写人", None, home_unit=mine)
    officer = User.objects.create_user("BX2", "二矿干事", None, home_unit=sister)
    RoleAssignment.objects.create(user=officer, unit=sister, role=Role.PETITION_OFFICER)
    categories = list(Category.values)
    petitions = []
    for i in range(cases):
        title, body = text(rng)
        petitions.append(Petition(number=f"XF-BENCH-{i:06d}", channel=Channel.ONLINE, title=title, content=body,
                                  category=rng.choice(categories), state=State.CLOSED, received_at=now, unit=mine))
    Petition.objects.bulk_create(petitions, batch_size=2000)
    library = [LibraryCase(source=p, unit=mine, category=p.category, title=p.title, summary=p.content,
                           state=CaseState.APPROVED, created_by=writer, created_at=now) for p in petitions]
    LibraryCase.objects.bulk_create(library, batch_size=2000)
    CaseShare.objects.bulk_create([CaseShare(case=c, unit=sister, granted_by=writer, granted_at=now) for c in library],
                                  batch_size=2000)
    qs = []
    for _i in range(questions):
        title, body = text(rng)
        qs.append(Question(unit=mine, asker=writer, category=rng.choice(categories), title=title + "怎么办？",
                           body=body, state=QuestionState.PUBLISHED, answer="按规定核实后答复。",
                           views=rng.randint(0, 500), created_at=now))
    Question.objects.bulk_create(qs, batch_size=2000)
    probe_title, probe_body = text(rng)
    probe = Petition.objects.create(number="XF-BENCH-PROBE", channel=Channel.ONLINE, title=probe_title,
                                    content=probe_body, category=Category.WAGES, received_at=now, unit=sister)
    return probe, officer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    setup_django("bench_engagement.sqlite3")
    from django.db import connection

    from engagement import library, qa
    from engagement.models import LibraryCase
    from petitions.models import Petition

    if LibraryCase.objects.exists() or Petition.objects.filter(number__startswith="XF-BENCH").exists():
        sys.exit("the benchmark database is not empty: remove var/bench_engagement.sqlite3 (or use a fresh DATABASE_URL)")
    started = time.perf_counter()
    probe, officer = build(args.cases, args.questions)
    print(f"generated {args.cases:,} cases, {args.questions:,} questions in {time.perf_counter() - started:.1f} s")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f} (2 cores shared with other work)")
    timings: dict[str, list[float]] = {"similar_cases": [], "faq substring": [], "faq bigram fallback": []}
    found = 0
    for _run in range(args.runs):
        t = time.perf_counter()
        found = len(library.similar_cases(probe, officer, limit=3))
        timings["similar_cases"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        qa.faq(officer, q="夜班津贴")
        timings["faq substring"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        qa.faq(officer, q="津贴夜班的计算")  # no substring match: ranked by bigrams
        timings["faq bigram fallback"].append((time.perf_counter() - t) * 1000)
    print(f"suggestions found: {found}; database: {connection.vendor}")
    for label, samples in timings.items():
        print("RESULT " + summary(label, samples))


if __name__ == "__main__":
    main()
