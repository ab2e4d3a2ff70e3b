"""Render the seed corpus: every matter (cores.py) in several registers — a miner talking to
the desk (colloquial), a formal letter, an angry message, a short online note, traditional
characters and full-width digits (as some letters arrive) — with facts filled in.

The hand-written petitions (``written/<category>.txt``, one a line: ``TYPE|text``) are whole
texts in their own register — miners' talk with dialect and typos and no punctuation, formal
letters, angry messages, retirees, family members, villagers — and are used as written.

Deterministic (fixed seeds). ``split_of`` decides train or held-out from a hash of the
category and the matter's text (about one matter in four is held out): nobody picks held-out
items, and held-out matters never appear in training, so the figures measure wording the model
has not seen."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from triage.corpus.cores import CORES

TYPE_CODES = {"R": "request", "A": "accusation", "S": "suggestion", "I": "inquiry", "P": "appeal"}
MINES = ["3号井", "5号井", "东风煤矿", "红旗煤矿", "西山煤矿", "7号井", "北岭煤矿", "2号井"]
TEAMS = ["综采一队", "综采二队", "掘进三队", "综掘一队", "运输队", "机电队", "通风队", "掘进一队"]
MONTHS = ["1月", "3月", "5月", "6月", "8月", "9月", "10月", "12月"]
AMOUNTS = ["800元", "1200元", "2000元", "650元", "3500元", "900元", "4800元"]
CADRES = ["王矿长", "李书记", "张队长", "刘主任", "赵科长", "陈经理", "周区长", "孙副矿长"]
VILLAGES = ["杨庄村", "李家村", "后营村", "南沟村", "王庄村", "东沟村"]
PEOPLE = ["3", "6", "两", "4", "8"]

REGISTERS = {
    "colloquial": [
        "俺是{mine}{team}的，{core}，这事到底咋整啊，你们给个准话。",
        "领导，我跟你说个事，{core}，我们工友都在议论这个事。",
        "我是{team}的老工人了，干了十几年，{core}，麻烦给问问。",
        "{core}。俺们也不懂啥政策，就想讨个说法。",
    ],
    "formal": [
        "尊敬的领导：本人系{mine}{team}职工，现就有关问题反映如下：{core}。恳请予以调查核实并书面答复。此致敬礼！",
        "关于有关问题的反映。本人在{mine}工作，{core}。以上情况属实，请组织依法依规处理。",
        "{mine}信访办：{core}。特此来信，望予重视。",
    ],
    "angry": [
        "{core}！！！反映了多少次了，到底还有没有人管？",
        "你们这些当官的天天开会，{core}，再拖下去我们就不干了！",
        "气死人了，{core}，找谁谁推，这就是你们的办事效率？",
    ],
    "online": [
        "{core}",
        "网上反映：{core}，请相关部门处理。",
        "{mine}职工反映：{core}",
    ],
}


WRITTEN = Path(__file__).with_name("written")
HELDOUT_SHARE = 4  # one matter in four


def split_of(category: str, text: str) -> str:
    """"heldout" for about one matter in ``HELDOUT_SHARE``, from a hash of its category and text."""
    digest = hashlib.sha256(f"{category}|{text}".encode()).digest()
    return "heldout" if int.from_bytes(digest[:4], "big") % HELDOUT_SHARE == 0 else "train"


def written(category: str) -> list[tuple[str, str]]:
    """The hand-written petitions of one category: (type code, text)."""
    path = WRITTEN / f"{category}.txt"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            code, text = line.split("|", 1)
            out.append((code, text))
    return out


@dataclass(frozen=True)
class Sample:
    text: str
    category: str
    ptype: str
    split: str
    matter: str  # id of the matter and facts: two samples with one matter id say the same thing
    register: str


def _facts(rnd: random.Random) -> dict[str, str]:
    return {"mine": rnd.choice(MINES), "team": rnd.choice(TEAMS), "month": rnd.choice(MONTHS),
            "amount": rnd.choice(AMOUNTS), "cadre": rnd.choice(CADRES), "village": rnd.choice(VILLAGES),
            "n": rnd.choice(PEOPLE), "year": "2025"}


def _trad(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


def samples(per_matter: int = 6, seed: int = 11) -> Iterator[Sample]:
    rnd = random.Random(seed)  # nosec B311 — a reproducible corpus, not a secret
    for category, cores in CORES.items():
        for i, (code, core) in enumerate(cores):
            split = split_of(category, core)
            for k in range(per_matter):
                facts = _facts(rnd)
                register = rnd.choice(list(REGISTERS))
                text = rnd.choice(REGISTERS[register]).format(core=core.format(**facts), **facts)
                if k % 5 == 4:
                    text = _trad(text)
                elif k % 7 == 6:
                    text = _fullwidth(text)
                yield Sample(text, category, TYPE_CODES[code], split, f"{category}:{i}:{k}", register)
        for i, (code, text) in enumerate(written(category)):
            yield Sample(text, category, TYPE_CODES[code], split_of(category, text), f"{category}:w{i}:0", "written")


def matter_pairs(seed: int = 5, split: str = "heldout") -> list[tuple[str, str, bool, str]]:
    """Labelled pairs for repeat detection: (text a, text b, same matter?, kind).

    * ``reworded``: one matter with the same facts, told again in another register (same);
    * ``other_facts``: the same wording about another mine, team, month or sum (different);
    * ``other_matter``: another matter of the same category (different)."""
    rnd = random.Random(seed)  # nosec B311 — a reproducible corpus, not a secret
    pairs = []
    for category, cores in CORES.items():
        idx = [i for i, (_code, core) in enumerate(cores) if split_of(category, core) == split]
        for i in idx:
            core = cores[i][1]
            for _ in range(3):
                facts = _facts(rnd)
                r1, r2 = rnd.sample(list(REGISTERS), 2)
                a = rnd.choice(REGISTERS[r1]).format(core=core.format(**facts), **facts)
                b = rnd.choice(REGISTERS[r2]).format(core=core.format(**facts), **facts)
                pairs.append((a, b, True, "reworded"))
                other = _facts(rnd)
                for key in ("mine", "team", "month", "amount", "cadre", "village"):
                    while other[key] == facts[key]:
                        other[key] = rnd.choice({"mine": MINES, "team": TEAMS, "month": MONTHS, "amount": AMOUNTS,
                                                 "cadre": CADRES, "village": VILLAGES}[key])
                template = rnd.choice(REGISTERS[r1])
                c = template.format(core=core.format(**other), **other)
                a2 = template.format(core=core.format(**facts), **facts)
                # Only the number of months or days differs: the same matter told later, not another.
                if any(slot in core for slot in ("{mine}", "{team}", "{month}", "{amount}", "{cadre}", "{village}")) or (
                        "{mine}" in template or "{team}" in template):
                    pairs.append((a2, c, False, "other_facts"))
                j = rnd.choice([x for x in idx if x != i]) if len(idx) > 1 else i
                if j != i:
                    d = rnd.choice(REGISTERS[r2]).format(core=cores[j][1].format(**facts), **facts)
                    pairs.append((a, d, False, "other_matter"))
    return pairs
