"""Triage benchmarks: one petition's triage, the repeat check, search, and re-indexing, at N
stored petitions.

    python bench/triage/bench.py --rows 1000000 --db triage-1m.sqlite3 [--skip-generate] [--skip-reindex]

Steps: generate N realistic petitions (bench/generate_realistic.py) unless --skip-generate;
give every petition a varied text from the triage seed corpus (every matter, fact and register,
consistent with its category; 1 in 20 petitioners raise their matter again in other words);
rebuild the index with ``triage_reindex`` (timed) unless --skip-reindex; then time:

* triage of one petition: ``analyse_text`` (suggestion + screening) and the whole
  ``triage_petition`` (index write, repeat and same-matter look-ups, rolled back);
* the repeat check (``_find_repeat`` + the LSH same-matter look-up) for random stored petitions;
* search for 2-, 3-, 4- and 5-character terms through ``visible_to`` as three kinds of desk
  user — a group-level 信访干事, a mine's 信访干事 and a team's 单位负责人 (created when the
  generated group has none; the team is then given one matter in 500 to handle) — first page
  (26 rows) newest first.

With ``DATABASE_URL=postgres://…`` it runs against PostgreSQL (``--db`` is then ignored).

Prints medians and p95s with the machine and the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

TERMS = {2: ["瓦斯", "工资", "塌陷", "暖气", "矿长"], 3: ["采空区", "公积金", "尘肺病", "通勤车", "绩效工"],
         4: ["工伤认定", "养老保险", "劳动合同", "安置房的", "顶板破碎"], 5: ["职业健康体", "住房公积金", "液压支架漏"]}


def fill_texts(seed: int = 1) -> int:
    """Varied texts for every petition, consistent with its category."""
    from django.db import connection, transaction

    from triage.corpus.cores import CORES
    from triage.corpus.seed import REGISTERS, _facts

    rnd = random.Random(seed)
    registers = [t for ts in REGISTERS.values() for t in ts]
    with connection.cursor() as cur:
        cur.execute("SELECT id, category, petitioner_id FROM petitions_petition ORDER BY id")
        rows = cur.fetchall()
    updates, previous = [], {}
    for pid, category, petitioner in rows:
        cores = CORES.get(category) or CORES["other"]
        if petitioner and petitioner in previous and rnd.random() < 0.05:
            i, facts = previous[petitioner]  # the same matter again, in other words
        else:
            i, facts = rnd.randrange(len(cores)), _facts(rnd)
        core = cores[i][1].format(**facts)
        text = rnd.choice(registers).format(core=core, **facts)
        title = core.split("，")[0][:40]
        updates.append((title, text, pid))
        if petitioner:
            previous[petitioner] = (i, facts)
    with transaction.atomic(), connection.cursor() as cur:
        for k in range(0, len(updates), 20000):
            cur.executemany("UPDATE petitions_petition SET title = %s, content = %s WHERE id = %s", updates[k : k + 20000])
    return len(updates)


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * q))]


def line(label: str, samples: list[float]) -> str:
    return f"{label}: n={len(samples)} median={statistics.median(samples):.2f} ms p95={pct(samples, 0.95):.2f} ms max={max(samples):.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--db", default="triage-bench.sqlite3")
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--skip-texts", action="store_true", help="keep the petitions' texts as they are")
    parser.add_argument("--skip-reindex", action="store_true")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    from bench.common import machine, setup_django

    setup_django(args.db)
    from django.core.management import call_command
    from django.db import connection, transaction

    from orgs.choices import Role
    from petitions.models import Petition
    from tongxin.lib.zhtext.rules import Facts
    from triage import index, services

    print(f"machine: {machine()}; load average {os.getloadavg()}")
    if not args.skip_generate:
        from bench.generate_realistic import generate

        generate(args.rows, people=max(2_000, min(20_000, args.rows // 50)), years=3, seed=7, progress=lambda *a: None)
    if not args.skip_texts:
        t = time.perf_counter()
        n = fill_texts()
        print(f"texts: {n:,} petitions in {time.perf_counter() - t:.1f} s")
    stored = Petition.objects.count()
    print(f"stored petitions: {stored:,}")
    if not args.skip_reindex:
        t = time.perf_counter()
        call_command("triage_reindex", workers=args.workers, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"RESULT reindex {stored:,} petitions: {time.perf_counter() - t:.1f} s (load {os.getloadavg()[0]:.2f})")
    from triage.models import LshBand, TriageDoc

    print(f"index: {TriageDoc.objects.count():,} petitions indexed, {LshBand.objects.count():,} band keys")
    rnd = random.Random(3)  # nosec B311 — reproducible sampling
    max_id = Petition.objects.order_by("-pk").values_list("pk", flat=True).first()
    picks = []
    while len(picks) < args.samples:
        p = Petition.objects.filter(pk__gte=rnd.randrange(1, max_id + 1)).order_by("pk").select_related("unit").first()
        if p is not None:
            picks.append(p)

    # 1. one petition's triage
    model, rules = services.current_model(), services.current_rules()
    services.analyse_text(picks[0].content, model=model, rules=rules)
    samples = []
    for p in picks:
        t = time.perf_counter()
        services.analyse_text(f"{p.title}。{p.content}", facts=Facts(people_count=p.people_count), model=model, rules=rules)
        samples.append((time.perf_counter() - t) * 1000)
    print("RESULT " + line("triage (suggestion + screening) of one petition", samples))
    samples = []
    for p in picks[:50]:
        t = time.perf_counter()
        try:
            with transaction.atomic():
                services.triage_petition(p, notify=False)
                raise _Rollback
        except _Rollback:
            pass
        samples.append((time.perf_counter() - t) * 1000)
    print("RESULT " + line("whole triage_petition (index write, repeat + group look-ups; rolled back)", samples))

    # 2. the repeat check against the stored petitions
    samples, linked = [], 0
    for p in picks:
        key = index.person_key(p.petitioner_id) if p.petitioner_id and not p.is_anonymous else ""
        t = time.perf_counter()
        data = index.doc_data(p.title, p.content)
        original, _score, _n = services._find_repeat(p, key, data)
        index.band_candidates(data.keys, exclude=p.pk, limit=20)
        samples.append((time.perf_counter() - t) * 1000)
        linked += original is not None
    print("RESULT " + line(f"repeat check against {stored:,} ({linked} of {len(picks)} linked to an earlier petition)", samples))

    # 3. search
    users = [(label, _desk_user(label, kind, role)) for label, kind, role in (
        ("group officer", "group", Role.PETITION_OFFICER),  # sees the whole group
        ("mine officer", "mine", Role.PETITION_OFFICER),  # one mine's petitions
        ("team leader", "team", Role.UNIT_LEADER),  # a narrow scope: one team's petitions
    )]
    for who, user in users:
        for length, terms in TERMS.items():
            samples, hits = [], 0
            for _ in range(max(4, args.samples // 20)):
                for term in terms:
                    t = time.perf_counter()
                    rows = services.search_page(user, term, limit=26)
                    samples.append((time.perf_counter() - t) * 1000)
                    hits += len(rows)
            print("RESULT " + line(f"search {length}-character terms as {who} (first page)", samples)
                  + f" rows/page {hits / len(samples):.1f}")
    print(f"load average after: {os.getloadavg()}; {connection.vendor}")
    return 0


class _Rollback(Exception):
    pass


def _desk_user(label: str, kind: str, role: str):
    """The first person holding ``role`` at a unit of ``kind`` (one is created for a generated
    group without desk staff): search is for the desk (officers, unit leaders, administrators)."""
    from orgs.models import RoleAssignment, Unit, User

    ra = RoleAssignment.objects.filter(role=role, unit__kind=kind).select_related("user").order_by("pk").first()
    if ra is not None:
        return ra.user
    unit = Unit.objects.filter(kind=kind).order_by("pk").first()
    no = f"bench-{kind}-{role}"
    user = User.objects.filter(employee_no=no).first() or User.objects.create_user(
        no, f"检索测试{label}", "Tongxin@2026", home_unit=unit, phone=None)
    RoleAssignment.objects.create(user=user, unit=unit, role=role)
    if kind == "team":
        # A narrow scope with something in it: the team handles one matter in 500 (0.2 %).
        from petitions.models import Petition

        Petition.objects.filter(handling_unit__isnull=True, pk__in=range(500, 10_000_000, 500)).update(handling_unit=unit)
    return user


if __name__ == "__main__":
    sys.exit(main())
