"""De-identification of petition text for the case library (pure Python, no Django).

Removes what identifies people: the names it is told (petitioner, staff, the accused, every person
of the units involved), ID-card, mobile, landline and employee numbers, and places: the unit names
it is told, plus place-like words (村, 矿, 小区, 号楼 …). What it cannot know (a nickname, a
rare place) is why a reviewer must read and approve every case before it is shared.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

NAME = "某某"
PLACE = "某地"
UNIT = "某单位"
ID_NUMBER = "[身份证号]"
PHONE = "[电话]"
NUMBER = "[编号]"

ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
LANDLINE_RE = re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)")
# Employee numbers, account numbers, plates: a run of 5+ digits, or letters followed by 4+ digits.
CODE_RE = re.compile(r"(?<![0-9A-Za-z])(?:[A-Za-z]{1,4}\d{4,}|\d{5,})(?![0-9A-Za-z])")
# Place words: 1–6 Han characters before a place suffix (张家村, 幸福小区), and house numbers (3号楼).
PLACE_RE = re.compile(r"[\u4e00-\u9fa5]{2,3}(?:村|镇|乡|街道|社区|小区|煤矿|矿井|工区|采区)|\d+号楼(?:\d+单元)?")
# Common surnames: a surname + one or two Han characters right before a title or a verb of saying.
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏锺"
    "汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
TITLES = "师傅|同志|同事|队长|班长|矿长|书记|主任|科长|经理|工长|组长|老师|女士|先生|职工|工人|家属|反映|称|说|表示|等人"
NAME_RE = re.compile(rf"[{SURNAMES}][\u4e00-\u9fa5]{{1,2}}(?=(?:{TITLES}))")
# 老王, 小李: a familiar form of a surname.
FAMILIAR_RE = re.compile(rf"[老小][{SURNAMES}](?=[^\u4e00-\u9fa5]|$|{TITLES})")


@dataclass
class Redacted:
    text: str
    counts: Counter = field(default_factory=Counter)


def _replace_all(text: str, words: Iterable[str], mark: str, kind: str, counts: Counter) -> str:
    # Longest first, so 东山煤矿综采一队 goes before 东山煤矿.
    for word in sorted({w.strip() for w in words if w and len(w.strip()) >= 2}, key=len, reverse=True):
        n = text.count(word)
        if n:
            text = text.replace(word, mark)
            counts[kind] += n
    return text


def _sub(pattern: re.Pattern, mark: str, kind: str, text: str, counts: Counter) -> str:
    text, n = pattern.subn(mark, text)
    counts[kind] += n
    return text


def redact(text: str, *, names: Iterable[str] = (), places: Iterable[str] = ()) -> Redacted:
    """``text`` with names, numbers and places replaced by neutral marks, and how many of each."""
    counts: Counter = Counter()
    out = text or ""
    out = _sub(ID_RE, ID_NUMBER, "id_number", out, counts)
    out = _sub(MOBILE_RE, PHONE, "phone", out, counts)
    out = _sub(LANDLINE_RE, PHONE, "phone", out, counts)
    out = _sub(CODE_RE, NUMBER, "number", out, counts)
    out = _replace_all(out, names, NAME, "name", counts)
    out = _replace_all(out, places, UNIT, "place", counts)
    out = _sub(FAMILIAR_RE, NAME, "name", out, counts)
    out = _sub(NAME_RE, NAME, "name", out, counts)
    out = _sub(PLACE_RE, PLACE, "place", out, counts)
    return Redacted(text=out, counts=counts)


def leftovers(text: str, *, names: Iterable[str] = (), places: Iterable[str] = ()) -> list[str]:
    """What still identifies someone in an edited text: the check run again before approval."""
    found = []
    for pattern, label in ((ID_RE, "身份证号"), (MOBILE_RE, "手机号"), (LANDLINE_RE, "电话号码"), (CODE_RE, "编号")):
        found += [f"{label}“{m}”" for m in pattern.findall(text or "")]
    for word in {w.strip() for w in names if w and len(w.strip()) >= 2}:
        if word in (text or ""):
            found.append(f"姓名“{word}”")
    for word in {w.strip() for w in places if w and len(w.strip()) >= 2}:
        if word in (text or ""):
            found.append(f"单位或地点“{word}”")
    return found
