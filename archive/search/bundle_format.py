"""The browser bundle's layout and constants, declared once.

archive/search/search_index.py writes the bundle; search/archive-search.js (and any Python reader) reads
it. Everything both sides must agree on is here and goes into base.js as `format`
(`client_format()`), so the JavaScript holds no copy of a constant, a record kind or a row
position: it reads them from the bundle it is given. Encodings (varints, document lists) are
described in search/README.md; this module imports nothing heavy, so a reader starts fast.
"""

from __future__ import annotations

import datetime as dt

from archive.search.query import FIELD_PREFIXES, FIELD_COLONS, MINUS, QUOTES, SEPARATOR
from archive.search.tokenizer import DROPPED

FORMAT_VERSION = 7  # 7: a long root keeps its frequent strings whole, its buckets paged by group
# Base-64 digits of varints (5 bits a character, the 6th meaning 'more') and of bitmaps.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
BITMAP = "~"  # a document list written as a bitmap, 6 documents per character, starts with this
# A segment's row in base.js: its key, the numbers of its documents (NUMBER_RUNS), its bucket
# width, the alias groups it holds, its tier.
SEGMENT_FIELDS = ("key", "numbers", "width", "groups", "tier")
DEAD = -1  # the number of a segment's document that is no longer live (edited or deleted since)
# Record kinds, by number: frequent string -> documents, bucket of suffixes, jieba word ->
# documents; kind 3 is a page directory entry of a long root.
RECORD_KINDS = ("f", "b", "w")
PAGE_KIND = 3
# A document's result row (<segment>/m<i>.js), field by field; `rest` is the number of the
# segment's pack (x<k>.js) holding the text past the opening, -1 for none.
ROW_FIELDS = ("id", "url", "title", "date", "doc_type", "departments", "doc_number", "source", "meta",
              "rest", "opening")
# Kinds of a segment's records that tiers group into files (grams, roots, department alias groups,
# pages of long roots): the virtual file <segment>/<kind><n> is part of the file
# <tier>/<kind><n mod the tier's count for the kind>.
SHARD_KINDS = "grap"
# Of those, the kinds found by key_hash modulo the tier's file count for the kind (grams, roots);
# alias groups and pages are named by number and their file is that number modulo the count.
RENUMBERED_KINDS = "gr"
WORD_MIN, WORD_MAX = 2, 18  # lengths of the jieba words listed for the ranking bonus
MAX_CHUNKS = 4  # pieces of a term longer than the stored context looked up; the rest is checked in text
# Ranking: a term's hit counts this much more in the metadata than in the body, and this much
# more again when the term is a whole jieba word of the document.
META_WEIGHT = 3
WORD_BONUS = 1.5


def client_format() -> dict:
    """What base.js carries for the JavaScript reader: the layout above and the query syntax."""
    return {
        "alphabet": ALPHABET,
        "bitmap": BITMAP,
        "record_kinds": list(RECORD_KINDS),
        "page_kind": PAGE_KIND,
        "row": list(ROW_FIELDS),
        "segment": list(SEGMENT_FIELDS),
        "dead": DEAD,
        "shard_kinds": SHARD_KINDS,
        "word_lengths": [WORD_MIN, WORD_MAX],
        "max_chunks": MAX_CHUNKS,
        "meta_weight": META_WEIGHT,
        "word_bonus": WORD_BONUS,
        "dropped": "".join(sorted(DROPPED)),
        "quotes": QUOTES,
        "minus": list(MINUS),
        "field_prefixes": FIELD_PREFIXES,
        "field_colons": list(FIELD_COLONS),
        "separator": SEPARATOR,
    }


EPOCH = dt.date(1970, 1, 1)  # dates are days from it, negative before it


def day_number(date: str | None) -> int | None:
    """Days from 1970-01-01 (negative before it) of a YYYY-MM-DD date, None for none."""
    return (dt.date.fromisoformat(date) - EPOCH).days if date else None


# Decoding, in plain Python (the writer's numpy encoders are in archive/search/search_index.py).
DIGIT = {char: value for value, char in enumerate(ALPHABET)}


def read_varint(text: str, at: int) -> tuple[int, int]:
    """The varint starting at text[at]: (value, index after it)."""
    value = shift = 0
    while True:
        digit = DIGIT[text[at]]
        at += 1
        value += (digit & 31) << shift
        if not digit & 32:
            return value, at
        shift += 5


def decode_varints(text: str) -> list[int]:
    out, at = [], 0
    while at < len(text):
        value, at = read_varint(text, at)
        out.append(value)
    return out


def decode_doc_list(text: str) -> list[int]:
    """A document list: delta varints, or BITMAP and 6 documents per character."""
    if text.startswith(BITMAP):
        return [(i - 1) * 6 + bit for i in range(1, len(text)) for bit in range(6) if DIGIT[text[i]] >> bit & 1]
    out, number = [], -1
    for delta in decode_varints(text):
        number += delta + 1
        out.append(number)
    return out


def number_runs(numbers: list[int]) -> list[int]:
    """A segment's document numbers by place, as runs [first, length, ...]: a run of consecutive
    numbers (one run for a segment built whole) or of DEAD places."""
    runs: list[int] = []
    for number in numbers:
        if runs and (runs[-2] == number == DEAD or (DEAD != runs[-2] and runs[-2] + runs[-1] == number)):
            runs[-1] += 1
        else:
            runs += [number, 1]
    return runs


def expand_runs(runs: list[int]) -> list[int]:
    """The numbers number_runs encoded."""
    return [first if first == DEAD else first + k for first, length in zip(runs[::2], runs[1::2])
            for k in range(length)]


def zigzag(value: int) -> int:
    """A signed number as a varint can hold it: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ..."""
    return value * 2 if value >= 0 else -value * 2 - 1


def unzigzag(value: int) -> int:
    return -(value + 1) // 2 if value % 2 else value // 2


def day_runs(stored: list[int]) -> list[int]:
    """Documents' stored days (number order) as runs: the first run's day and length, then for each
    next run the step from the day before it (zigzag) and its length. Documents come newest first,
    so steps are small: at 10,000 documents 2.6 KB over gzip, where absolute days took 8.9 KB."""
    runs: list[int] = []
    previous = None
    for day in stored:
        if previous == day:
            runs[-1] += 1
        else:
            runs += [day if previous is None else zigzag(previous - day), 1]
            previous = day
    return runs


def stored_days(runs: list[int]) -> list[int]:
    """Each document's stored day, from day_runs."""
    days: list[int] = []
    for index in range(0, len(runs), 2):
        day = runs[0] if index == 0 else days[-1] - unzigzag(runs[index])
        days += [day] * runs[index + 1]
    return days


def key_hash(text: str) -> int:
    """h = h * 31 + code point, modulo 2**32: which shard a key's records are in (both readers)."""
    value = 0
    for char in text:
        value = (value * 31 + ord(char)) & 0xFFFFFFFF
    return value
