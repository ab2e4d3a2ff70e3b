"""Benchmark of the party module: the 党委 dashboard, a branch's compliance calendar and one
month's dues for the whole group.

    .venv/bin/python bench/party/run.py                       # 100,000 members, 5,000 branches, 5 years
    .venv/bin/python bench/party/run.py --members 2000 --branches 100 --years 1 --runs 1   # smoke size

Data: one 集团党委, 50 company 党委, the branches spread evenly under them, members spread evenly
over the branches (the shape the services leave: a Member per platform User, one open Membership,
a CommitteeTerm per branch), ``--years`` years of organizational life per branch (35 meetings a
year: 4 党员大会, 12 支委会, 12 主题党日, 4 党课, 组织生活会, 民主评议, 谈心谈话; a random 8 % of the
monthly ones left out so that the calendar has misses), 2 development files per branch. Written
with bulk inserts, not the services, to keep generation in minutes; attendance rows are not
generated (neither measured path reads them). The timings then call the real code: the dashboard
page through Django's test client, ``life.compliance_calendar`` and ``dues.dues_run``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import machine, setup_django, summary

BATCH = 5000


def insert(model, fields: tuple[str, ...], rows) -> int:
    """executemany of plain tuples (bulk_create compiles SQL per field and row: too slow for
    millions of rows on a shared machine). Identifiers from the model's metadata."""
    from django.db import connection

    meta = model._meta
    qn = connection.ops.quote_name
    cols = ", ".join(qn(meta.get_field(f).column) for f in fields)
    sql = f"INSERT INTO {qn(meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"  # nosec B608
    n = 0
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
    return n


