"""Normalisation: NFKC (full-width → half-width), traditional → simplified (OpenCC t2s),
Chinese numerals → Arabic digits where they are quantities, and dates."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_NUMERAL = "零〇一二三四五六七八九两十百千万亿"
# A numeral run becomes digits when it is a quantity: two or more numeral characters (三十,
# 二〇二四) or one followed by a measure word (三号井, 五个人). 一些, 一直, 万一 stay words.
_MEASURE = "个人名号位次年月日天元块岁级队井矿区项条户间套栋台吨米趟周"
_NUM_RUN = re.compile(rf"(?<![几数好上])(?:[{_NUMERAL}]{{2,}}|[{_NUMERAL}](?=[{_MEASURE}]))")
_SPACE = re.compile(r"\s+")
_NOT_NUMBER_AFTER = {"万一", "一一", "一一对应"}


@lru_cache(maxsize=1)
def _converter():
    import opencc  # opencc-python-reimplemented

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters that OpenCC's t2s maps to something else: a text without any of them is
    already simplified, and the (slow, pure-Python) conversion is skipped."""
    import os

    import opencc

    chars, simplified = set(), set()
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            if key and values.split(" ")[0] != key:
                chars.add(key)
                simplified.add(values.split(" ")[0])
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSPhrases.txt")
    phrase_chars = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            target = values.split(" ")[0]
            phrase_chars.update(a for a, b in zip(key, target, strict=False) if a != b)
    # A phrase-only variant that is also a common simplified character (么) does not mark a
    # text as traditional.
    return frozenset(chars | (phrase_chars - simplified))


def to_simplified(text: str) -> str:
    if _traditional_chars().isdisjoint(text):
        return text
    return _converter().convert(text)


def chinese_number(run: str) -> int | None:
    """Value of a Chinese numeral run: 三十五 → 35, 二〇二四 → 2024, 一万二千 → 12000."""
    if not run or any(ch not in _NUMERAL for ch in run):
        return None
    if all(ch in _DIGITS for ch in run):  # digit by digit: 二〇二四
        return int("".join(str(_DIGITS[ch]) for ch in run))
    total = section = number = 0
    for ch in run:
        if ch in _DIGITS:
            number = _DIGITS[ch]
        elif ch in _UNITS:
            section += (number or 1) * _UNITS[ch]
            number = 0
        else:  # 万 / 亿
            section += number
            total += (section or 1) * _BIG[ch]
            section = number = 0
    return total + section + number


def numerals_to_digits(text: str) -> str:
    def repl(m: re.Match) -> str:
        run = m.group(0)
        if run in _NOT_NUMBER_AFTER:
            return run
        value = chinese_number(run)
        return run if value is None else str(value)

    return _NUM_RUN.sub(repl, text)


def normalize(text: str) -> str:
    """The form every triage step reads: NFKC, simplified, numerals as digits, lower case,
    runs of white space folded to one space."""
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text)
    text = numerals_to_digits(text)
    return _SPACE.sub(" ", text).strip().lower()


@dataclass(frozen=True)
class DateMention:
    year: int | None
    month: int | None
    day: int | None
    text: str

    def as_date(self) -> date | None:
        if self.year and self.month and self.day:
            try:
                return date(self.year, self.month, self.day)
            except ValueError:
                return None
        return None


_DATE = re.compile(
    r"(?:(?P<y>\d{4}|\d{2})[-/.年]|(?P<ry>去年|今年|前年))?(?P<m>\d{1,2})[-/.月](?:(?P<d>\d{1,2})[日号]?)?"
)
_RELATIVE_YEAR = {"今年": 0, "去年": -1, "前年": -2}


def extract_dates(text: str, *, today: date | None = None) -> list[DateMention]:
    """Dates named in a normalised text (2024年3月5日, 2024-03-05, 去年10月, 3月): the year is
    resolved against ``today`` when relative, left None when absent."""
    found = []
    for m in _DATE.finditer(text):
        raw_y, raw_m, raw_d = m.group("y") or m.group("ry"), m.group("m"), m.group("d")
        month = int(raw_m)
        if not 1 <= month <= 12:
            continue
        if raw_y is None and "月" not in m.group(0):
            continue  # "3-5" alone is not a date
        year = None
        if raw_y in _RELATIVE_YEAR:
            year = today.year + _RELATIVE_YEAR[raw_y] if today else None
        elif raw_y:
            year = int(raw_y) + (2000 if len(raw_y) == 2 else 0)
        day = int(raw_d) if raw_d else None
        if day is not None and not 1 <= day <= 31:
            day = None
        found.append(DateMention(year, month, day, m.group(0)))
    return found
