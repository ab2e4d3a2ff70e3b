"""Generator of legacy petition ledgers (信访台账) as a clerk keeps them in Excel.

    python bench/ledger_gen.py --rows 100000 --out var/ledger-100k.xlsx [--csv --encoding gbk]
                               [--bad 0.01] [--units TS,TX] [--seed 7]

Pure Python (openpyxl only, no Django): the tests and bench/ledger_import.py call
:func:`write_ledger` with the unit codes or names of their own database. A title row above
the headers, Chinese headers, mixed date layouts, historical states in realistic proportions
(most matters 已办结 with a rating, some 办理中/不予受理/已撤回), and, with ``bad`` > 0, a share
of rows with the mistakes real ledgers have (unknown category, impossible date, unknown unit,
reply before receipt).
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HEADERS = [
    "序号", "信访编号", "登记日期", "来信人", "联系电话", "信访方式", "问题类别", "反映问题",
    "办理单位", "承办人", "受理日期", "办理状态", "答复日期", "满意度",
]
TITLE = "信访事项登记台账"

CATEGORIES = [
    ("工资薪酬", 30), ("社会保险与福利", 12), ("劳动关系", 12), ("安全生产", 6), ("职业健康与工伤", 8),
    ("干部作风与廉洁", 5), ("住房与生活后勤", 10), ("离退休待遇", 7), ("企业改制与分流安置", 3),
    ("征地搬迁与采空区", 4), ("意见建议", 2), ("其他", 1),
]
CHANNELS = [("来信", 25), ("来访", 35), ("来电", 25), ("网上信访", 15)]
STATES = [("已办结", 80), ("已答复", 4), ("办理中", 3), ("不予受理", 8), ("已撤回", 3), ("待受理", 2), ("已受理", 3)]
RATINGS = [("满意", 60), ("基本满意", 25), ("不满意", 10), ("", 5)]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭"
GIVEN = "建国志强秀英桂英德华红梅海燕明军小平春生玉兰振华丽娟永强国庆文斌晓东云峰淑珍秀兰立新宏伟"
MATTERS = [
    "{m}月绩效工资比上月少发{n}百元，队里没有任何说明，请求核实补发。",
    "本人{n}年前因工受伤，工伤认定至今没有结果，请求尽快办理并支付待遇。",
    "家属院暖气{m}月份一直不热，多次向物业反映没有解决。",
    "村里房屋因采空区塌陷出现裂缝，请求鉴定并给予补偿。",
    "反映区队长在派班中优亲厚友，夜班津贴分配不公。",
    "退休后养老金计算有误，少算了{n}年井下工龄。",
    "劳务派遣合同到期后未续签，也未支付经济补偿。",
    "建议矿上增开一趟通勤班车，早班工人上班不方便。",
]
DATE_LAYOUTS = ("iso", "slash", "dot", "chinese", "excel")


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([w for w, _ in weighted], [n for _, n in weighted])[0]


def _fmt(rng: random.Random, day: date, layout: str | None = None):
    layout = layout or rng.choice(DATE_LAYOUTS)
    if layout == "iso":
        return day.isoformat()
    if layout == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if layout == "dot":
        return f"{day.year}.{day.month:02d}.{day.day:02d}"
    if layout == "chinese":
        return f"{day.year}年{day.month}月{day.day}日"
    return day  # a real Excel date cell (a date in CSV is written as ISO text)


@dataclass
class Handler:
    unit: str  # code or name of the handling unit
    name: str  # the handler's name or 工号 ("" when the ledger leaves it blank)


def ledger_rows(
    n: int,
    *,
    units: list[str],
    handlers: list[Handler] | None = None,
    start: date = date(2021, 1, 4),
    end: date = date(2024, 12, 31),
    bad: float = 0.0,
    seed: int = 7,
    prefix: str = "TZ",
):
    """Yield ``n`` ledger rows (lists in HEADERS order) and whether each was made broken."""
    rng = random.Random(seed)
    span = (end - start).days
    for i in range(1, n + 1):
        received = start + timedelta(days=rng.randrange(span))
        state = _pick(rng, STATES)
        handler = rng.choice(handlers) if handlers else None
        unit = handler.unit if handler else rng.choice(units)
        if state == "办理中" and handler is None:
            state = "已受理"
        accepted = received + timedelta(days=rng.choice([0, 1, 2, 3, 5, 8, 12, 14, 16, 20]))
        replied = accepted + timedelta(days=rng.choice([5, 10, 20, 30, 45, 58, 60, 70, 90]))
        row = [
            i,
            f"{prefix}{received.year}-{i:06d}",
            _fmt(rng, received),
            rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)) if rng.random() > 0.03 else "",
            f"13{rng.randrange(10**9):09d}" if rng.random() > 0.2 else "",
            _pick(rng, CHANNELS),
            _pick(rng, CATEGORIES),
            rng.choice(MATTERS).format(m=rng.randint(1, 12), n=rng.randint(2, 9)),
            unit,
            handler.name if handler and state in ("办理中", "已答复", "已办结") else "",
            _fmt(rng, accepted) if state not in ("待受理",) else "",
            state,
            _fmt(rng, replied) if state in ("已答复", "已办结") else "",
            _pick(rng, RATINGS) if state == "已办结" else "",
        ]
        if state == "已撤回":
            row[12] = _fmt(rng, accepted + timedelta(days=3))
        broken = bad > 0 and rng.random() < bad
        if broken:
            mistake = rng.randrange(4)
            if mistake == 0:
                row[6] = "工资问题呀"  # not a known category
            elif mistake == 1:
                row[2] = f"{received.year}-02-30"  # no such day
            elif mistake == 2:
                row[8] = "不存在的单位"
            else:
                row[10] = _fmt(rng, received - timedelta(days=3), "iso")  # accepted before received
                row[11] = "已办结"
                row[12] = _fmt(rng, received - timedelta(days=1), "iso")
        yield row, broken


def write_ledger(path: Path | str, n: int, *, csv_encoding: str | None = None, title: bool = True, **kw) -> int:
    """Write a ledger of ``n`` rows to ``path`` (.xlsx, or CSV when ``csv_encoding`` is given).
    Returns the number of rows made broken."""
    path = Path(path)
    broken = 0
    if csv_encoding:
        with path.open("w", encoding=csv_encoding, newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADERS)
            for row, bad in ledger_rows(n, **kw):
                broken += bad
                writer.writerow([v.isoformat() if isinstance(v, date) else v for v in row])
        return broken
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    if title:
        ws.append([TITLE])
    ws.append(HEADERS)
    for row, bad in ledger_rows(n, **kw):
        broken += bad
        ws.append(row)
    wb.save(path)
    return broken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--csv", action="store_true")
    parser.add_argument("--encoding", default="utf-8-sig")
    parser.add_argument("--bad", type=float, default=0.0)
    parser.add_argument("--units", default="TS")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    broken = write_ledger(
        args.out, args.rows, csv_encoding=args.encoding if args.csv else None,
        units=args.units.split(","), bad=args.bad, seed=args.seed,
    )
    print(f"wrote {args.rows:,} rows ({broken:,} broken) to {args.out}")


if __name__ == "__main__":
    main()
