"""The phrase-rule engine behind risk, litigation and identity-sensitive screening.

A rule is data (administrators edit them in the triage app): a code, what it flags, the
risk level it implies, regular expressions that trigger it, false friends that cancel a hit
nearby (跳闸 is not 跳楼; 进京培训 is not 进京上访), whether a negation in the same clause
cancels it (没有人想闹事), and optionally a minimum for the number a pattern captures in a
group named ``n`` (5 or more people). Every hit carries the phrase that triggered it, so the
officer sees *why*.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

LEVELS = ("low", "medium", "high")
_RANK = {level: i for i, level in enumerate(LEVELS)}

# A negation right before the hit, in the same clause: 没有人想|不会去|绝不|并不打算 …
_NEGATION = re.compile(
    r"(?:没有人?|没人|谁也|谁都)?(?:不会|不想|不要|不打算|不准备|不敢|并不|绝不|决不|从没|从未|无意|并非|不至于|"
    r"没有|没|不|别)(?:想|要|会|打算|准备|去|再|敢|可能|是|说过|说|过|到|搞|人|采取|任何)*(?:把[^,.!?;，。！？；]{0,4})?$"
)
# Not a negation: 不得不堵路, 只能去北京.
_FORCED = re.compile(r"(?:不得不|不能不|没法不|不会不|只能|只好|只有)(?:去|再)?$")
_CLAUSE_BREAK = re.compile(r"[,.!?;:，。！？；：、\n]|就|才|便|否则|不然|要不")
WINDOW = 12
# A calm report, not a threat: the clause of the hit tells of an earlier time (去年有人堵过路,
# 前几年去集团门口坐过) or of the news about somebody else (看新闻说外省有个农民工跳楼了), and
# says nothing of what anyone will do (要, 就, 再, 明天, 准备 … keep the hit).
_PUNCT = re.compile(r"[,.!?;:，。！？；：\n]")
_PAST = re.compile(r"去年|前年|前几年|前些年|那几年|早几年|早些年|早年|当年|那年|那时候|以前|从前|曾经|多年前|\d+年前|\d{4}年|那次|那回")
_REPORTED = re.compile(r"新闻|报道|报纸|电视上|网上看到|网上说")
_INTENT = re.compile(r"要|就|再|将|会|准备|打算|想|明天|后天|下周|下个|马上|今天|今晚|非得|一定")


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    flag: str = ""
    level: str = "low"
    kind: str = "risk"  # risk | litigation | identity
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    negatable: bool = True
    min_number: int | None = None
    _compiled: tuple = field(default=(), compare=False, repr=False)

    @classmethod
    def from_data(cls, data: dict) -> Rule:
        patterns = tuple(data.get("patterns") or ())
        exclude = tuple(data.get("exclude") or ())
        compiled = (
            [re.compile(p) for p in patterns],
            [re.compile(p) for p in exclude],
        )
        return cls(
            code=data["code"], label=data.get("label", data["code"]), flag=data.get("flag", ""),
            level=data.get("level", "low") or "low", kind=data.get("kind", "risk"), patterns=patterns,
            exclude=exclude, negatable=bool(data.get("negatable", True)),
            min_number=data.get("min_number"), _compiled=compiled,
        )


def check_rule_data(data: dict) -> list[str]:
    """Why this rule cannot be used (empty: it can)."""
    errors = []
    if not data.get("code"):
        errors.append("code")
    if data.get("level", "low") not in LEVELS:
        errors.append(f"level {data.get('level')!r}")
    if not data.get("patterns"):
        errors.append("patterns: at least one")
    for p in list(data.get("patterns") or ()) + list(data.get("exclude") or ()):
        try:
            re.compile(p)
        except re.error as exc:
            errors.append(f"{p}: {exc}")
    return errors


@dataclass(frozen=True)
class Hit:
    code: str
    label: str
    flag: str
    level: str
    kind: str
    phrase: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "flag": self.flag, "level": self.level,
                "kind": self.kind, "phrase": self.phrase, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Cancelled:
    code: str
    phrase: str
    why: str  # negation | false_friend | reported | below_minimum


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - WINDOW) : start]
    parts = _CLAUSE_BREAK.split(before)
    return parts[-1] if parts else before


def negated(text: str, start: int) -> bool:
    clause = _clause_before(text, start)
    if not clause or _FORCED.search(clause):
        return False
    return bool(_NEGATION.search(clause))


def reported(text: str, start: int, end: int) -> bool:
    """The hit's clause reports the past or the news and threatens nothing."""
    lo = max((m.end() for m in _PUNCT.finditer(text, 0, start)), default=0)
    nxt = _PUNCT.search(text, end)
    clause = text[lo : nxt.start() if nxt else len(text)]
    if not (_PAST.search(clause) or _REPORTED.search(clause)):
        return False
    return not _INTENT.search(clause)


def _false_friend(excludes, text: str, start: int, end: int) -> bool:
    lo, hi = max(0, start - 8), min(len(text), end + 8)
    window = text[lo:hi]
    for rx in excludes:
        for m in rx.finditer(window):
            # The false friend must overlap the hit or touch it.
            if m.start() + lo <= end and m.end() + lo >= start:
                return True
    return False


