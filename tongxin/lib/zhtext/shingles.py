"""Character n-grams, MinHash signatures with LSH band keys, and search grams.

MinHash is implemented here (numpy, 64 permutations over character 3-grams) so a signature
is a plain array of 64 unsigned 32-bit integers that the database can store and compare.
LSH: 16 bands of 4 rows; two texts share a band with probability 1-(1-J^4)^16, about 0.5 at
Jaccard 0.5 and 0.97 at 0.75.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
_PRIME = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)
_rng = np.random.RandomState(20260530)  # fixed: signatures must be stable across restarts
_A = _rng.randint(1, 1 << 31, size=NUM_PERM).astype(np.uint64)
_B = _rng.randint(0, 1 << 31, size=NUM_PERM).astype(np.uint64)
_KEEP = re.compile(r"[\u4e00-\u9fff0-9a-z]+")


def content_chars(text: str) -> str:
    """Chinese characters, digits and latin letters of a normalised text, in order."""
    return "".join(_KEEP.findall(text))


def char_ngrams(text: str, n: int = 3) -> set[str]:
    chars = content_chars(text)
    if len(chars) < n:
        return {chars} if chars else set()
    return {chars[i : i + n] for i in range(len(chars) - n + 1)}


def jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def minhash(shingles: set[str]) -> np.ndarray:
    """64 minima of (a·h + b) mod p over the shingles' CRC32 hashes (uint32)."""
    if not shingles:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    h = np.fromiter((zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles))
    # (a*h + b) mod p stays below 2**64: a, b < 2**31 and h < 2**32.
    values = ((np.outer(h, _A) + _B) % _PRIME) & _MAX32
    return values.min(axis=0).astype(np.uint32)


def signature_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def signature_from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype="<u4")


def estimate(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / NUM_PERM


_BAND_MIX = np.random.RandomState(7).randint(1, 1 << 62, size=(BANDS, ROWS)).astype(np.uint64) | np.uint64(1)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band, to store in an indexed column: the band's rows mixed by
    fixed odd multipliers (wrapping uint64 arithmetic), the band number folded in."""
    rows = sig.astype(np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        mixed = (rows * _BAND_MIX).sum(axis=1) ^ (np.arange(BANDS, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    return mixed.view(np.int64).tolist()


def search_grams(text: str) -> str:
    """The search index's document: every character bigram of the normalised text as an ASCII
    token (hex code points), space separated. ASCII tokens index the same on SQLite FTS5
    (unicode61) and PostgreSQL ``to_tsvector('simple', …)`` whatever the collation."""
    chars = content_chars(text)
    if len(chars) == 1:
        return _token(chars, "")
    return " ".join(_token(chars[i], chars[i + 1]) for i in range(len(chars) - 1))


def query_grams(term: str) -> list[str]:
    """The bigram tokens of a search term, in order (a phrase query over them)."""
    chars = content_chars(term)
    if len(chars) < 2:
        return [_token(chars, "")] if chars else []
    return [_token(chars[i], chars[i + 1]) for i in range(len(chars) - 1)]


def _token(a: str, b: str) -> str:
    return f"z{ord(a):x}x{ord(b):x}" if b else f"z{ord(a):x}x"
