"""Benchmark of the publicity module: the 宣传部 dashboard, the yearly ledger export and the
news-page search, on generated data over ten years.

    .venv/bin/python bench/publicity/run.py                      # 200,000 pieces, 50,000 placements, 20,000 lectures
    .venv/bin/python bench/publicity/run.py --pieces 2000 --placements 500 --lectures 200 --runs 1   # smoke

The organization comes from bench/generate_realistic.py (~400 units); the publicity rows are
written with bulk_create in the shape the services leave them (state, stage, published_at,
points and rule versions, audience rows summing to the attendance). Requests go through
Django's test client (the whole stack: middleware, scoping, templates), in-process, no network.
Goals (issue #12): dashboard ≤ 200 ms, yearly ledger export ≤ 5 s, news search ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common import machine, setup_django  # noqa: E402

WORDS = ["安全生产", "综采", "掘进", "党建", "班组", "创新", "职工", "文化", "节能", "智能化", "瓦斯治理", "通风", "机电",
         "洗选", "运输", "技能比武", "劳模", "青年", "先锋", "志愿服务", "家属", "改革", "独立核算", "分灶吃饭", "减排",
         "标准化", "质量", "效益", "攻坚", "矿区", "帮扶", "培训", "一线", "故事", "风采", "典型", "提质", "增效"]
# Common, rarer and absent terms of 1, 2, 3, 4 and 6 characters (the last found nowhere).
SEARCH_TERMS = ("安全生产", "劳模风采", "瓦斯治理侧记", "不存在的词语", "矿", "侧记", "洗选再", "创新攻坚")
LEVELS = ["central", "provincial", "industry", "group", "city"]
LEVEL_WEIGHTS = [2, 10, 8, 60, 20]
KINDS = ["news", "feature", "commentary", "photo", "video"]


def title(rnd: random.Random) -> str:
    return "".join(rnd.sample(WORDS, 3)) + rnd.choice(["再创佳绩", "见闻", "纪实", "扎实推进", "显成效", "的一天", "侧记"])


def generate(n_pieces: int, n_placements: int, n_lectures: int, years: int, seed: int = 12) -> dict:
    from django.db import transaction

    from bench.generate_realistic import ensure_org
    from orgs.choices import Role, UnitKind
    from orgs.models import RoleAssignment, Unit, User
    from publicity.models import (
        Lecture,
        LectureAudience,
        Outlet,
        Piece,
        PieceReview,
        Placement,
        PlacementAuthor,
        Theme,
    )

    org = ensure_org(3000, seed, progress=lambda s: print(s, flush=True))
    group = Unit.objects.get(code="RG")
    company = Unit.objects.filter(kind=UnitKind.COMPANY, code__startswith="RG").order_by("path").first()
    admin, _ = User.objects.get_or_create(employee_no="PUBADMIN", defaults={"name": "宣传部长", "home_unit": group})
    officer, _ = User.objects.get_or_create(employee_no="PUBCO", defaults={"name": "公司宣传干事", "home_unit": company})
    RoleAssignment.objects.get_or_create(user=admin, unit=group, role=Role.PUBLICITY_OFFICER)
    RoleAssignment.objects.get_or_create(user=officer, unit=company, role=Role.PUBLICITY_OFFICER)
    have = Piece.objects.count()
    if have >= n_pieces:
        print(f"  data present: {have:,} pieces, {Placement.objects.count():,} placements, "
              f"{Lecture.objects.count():,} lectures", flush=True)
        return {"admin": admin, "officer": officer}
    rnd = random.Random(seed)
    tz = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    end = datetime(2026, 1, 1, tzinfo=tz)
    start = end - timedelta(days=365 * years)
    span = (end - start).total_seconds()
    units = [u for u in Unit.objects.filter(code__startswith="RG") if u.kind != UnitKind.GROUP]
    unit_ids = [u.pk for u in units]
    people = list(User.objects.filter(employee_no__startswith="RG").values_list("pk", "home_unit_id")[:2000])
    themes = [Theme.objects.get_or_create(name=n, defaults={"categories": c})[0] for n, c in [
        ("独立核算、分灶吃饭", ["wages", "restructuring"]), ("安全生产", ["safety"]), ("党的二十大精神", []),
        ("薪酬政策解读", ["wages"]), ("职业健康", ["occupational_health"]), ("企业文化", []),
    ]]
    outlets = [Outlet.objects.get_or_create(name=f"媒体{i:02d}", defaults={"level": rnd.choices(LEVELS, LEVEL_WEIGHTS)[0]})[0]
               for i in range(30)]
    t0 = time.perf_counter()

    def when() -> datetime:
        return start + timedelta(seconds=rnd.random() * span)

    batch = 5000
    with transaction.atomic():
        for offset in range(0, n_pieces, batch):
            rows = []
            for _ in range(min(batch, n_pieces - offset)):
                author, unit = rnd.choice(people)
                created = when()
                published = rnd.random() < 0.8
                t = title(rnd)
                rows.append(Piece(
                    title=t, lead=f"{t}。" + "".join(rnd.sample(WORDS, 4)), body="正文" * 60, kind=rnd.choice(KINDS),
                    theme=rnd.choice(themes) if rnd.random() < 0.6 else None, unit_id=unit or rnd.choice(unit_ids),
                    author_id=author, for_news=rnd.random() < 0.9, for_outside=rnd.random() < 0.3,
                    state="published" if published else rnd.choice(["draft", "returned", "rejected"]), stage="",
                    round=1, version=1, review_rule_version=0 if published else None, submitted_at=created,
                    published_at=created + timedelta(hours=rnd.randint(2, 72)) if published else None,
                ))
            Piece.objects.bulk_create(rows, batch_size=batch)
        print(f"  pieces: {n_pieces:,} ({time.perf_counter() - t0:.1f} s)", flush=True)
        # The news search index, as publication writes it (publicity.search).
        from publicity.models import NewsToken
        from publicity.search import backfill

        indexed = backfill(Piece, NewsToken, batch=2000)
        print(f"  news index: {indexed:,} pieces, {NewsToken.objects.count():,} postings "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)
        # The review record of a sample of published pieces (the dashboard does not read it).
        sample = list(Piece.objects.filter(state="published").values_list("pk", "published_at")[:5000])
        reviewers = [p for p, _u in people[:3]]
        PieceReview.objects.bulk_create([
            PieceReview(piece_id=pk, round=1, level=lv, reviewer_id=reviewers[i], decision="pass", proofread=True,
                        version=1, rule_version=0, decided_at=at)
            for pk, at in sample for i, lv in enumerate(["first", "second", "final"])], batch_size=batch)
        t1 = time.perf_counter()
        piece_ids = list(Piece.objects.filter(state="published", for_outside=True).values_list("pk", flat=True)[:20000])
        for offset in range(0, n_placements, batch):
            rows, authors = [], []
            for _ in range(min(batch, n_placements - offset)):
                outlet = rnd.choice(outlets)
                author, unit = rnd.choice(people)
                rows.append(Placement(
                    outlet=outlet, outlet_level=outlet.level, kind=rnd.choice(KINDS), published_on=when().date(),
                    title=title(rnd), link="https://example.org/p", piece_id=rnd.choice(piece_ids) if piece_ids and rnd.random() < 0.4 else None,
                    theme=rnd.choice(themes) if rnd.random() < 0.7 else None, unit_id=unit or rnd.choice(unit_ids),
                    points=Decimal("3.00"), points_rule_version=0, created_by=admin,
                ))
            Placement.objects.bulk_create(rows, batch_size=batch)
            for p in rows:
                author, unit = rnd.choice(people)
                authors.append(PlacementAuthor(placement=p, user_id=author, name="作者", unit_id=p.unit_id, points=p.points))
            PlacementAuthor.objects.bulk_create(authors, batch_size=batch)
        print(f"  placements: {n_placements:,} ({time.perf_counter() - t1:.1f} s)", flush=True)
        t2 = time.perf_counter()
        for offset in range(0, n_lectures, batch):
            rows, audience = [], []
            for _ in range(min(batch, n_lectures - offset)):
                lecturer, unit = rnd.choice(people)
                rows.append(Lecture(topic=title(rnd), theme=rnd.choice(themes), lecturer_id=lecturer,
                                    unit_id=unit or rnd.choice(unit_ids), held_at=when(), place="会议室", attendance=0,
                                    created_by=admin))
            Lecture.objects.bulk_create(rows, batch_size=batch)
            for lec in rows:
                chosen = rnd.sample(unit_ids, rnd.randint(1, 3))
                counts = [rnd.randint(10, 120) for _ in chosen]
                lec.attendance = sum(counts)
                audience += [LectureAudience(lecture=lec, unit_id=u, attendance=n) for u, n in zip(chosen, counts, strict=True)]
            Lecture.objects.bulk_update(rows, ["attendance"], batch_size=batch)
            LectureAudience.objects.bulk_create(audience, batch_size=batch)
        print(f"  lectures: {n_lectures:,} ({time.perf_counter() - t2:.1f} s)", flush=True)
        from publicity.tally import rebuild

        print(f"  dashboard tallies: {rebuild():,} rows", flush=True)  # as the services keep them
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    else:
        with connection.cursor() as c:
            # VACUUM sets the visibility map after the bulk load: the search's index-only scans
            # read no heap pages (autovacuum does the same later on a real system).
            c.execute("VACUUM ANALYZE")
    _ = org
    return {"admin": admin, "officer": officer}


def timed(client, url: str, runs: int, warmup: int = 1) -> tuple[list[float], int, int]:
    for _ in range(warmup):
        client.get(url)
    samples = []
    size = status = 0
    for _ in range(runs):
        t = time.perf_counter()
        r = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        status = r.status_code
        size = len(r.content) if hasattr(r, "content") else sum(len(c) for c in r.streaming_content)
    return samples, status, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pieces", type=int, default=200_000)
    parser.add_argument("--placements", type=int, default=50_000)
    parser.add_argument("--lectures", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--search-runs", type=int, default=20)
    parser.add_argument("--db", default="bench-publicity.sqlite3")
    args = parser.parse_args()
    setup_django(args.db)
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    people = generate(args.pieces, args.placements, args.lectures, args.years)
    from publicity.models import Lecture, Piece, Placement

    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
    print(f"rows: {Piece.objects.count():,} pieces, {Placement.objects.count():,} placements, "
          f"{Lecture.objects.count():,} lectures", flush=True)
    year = 2022
    results = []
    for who in ("admin", "officer"):
        client = Client(raise_request_exception=True)
        client.force_login(people[who])
        s, st, _ = timed(client, f"/publicity/dashboard/?year={year}", args.runs)
        results.append((f"dashboard ({who})", s, st, 200))
        s, st, size = timed(client, f"/publicity/ledger/export/?year={year}", max(1, args.runs // 2))
        results.append((f"yearly ledger export ({who}, {size // 1024} KB)", s, st, 5000))
        for q in SEARCH_TERMS:
            s, st, _ = timed(client, f"/publicity/news/?q={q}", max(args.runs, args.search_runs))
            results.append((f"news search “{q}” ({who})", s, st, 50))
        s, st, _ = timed(client, "/publicity/news/", args.runs)
        results.append((f"news page ({who})", s, st, 50))
        # The search alone (what the page and the API call: index look-up and the page's rows),
        # without the request, session and template around it.
        from publicity.selectors import news_search

        for q in SEARCH_TERMS:
            news_search(people[who], q)
            samples = []
            for _ in range(max(args.runs, args.search_runs)):
                t = time.perf_counter()
                news_search(people[who], q)
                samples.append((time.perf_counter() - t) * 1000)
            results.append((f"news_search() “{q}” ({who})", samples, 200, 50))
    for label, samples, status, goal in results:
        med = statistics.median(samples)
        ordered = sorted(samples)
        p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]
        verdict = "OK" if med <= goal else "MISS"
        print(f"RESULT {label}: median {med:.1f} ms p95 {p95:.1f} (min {min(samples):.1f}, max {max(samples):.1f}, "
              f"n={len(samples)}, HTTP {status}) goal ≤ {goal} ms {verdict}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