def match_rules(text: str, rules: Iterable[Rule]) -> tuple[list[Hit], list[Cancelled]]:
    """Hits of every rule in a normalised text, and the hits cancelled (and why)."""
    hits: list[Hit] = []
    cancelled: list[Cancelled] = []
    for rule in rules:
        patterns, excludes = rule._compiled or Rule.from_data(rule.__dict__)._compiled
        for rx in patterns:
            for m in rx.finditer(text):
                phrase = m.group(0)
                if rule.min_number is not None:
                    n = _number(m)
                    if n is not None and n < rule.min_number:
                        cancelled.append(Cancelled(rule.code, phrase, "below_minimum"))
                        continue
                if excludes and _false_friend(excludes, text, m.start(), m.end()):
                    cancelled.append(Cancelled(rule.code, phrase, "false_friend"))
                    continue
                if rule.negatable and negated(text, m.start()):
                    cancelled.append(Cancelled(rule.code, phrase, "negation"))
                    continue
                if rule.negatable and rule.kind == "risk" and reported(text, m.start(), m.end()):
                    cancelled.append(Cancelled(rule.code, phrase, "reported"))
                    continue
                hits.append(Hit(rule.code, rule.label, rule.flag, rule.level, rule.kind, phrase, m.start(), m.end()))
                break  # one hit per pattern is enough to explain it
    return hits, cancelled


def _number(m: re.Match) -> int | None:
    try:
        raw = m.group("n")
    except IndexError:
        return None
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class Facts:
    """What the registration says besides the text."""

    people_count: int = 1
    prior_same_matter: int = 0  # earlier petitions of the same person on the same matter
    sensitive_period: str = ""  # name of the sensitive period the petition falls in, if any


@dataclass
class Screening:
    level: str = "low"
    flags: list[str] = field(default_factory=list)
    reasons: list[dict] = field(default_factory=list)  # {"level", "flag", "why", "phrase"}
    hits: list[Hit] = field(default_factory=list)
    cancelled: list[Cancelled] = field(default_factory=list)

    def raise_to(self, level: str, *, flag: str = "", why: str, phrase: str = "") -> None:
        if _RANK[level] > _RANK[self.level]:
            self.level = level
        if flag and flag not in self.flags:
            self.flags.append(flag)
        self.reasons.append({"level": level, "flag": flag, "why": why, "phrase": phrase})


def max_level(levels: Sequence[str]) -> str:
    return max(levels, key=lambda lv: _RANK[lv]) if levels else "low"


def screen(text: str, rules: Iterable[Rule], facts: Facts = Facts()) -> Screening:
    """Risk level, flags and reasons for a normalised text (taxonomy.md, Risk level)."""
    hits, cancelled = match_rules(text, rules)
    s = Screening(hits=hits, cancelled=cancelled)
    for hit in hits:
        if hit.kind == "risk":
            s.raise_to(hit.level, flag=hit.flag, why=hit.label, phrase=hit.phrase)
        elif hit.flag and hit.flag not in s.flags:
            s.flags.append(hit.flag)
            s.reasons.append({"level": "low", "flag": hit.flag, "why": hit.label, "phrase": hit.phrase})
    if facts.people_count >= 5:
        s.raise_to("medium", flag="collective", why=f"登记人数{facts.people_count}人（5人以上为集体访）")
    if facts.prior_same_matter >= 2:
        s.raise_to("medium", flag="repeat", why=f"同一事项第{facts.prior_same_matter + 1}次反映")
    elif facts.prior_same_matter == 1:
        s.raise_to("low", flag="repeat", why="同一事项第2次反映")
    # A collective matter threatening to go to Beijing or the province is high (taxonomy).
    if "collective" in s.flags and "skip_level" in s.flags:
        # Name both triggers (the collective phrase or the registration's count, and the threat).
        collective = next((r["phrase"] or r["why"] for r in s.reasons if r["flag"] == "collective"), "")
        skip = next((r["phrase"] for r in s.reasons if r["flag"] == "skip_level"), "")
        s.raise_to("high", why="集体信访并扬言进京或赴省", phrase=" + ".join(p for p in (collective, skip) if p))
    if facts.sensitive_period and s.level == "medium":
        s.raise_to("high", why=f"敏感时期（{facts.sensitive_period}）内的中风险事项")
    return s


def cadre_mentions(text: str, titles: Sequence[str], names: Iterable[str] = ()) -> list[dict]:
    """Superiors or cadres the text names: a known person's name (``names``), or a surname
    followed by a title (王矿长, 李书记, 张队长)."""
    found = []
    for name in names:
        if len(name) >= 2 and name in text:
            found.append({"name": name, "phrase": name})
    title_rx = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    if title_rx:
        for m in re.finditer(rf"([\u4e00-\u9fff])(?:副)?({title_rx})", text):
            if m.group(1) in _SURNAMES:
                found.append({"name": "", "phrase": m.group(0)})
    return found


# The commonest Chinese surnames (they cover most people); a title after one of them names a person.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛"
    "邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆"
    "蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
