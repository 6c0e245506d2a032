"""What a search query means, in Python: the twin of the parser in search/archive-search.js.

Both sides read a query the same way:

* whitespace separates terms, and every term must occur (`2024 招商`);
* `"…"` (also “…”) is one exact term, whitespace inside it ignored, never expanded;
* `-term` or `-"…"` excludes documents containing it;
* `title:…` and `doc_number:…` (标题：…, 文号：…) look in that field only;
* an unquoted term that is a department's name or short form also matches the department's
  other names (发改委 finds 区发展改革委) — the one place where a result need not contain the term;
* terms match as substrings of the folded text (archive.search.tokenizer.fold) of what the document's
  page shows (archive.site.shown): the metadata fields (title, 发文字号, issuer, departments, topics,
  type, …) and everything else, the body first.

`matches` is the reference semantics: the browser index and the staff index must return exactly
the documents for which it is true (tests/test_search_recall.py holds them to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from archive.search.tokenizer import DROPPED, fold

# A term written prefix:text looks in one field only; the prefix in English or Chinese, the colon
# half- or full-width (标题：规划).
FIELD_PREFIXES = {"title": "title", "标题": "title", "doc_number": "doc_number", "文号": "doc_number",
                  "发文字号": "doc_number"}
FIELD_COLONS = (":", "：")
QUOTES = {"“": '"', "”": '"', "＂": '"'}
MINUS = ("-", "－")
# Separates metadata values in the folded metadata field so no match spans two of them; folding
# drops every control character, so no query can contain it.
SEPARATOR = "\x00"


@dataclass(frozen=True)
class Term:
    text: str  # folded
    alternatives: tuple[str, ...]  # folded strings any of which satisfies the term
    exclude: bool = False
    phrase: bool = False
    field: str | None = None


def folded_fields(fields: dict[str, list[str]], text: str) -> tuple[dict[str, str], str, str]:
    """(folded value per metadata field, folded metadata field, folded text) of what a page shows
    (archive.site.shown.Shown's fields and text)."""
    per_field = {key: SEPARATOR.join(fold(v) for v in values) for key, values in fields.items()}
    meta = SEPARATOR.join(value for value in per_field.values() if value)
    return per_field, meta, fold(text)


def department_aliases(table: Any) -> dict[str, tuple[str, ...]]:
    """Folded name or short form -> every folded name of that department, for query expansion.
    Collective references (各街（镇）) name no single body and are not expanded."""
    aliases: dict[str, tuple[str, ...]] = {}
    for department in table:
        if department.collective:
            continue
        forms = tuple(sorted({fold(form) for form in department.surface_forms} - {""}))
        for form in forms:
            aliases[form] = forms
    return aliases


def parse_query(query: str, aliases: dict[str, tuple[str, ...]] | None = None) -> list[Term]:
    """The query's terms, duplicates removed, in the order typed."""
    aliases = aliases or {}
    text = "".join(QUOTES.get(char, char) for char in query)
    terms: list[Term] = []
    seen = set()
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char in DROPPED:
            index += 1
            continue
        exclude = False
        if char in MINUS and index + 1 < length and text[index + 1] not in DROPPED:
            exclude = True
            index += 1
        phrase = text[index] == '"'
        if phrase:
            end = text.find('"', index + 1)
            end = length if end < 0 else end
            raw = text[index + 1:end]
            index = end + 1
        else:
            end = index
            while end < length and text[end] not in DROPPED and text[end] != '"':
                end += 1
            raw = text[index:end]
            index = end
        field = None
        if not phrase:
            at = min((raw.find(colon) for colon in FIELD_COLONS if colon in raw), default=-1)
            if raw[:at] in FIELD_PREFIXES and 0 < at < len(raw) - 1:
                field, raw = FIELD_PREFIXES[raw[:at]], raw[at + 1:]
        folded = fold(raw)
        if not folded:
            continue
        alternatives = aliases.get(folded, (folded,)) if not phrase and field is None else (folded,)
        key = (folded, exclude, phrase, field)
        if key not in seen:
            seen.add(key)
            terms.append(Term(folded, alternatives, exclude, phrase, field))
    return terms


def term_matches(term: Term, per_field: dict[str, str], meta: str, body: str) -> bool:
    if term.field is not None:
        haystacks: Iterable[str] = (per_field[term.field],)
    else:
        haystacks = (meta, body)
    return any(alternative in haystack for alternative in term.alternatives for haystack in haystacks)


def matches(terms: list[Term], per_field: dict[str, str], meta: str, body: str) -> bool:
    """True when every included term occurs and no excluded one does; an empty query matches all."""
    return all(term_matches(term, per_field, meta, body) != term.exclude for term in terms)