def generate(members: int, branches: int, years: int, today: date) -> None:
    from django.db import transaction

    from orgs.choices import UnitKind
    from orgs.models import Unit, User
    from party.models import (
        CommitteeTerm,
        DevFile,
        Education,
        Meeting,
        MeetingKind,
        Member,
        Membership,
        OrgKind,
        PartyOrg,
        PostCategory,
    )

    if Member.objects.count() >= members:
        print(f"data present: {Member.objects.count():,} members")
        return
    rnd = random.Random(11)
    t0 = time.perf_counter()
    with transaction.atomic():
        group = Unit.objects.create(code="BG", name="集团", kind=UnitKind.GROUP, path="0001", depth=0)
        top = PartyOrg.objects.create(code="BDW", name="集团党委", kind=OrgKind.COMMITTEE, path="0001", depth=0)
        top.units.add(group)
        committees = [PartyOrg(code=f"BC{i:03d}", name=f"第{i}公司党委", kind=OrgKind.COMMITTEE, parent=top,
                               path=f"0001{i:04d}", depth=1) for i in range(1, 51)]
        PartyOrg.objects.bulk_create(committees)
        committees = list(PartyOrg.objects.filter(parent=top).order_by("path"))
        per = -(-branches // len(committees))
        rows = []
        for n in range(branches):
            c = committees[n // per]
            rows.append(PartyOrg(code=f"BB{n:05d}", name=f"第{n}党支部", kind=OrgKind.BRANCH, parent=c,
                                 path=f"{c.path}{(n % per) + 1:04d}", depth=2))
        PartyOrg.objects.bulk_create(rows, batch_size=BATCH)
        branch_ids = list(PartyOrg.objects.filter(kind=OrgKind.BRANCH).order_by("path").values_list("pk", flat=True))
        CommitteeTerm.objects.bulk_create([CommitteeTerm(org_id=b, elected_on=date(today.year - 1, 3, 1), term_years=3,
                                                         entitled_voters=20, attending_voters=19)
                                           for b in branch_ids], batch_size=BATCH)
        now = time.time()
        from datetime import datetime

        joined_at = datetime.fromtimestamp(now, tz=UTC)
        insert(User, ("employee_no", "name", "password", "email", "is_active", "is_staff", "is_superuser",
                      "date_joined"), ((f"B{i:07d}", f"党员{i}", "!", "", True, False, False, joined_at)
                                       for i in range(members)))
        user_ids = list(User.objects.filter(employee_no__startswith="B").order_by("pk").values_list("pk", flat=True))
        edu, post = Education.values, PostCategory.values
        ms = []
        for i, uid in enumerate(user_ids):
            joined = date(rnd.randint(1975, today.year - 1), rnd.randint(1, 12), 1)
            ms.append((uid, branch_ids[i % len(branch_ids)], "probationary" if rnd.random() < 0.04 else "full",
                       joined, date(rnd.randint(1950, 2002), rnd.randint(1, 12), 1), rnd.choice(edu),
                       rnd.choice(post), rnd.choice("MF"), "retired" if rnd.random() < 0.2 else "salaried",
                       Decimal(rnd.randint(150000, 1500000)) / 100, "", False, "", "", "", joined_at))
        insert(Member, ("person", "branch", "status", "joined_on", "birth_date", "education", "post_category",
                        "gender", "dues_kind", "dues_base", "job_title", "is_flowing", "away_place", "pioneer_post",
                        "responsibility_area", "updated_at"), ms)
        insert(Membership, ("member", "branch", "start", "reason"),
               ((mid, bid, j, "") for mid, bid, j in Member.objects.values_list("pk", "branch_id", "joined_on")))
        files = [DevFile(person_id=user_ids[rnd.randrange(len(user_ids))], branch_id=b, birth_date=date(1998, 1, 1),
                         current_step=rnd.randint(1, 20), state="active") for b in branch_ids for _ in range(2)]
        DevFile.objects.bulk_create(files, batch_size=BATCH)
        plan = [(MeetingKind.GENERAL, [(q * 3 + 2, 10) for q in range(4)]),
                (MeetingKind.COMMITTEE, [(m, 5) for m in range(1, 13)]),
                (MeetingKind.THEME_DAY, [(m, 1) for m in range(1, 13)]),
                (MeetingKind.LECTURE, [(q * 3 + 1, 20) for q in range(4)]),
                (MeetingKind.REVIEW, [(12, 15)]), (MeetingKind.APPRAISAL, [(12, 20)]),
                (MeetingKind.HEART_TALK, [(11, 5)])]

        def meetings():
            for year in range(today.year - years + 1, today.year + 1):
                for b in branch_ids:
                    for kind, dates in plan:
                        for month, day in dates:
                            on = date(year, month, day)
                            if on > today or (len(dates) == 12 and rnd.random() < 0.08):
                                continue
                            yield (b, kind.value, str(kind.label), on, on, "", "", "", "", "000000", 20, 18, joined_at)

        n_meetings = insert(Meeting, ("org", "kind", "title", "planned_on", "held_on", "place", "agenda", "minutes",
                                      "speakers", "signin_code", "entitled", "present", "created_at"), meetings())
    print(f"generated {members:,} members, {branches:,} branches, {n_meetings:,} meetings "
          f"in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--members", type=int, default=100_000)
    p.add_argument("--branches", type=int, default=5_000)
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--db", default="bench_party.sqlite3")
    a = p.parse_args()
    setup_django(a.db)
    from django.db import connection
    from django.db.models import F
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from orgs.models import User
    from party.dashboard import board
    from party.dues import dues_run
    from party.life import compliance_calendar
    from party.models import DuesAssessment, Member, PartyOrg
    from party.tally import rebuild as rebuild_tally

    today = date(2026, 11, 30)
    generate(a.members, a.branches, a.years, today)
    month = f"{today:%Y-%m}"
    if not DuesAssessment.objects.filter(month=month).exists():
        # the current month's dues, 80 % collected: what the dashboard sums (not timed)
        dues_run(month=month, actor=None)
        ids = list(DuesAssessment.objects.filter(month=month).order_by("pk").values_list("pk", flat=True))
        paid = random.Random(7).sample(ids, len(ids) * 4 // 5)
        for i in range(0, len(paid), BATCH):
            DuesAssessment.objects.filter(pk__in=paid[i:i + BATCH]).update(paid=F("due"), paid_on=today.replace(day=10))
    # members last saved a day ago (not within the tally's watermark margin of the build below)
    Member.objects.filter(updated_at__gt=timezone.now() - timedelta(hours=1)).update(
        updated_at=timezone.now() - timedelta(days=1))
    with connection.cursor() as c:  # planner statistics and visibility map, as autovacuum leaves them
        c.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    t = time.perf_counter()
    built = rebuild_tally()
    tally_ms = (time.perf_counter() - t) * 1000
    print(f"member tally built in {tally_ms:.0f} ms: {built}")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    top = PartyOrg.objects.get(parent__isnull=True, code="BDW")
    admin = User.objects.filter(employee_no="BADMIN").first() or User.objects.create_superuser("BADMIN", "基准", None)
    client = Client()
    client.force_login(admin)
    results = {}

    page_runs = max(a.runs * 4, 20)  # enough samples for a p95
    assert board(top, today) == board(top, today, live=True)  # the tally gives the live counts
    samples = []
    for _ in range(a.runs + 1):
        t = time.perf_counter()
        board(top, today)
        samples.append((time.perf_counter() - t) * 1000)
    results["dashboard figures (board)"] = samples[1:]
    samples = []
    for _ in range(a.runs + 1):  # A/B in the same run: the members counted by a grouped scan instead
        t = time.perf_counter()
        board(top, today, live=True)
        samples.append((time.perf_counter() - t) * 1000)
    results["dashboard figures, members counted live (previous path)"] = samples[1:]

    def page(target, label):
        samples = []
        for _ in range(page_runs + 1):
            t = time.perf_counter()
            r = client.get(reverse("party:dashboard") + f"?org={target.pk}")
            samples.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.status_code
        results[label] = samples[1:]

    page(top, "dashboard page (GET, 党委 of the whole group)")
    company = PartyOrg.objects.filter(parent=top).order_by("path")[len(PartyOrg.objects.filter(parent=top)) // 2]
    page(company, "dashboard page (GET, a company 党委)")
    # members saved since the tally was built are re-counted live: 500 of them (a busy ten minutes)
    for m in Member.objects.order_by("?")[:500]:
        m.save(update_fields=["updated_at"])
    assert board(top, today) == board(top, today, live=True)
    page(top, "dashboard page (GET, whole group, 500 members changed since the tally)")
    branches = list(PartyOrg.objects.filter(kind="branch").order_by("?")[: max(a.runs, 5) * 4])
    samples = []
    for b in branches:
        t = time.perf_counter()
        compliance_calendar(b, today.year, today)
        samples.append((time.perf_counter() - t) * 1000)
    results["branch compliance calendar (one year)"] = samples
    samples = []
    for i in range(max(1, min(a.runs, 3))):
        month = f"{today.year + 1}-{i + 1:02d}"
        DuesAssessment.objects.filter(month=month).delete()
        t = time.perf_counter()
        s = dues_run(month=month, actor=None)
        samples.append((time.perf_counter() - t) * 1000)
        assert s["created"] > 0
    results["dues of one month for the whole group (compute + store)"] = samples
    for label, ms in results.items():
        print("RESULT " + summary(label, ms))
    print(f"RESULT member tally build: {tally_ms:.0f} ms")
    print(f"RESULT members={a.members} branches={a.branches} years={a.years} "
          f"dashboard_median_ms={statistics.median(results['dashboard page (GET, 党委 of the whole group)']):.1f}")


if __name__ == "__main__":
    main()
