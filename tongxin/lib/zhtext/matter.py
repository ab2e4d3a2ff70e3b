"""Is it the same matter? Two texts raise the same matter when their content words and
characters overlap enough *and* the facts they name do not contradict each other: a wage
complaint about 3号井 in March is not the same matter as one about 5号井 in June, however
alike the wording."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tongxin.lib.zhtext.shingles import char_ngrams, jaccard
from tongxin.lib.zhtext.tokenize import keywords

_ENTITY_PATTERNS = {
    "place": re.compile(r"\d+号(?:井|矿井|楼|宿舍楼|工作面|院|线)|\d+(?:采区|盘区|工作面|区队)|[\u4e00-\u9fff]{2}(?:煤矿|村|小区|社区|电厂|洗煤厂)"),
    "team": re.compile(r"(?:综采|综掘|掘进|开拓|运输|机电|通风|准备|洗选|安装)\d*(?:队|区|工区|车间)"),
    "month": re.compile(r"(?:\d{4}年)?\d{1,2}月(?:份)?"),
    "amount": re.compile(r"\d+(?:\.\d+)?(?:万)?(?:元|块)"),
    "person": re.compile(r"[\u4e00-\u9fff](?:副)?(?:矿长|书记|队长|区长|科长|主任|经理|部长|董事长|工会主席|班长|段长|厂长|所长)"),
}
SAME_MATTER_THRESHOLD = 0.28


@dataclass(frozen=True)
class Profile:
    keywords: frozenset[str]
    bigrams: frozenset[str]
    entities: dict[str, frozenset[str]]

    def as_data(self) -> dict:
        return {"k": sorted(self.keywords), "e": {k: sorted(v) for k, v in self.entities.items() if v}}

    @classmethod
    def from_data(cls, data: dict, text: str) -> Profile:
        return cls(frozenset(data.get("k", ())), frozenset(char_ngrams(text, 2)),
                   {k: frozenset(v) for k, v in (data.get("e") or {}).items()})


def entities(text: str) -> dict[str, frozenset[str]]:
    out = {}
    for kind, rx in _ENTITY_PATTERNS.items():
        found = {m.group(0).replace("份", "") for m in rx.finditer(text)}
        if kind == "month":
            found = {m.split("年")[-1] for m in found}  # 2024年3月 and 3月 are the same month
        elif kind == "amount":
            found = {_yuan(m) for m in found}  # 800元 and 800块 are the same sum
        out[kind] = frozenset(found)
    return out


def _yuan(raw: str) -> str:
    value = float(re.match(r"\d+(?:\.\d+)?", raw).group(0))
    if "万" in raw:
        value *= 10_000
    return f"{value:g}"


def profile(text: str) -> Profile:
    """Profile of a normalised text."""
    return Profile(frozenset(keywords(text)), frozenset(char_ngrams(text, 2)), entities(text))


def conflicts(a: Profile, b: Profile) -> list[str]:
    """Kinds of fact both texts name without any in common (a different mine, month, sum)."""
    out = []
    for kind in _ENTITY_PATTERNS:
        x, y = a.entities.get(kind, frozenset()), b.entities.get(kind, frozenset())
        if x and y and not (x & y):
            out.append(kind)
    return out


def similarity(a: Profile, b: Profile) -> float:
    """Content-word overlap (weighted 3:1) with character-bigram overlap, 0…1. Weights and the
    threshold were chosen on the seed corpus's training pairs (triage/corpus/seed.py)."""
    return 0.75 * jaccard(set(a.keywords), set(b.keywords)) + 0.25 * jaccard(set(a.bigrams), set(b.bigrams))


def same_matter(a: Profile, b: Profile, threshold: float = SAME_MATTER_THRESHOLD) -> tuple[bool, float, list[str]]:
    score = similarity(a, b)
    clash = conflicts(a, b)
    # Three or more specific facts in common (mine, team, month, sum…) with some shared words:
    # the same matter told in quite other words.
    shared = sum(1 for kind in _ENTITY_PATTERNS if a.entities.get(kind, frozenset()) & b.entities.get(kind, frozenset()))
    same = score >= threshold or (shared >= 3 and score >= threshold / 2)
    return (same and not clash), score, clash
