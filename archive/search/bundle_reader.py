"""A Python reader of the browser search bundle (format 7, search/README.md): the second reader of
the files archive/search/search_index.py writes, beside search/archive-search.js.

Given a built site folder and a query, `Bundle.evaluate_all` returns exactly the documents the
browser returns, by the same lookups in the same files: 1- and 2-character grams, root records,
frequent strings and their pages, front-coded buckets, terms longer than the stored context looked
up in pieces and checked in text, department alias groups, and `title:`/`doc_number:` checked in
the row. `Bundle.row` and `Bundle.text` give a document's result row and its whole text (for
snippets). The browser's jieba-word bonus is ranking only and is not read here: staff search ranks
with Whoosh.

The format's layout and constants come from archive/search/bundle_format.py (the declaration the writer
and base.js's `format` share) and base.js (context, aliases, dates). The query is parsed by
archive.search.query.parse_query with the aliases base.js holds. Nothing heavy is imported: staff search
must answer in a fraction of a second.

The index files count lengths in UTF-16 units (what JavaScript strings index); records are read
in that representation (`_units`), so a character outside the BMP is two units here as there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from archive.search.bundle_format import (DEAD, DIGIT, EPOCH, FORMAT_VERSION, MAX_CHUNKS, PAGE_KIND, RECORD_KINDS,
                                          ROW_FIELDS, SEGMENT_FIELDS, SHARD_KINDS, decode_doc_list, decode_varints,
                                          expand_runs, key_hash, read_varint, stored_days)
from archive.search.query import Term, parse_query
from archive.search.tokenizer import fold

REGISTER = "ArchiveSearch.register("
ROW = {name: index for index, name in enumerate(ROW_FIELDS)}


class BundleError(Exception):
    """The site folder holds no bundle this reader can read; the message says what to do."""


def _units(text: str) -> str:
    """text with every character outside the BMP written as its two UTF-16 surrogates."""
    if not text or max(text) < "\U00010000":
        return text
    return "".join(c if c < "\U00010000" else chr(0xD7C0 + (ord(c) >> 10)) + chr(0xDC00 + (ord(c) & 0x3FF))
                   for c in text)


def _read_chars(s: str, i: int, count: int) -> tuple[str, int]:
    """`count` code points of the unit string s from i: (their units, next index)."""
    start = i
    for _ in range(count):
        i += 2 if "\ud800" <= s[i] < "\udc00" else 1
    return s[start:i], i


def _code_points(units: str) -> list[str]:
    """The code points of a unit string, each as its units."""
    out, i = [], 0
    while i < len(units):
        char, i = _read_chars(units, i, 1)
        out.append(char)
    return out


@dataclass
class Records:
    """One parsed run of records: key suffix -> payload per kind, and a long root's page directory."""

    f: dict[str, str] = field(default_factory=dict)  # frequent strings -> document list pair
    b: dict[str, str] = field(default_factory=dict)  # buckets -> front-coded entries
    w: dict[str, str] = field(default_factory=dict)  # jieba words -> documents (ranking only)
    pages: list[tuple[str, int]] = field(default_factory=list)


def _parse_records(s: str, start: int = 0, end: int | None = None) -> Records:
    out, i = Records(), start
    end = len(s) if end is None else end
    while i < end:
        head = DIGIT[s[i]]
        kind = head >> 4
        key, i = _read_chars(s, i + 1, head & 15)
        size, i = read_varint(s, i)
        if kind == PAGE_KIND:
            out.pages.append((key, size))
            continue
        getattr(out, RECORD_KINDS[kind])[key] = s[i:i + size]
        i += size
    return out


def _list_pair(payload: str) -> tuple[str, str]:
    size, at = read_varint(payload, 0)
    return payload[at:at + size], payload[at + size:]


@dataclass
class Segment:
    key: str
    numbers: list[int]  # the number of the document at each place, DEAD where it is no longer live
    width: int
    groups: frozenset[int]
    tier: int


@dataclass
class Hit:
    meta: bool = False  # the term occurs in the document's metadata


@dataclass
class Evaluation:
    results: list[tuple[Term, dict[int, Hit]]]  # every evaluated term and its hits
    current: set[int] | None  # documents every positive term found (None without positive terms)


class Bundle:
    """The bundle of one built site (site_dir/search/data/), its files read on demand."""

    def __init__(self, site_dir: Path):
        self.folder = Path(site_dir) / "search" / "data"
        self.files: dict[str, Any] = {}
        self.parsed: dict[str, Any] = {}
        base = self.load("base")
        if base.get("version") != FORMAT_VERSION:
            raise BundleError(f"{self.folder / 'base.js'}: a search bundle of format {base.get('version')}, "
                              f"this reader reads format {FORMAT_VERSION}; run `python build.py build` to rebuild it")
        self.base = base
        self.count: int = base["count"]
        self.context: int = base["context"]
        self.segments = []
        for fields in base["segments"]:
            row = dict(zip(SEGMENT_FIELDS, fields))
            self.segments.append(Segment(row["key"], expand_runs(row["numbers"]), row["width"],
                                         frozenset(row["groups"]), row["tier"]))
        self.by_key = {seg.key: seg for seg in self.segments}
        # Where each live document is: (segment, place).
        self.place = {number: (seg, local) for seg in self.segments
                      for local, number in enumerate(seg.numbers) if number != DEAD}
        self.aliases = {form: tuple(forms) for forms in base["aliases"] for form in forms}
        self.group_of = {tuple(forms): group for group, forms in enumerate(base["aliases"])}
        # 1 + days after the earliest date, 0 for undated (search_index.date_runs)
        self.days = [stored - 1 + base["date_origin"] if stored else None
                     for stored in stored_days(decode_varints(base["dates"]))]

    def load(self, name: str) -> Any:
        if name not in self.files:
            pack = self.pack_of(name)
            if pack is not None:
                self.files[name] = self.load(pack).get(name, "")
                return self.files[name]
            path = self.folder / f"{name}.js"
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as error:
                raise BundleError(f"{path}: cannot read the search bundle ({error.strerror}); "
                                  "run `python build.py build` first") from None
            head = REGISTER + json.dumps(name) + ","
            if not text.startswith(head):
                raise BundleError(f"{path}: not a search bundle file; run `python build.py build`")
            self.files[name], _ = json.JSONDecoder().raw_decode(text, len(head))
        return self.files[name]

    def pack_of(self, name: str) -> str | None:
        """The tier file holding a segment's virtual file <segment>/<kind><n> (SHARD_KINDS), or None."""
        key, _, rest = name.partition("/")
        seg = self.by_key.get(key) if rest else None
        if seg is None or rest[0] not in SHARD_KINDS:
            return None
        tier = self.base["tiers"][seg.tier]
        return f"{tier[0]}/{rest[0]}{int(rest[1:]) % tier[1 + SHARD_KINDS.index(rest[0])]}"

    def _parsed(self, name: str, parser) -> Any:
        if name not in self.parsed:
            self.parsed[name] = parser()
        return self.parsed[name]

    # -- query -----------------------------------------------------------------------------------

    def parse(self, query: str) -> list[Term]:
        return parse_query(query, self.aliases)

    def group(self, term: Term) -> int | None:
        """The alias group a term stands for (archive-search.js parse: unquoted, no field)."""
        if term.phrase or term.field is not None or term.text not in self.aliases:
            return None
        return self.group_of[term.alternatives]

    def evaluate_all(self, terms: list[Term]) -> Evaluation:
        """Positive terms one after another, each within the documents the earlier ones found,
        then the excluded terms within those."""
        results, current = [], None
        for term in [t for t in terms if not t.exclude]:
            if current is not None and not current:
                break
            hits = self.evaluate(term, current)
            results.append((term, hits))
            current = set(hits)
        for term in [t for t in terms if t.exclude]:
            if current is not None and not current:
                break
            results.append((term, self.evaluate(term, current)))
        return Evaluation(results, current)

    def matching(self, evaluation: Evaluation) -> list[int]:
        """Document numbers the query returns (newest first)."""
        docs = sorted(evaluation.current) if evaluation.current is not None else list(range(self.count))
        for term, hits in evaluation.results:
            if term.exclude:
                docs = [d for d in docs if d not in hits]
        return docs

    def evaluate(self, term: Term, restrict: set[int] | None = None) -> dict[int, Hit]:
        hits: dict[int, Hit] = {}

        def add(seg: Segment, local: int, meta: bool) -> None:
            doc = seg.numbers[local]
            if doc == DEAD or (restrict is not None and doc not in restrict):
                return
            hit = hits.setdefault(doc, Hit())
            hit.meta = hit.meta or meta

        group = self.group(term)
        for seg in self.segments:
            if group is not None:
                if group in seg.groups:
                    every, meta = self.load(f"{seg.key}/a{group}")
                    in_meta = set(decode_doc_list(meta))
                    for local in decode_doc_list(every):
                        add(seg, local, local in in_meta)
                continue
            for alternative in term.alternatives:
                for local, meta in self.alt_docs(seg, alternative, term.field).items():
                    add(seg, local, meta)
        return hits

    def alt_docs(self, seg: Segment, alt: str, field_name: str | None) -> dict[int, bool]:
        """Local documents (-> meta hit) of one alternative in one segment, exactly."""
        cps, k = list(alt), self.context
        if len(cps) <= k:
            pieces = [alt]
        else:
            # Longer than the stored context: documents holding a few pieces, checked in text.
            offsets = list(range(0, len(cps) - k + 1, k))
            if offsets[-1] != len(cps) - k:
                offsets.append(len(cps) - k)
            if len(offsets) > MAX_CHUNKS:
                step = (len(offsets) - 1) / (MAX_CHUNKS - 1)
                offsets = [offsets[_js_round(p * step)] for p in range(MAX_CHUNKS)]
            pieces = ["".join(cps[o:o + k]) for o in offsets]
        candidates: dict[int, bool | None] | None = None
        for piece in pieces:
            if candidates is not None and not candidates:
                break
            docs, check = self.lookup(seg, piece)
            found: dict[int, bool | None] = {}
            for d, meta in docs.items():
                if candidates is None or d in candidates:
                    found[d] = None if len(pieces) > 1 else meta
            for d in check:
                if candidates is None or d in candidates:
                    found[d] = None
            candidates = found
        out = {}
        for d, meta in candidates.items():
            if seg.numbers[d] == DEAD:  # its document changed since the segment was built
                continue
            if meta is None or field_name:
                in_meta, anywhere = self.check_text(seg, d, alt, field_name)
                if anywhere:
                    out[d] = in_meta
            else:
                out[d] = meta
        return out

    def lookup(self, seg: Segment, alt: str) -> tuple[dict[int, bool], set[int]]:
        """Local documents of a string of at most `context` characters (or its first `context`):
        (document -> meta hit, documents to check in text)."""
        cps = _code_points(_units(alt))
        length, k = len(cps), self.context
        docs: dict[int, bool] = {}
        check: set[int] = set()

        def add_list(every: str, meta: str, to_check: bool) -> None:
            in_meta = set(decode_doc_list(meta))
            for d in decode_doc_list(every):
                if to_check:
                    check.add(d)
                else:
                    docs[d] = d in in_meta

        if length <= 2:
            name = self._gram_shard(seg, alt)
            self.load(name)
            payload = self._parsed(name, lambda: _parse_records(_units(self.files[name]))).f.get(_units(alt))
            if payload is not None:
                add_list(*_list_pair(payload), False)
            return docs, check
        recs = self._root_records(seg, "".join(cps[:3]))
        if recs is None:
            return docs, check
        top, j = min(length, k), 0
        for m in range(top, 2, -1):
            if "".join(cps[3:m]) in recs.f:
                j = m
                break
        if j == top:
            add_list(*_list_pair(recs.f["".join(cps[3:j])]), length > k)
            return docs, check
        depth = j + 1 if j else 3
        entries = self._bucket(seg, recs, "".join(cps[3:depth]))
        if entries is None:
            return docs, check
        key, i = cps[:depth], 0
        while i < len(entries):
            c1, fresh = DIGIT[entries[i]], DIGIT[entries[i + 1]]
            i += 2
            shared, complete = (c1 >> 1) + depth, c1 & 1
            del key[shared:]
            for _ in range(fresh):
                char, i = _read_chars(entries, i, 1)
                key.append(char)
            doc = 0
            for _ in range(seg.width):
                doc = doc * 64 + DIGIT[entries[i]]
                i += 1
            if key[depth:min(length, len(key))] != cps[depth:min(length, len(key))]:
                continue
            local, meta = doc >> 1, bool(doc & 1)
            if length <= len(key):
                docs[local] = docs.get(local, False) or meta
            elif not complete:
                check.add(local)
        return docs, check

    def shard_count(self, seg: Segment, kind: str) -> int:
        """The number grams or roots (RENUMBERED_KINDS) are found by in a segment: key_hash modulo
        its tier's file count for the kind."""
        return self.base["tiers"][seg.tier][1 + SHARD_KINDS.index(kind)]

    def _gram_shard(self, seg: Segment, gram: str) -> str:
        return f"{seg.key}/g{key_hash(gram) % self.shard_count(seg, 'g')}"

    def _root_records(self, seg: Segment, root: str) -> Records | None:
        """The records of one root (in units) in a segment; None when no suffix starts with it."""
        name = f"{seg.key}/r{key_hash(_from_units(root)) % self.shard_count(seg, 'r')}"
        self.load(name)

        def spans() -> tuple[str, dict[str, tuple[int, int]]]:
            s, found, i = _units(self.files[name]), {}, 0
            while i < len(s):
                key, i = _read_chars(s, i, 3)
                size, i = read_varint(s, i)
                found[key] = (i, i + size)
                i += size
            return s, found

        s, found = self._parsed(name, spans)
        if root not in found:
            return None
        return self._parsed(f"{name}#{root}", lambda: _parse_records(s, *found[root]))

    def _bucket(self, seg: Segment, recs: Records, suffix: str) -> str | None:
        """A bucket's entries, from the root's own record or from the page that holds it (a long
        root keeps its frequent strings whole and its buckets in pages)."""
        direct = recs.b.get(suffix)
        if direct is not None:
            return direct
        # The last page starting at or before it, if its keys begin with the same character (a
        # page holds one group's buckets, so no other page can hold this one).
        page = None
        for first, number in recs.pages:
            if first > suffix:
                break
            page = first, number
        if page is None or _from_units(page[0])[:1] != _from_units(suffix)[:1]:
            return None
        name = f"{seg.key}/p{page[1]}"
        self.load(name)
        return self._parsed(name, lambda: _parse_records(_units(self.files[name]))).b.get(suffix)

    def check_text(self, seg: Segment, local: int, alt: str, field_name: str | None) -> tuple[bool, bool]:
        """Whether the document's folded text holds alt: (in its metadata, anywhere)."""
        row = self.load(f"{seg.key}/m{local}")
        if field_name:
            found = alt in field_text(row, field_name)
            return found, found
        if alt in row[ROW["meta"]]:
            return True, True
        # Text is folded character by character: the folded opening begins the folded text.
        in_opening = alt in fold(row[ROW["opening"]])
        if in_opening or row[ROW["rest"]] < 0:
            return False, in_opening
        return False, alt in fold(self._text(seg, local))

    # -- documents -------------------------------------------------------------------------------

    def row(self, doc: int) -> dict[str, Any]:
        """A result's row as the browser shows it."""
        seg, local = self.place[doc]
        return dict(zip(ROW_FIELDS, self.load(f"{seg.key}/m{local}")))

    def text(self, doc: int) -> str:
        return self._text(*self.place[doc])

    def _text(self, seg: Segment, local: int) -> str:
        row = self.load(f"{seg.key}/m{local}")
        rest = row[ROW["rest"]]
        return row[ROW["opening"]] + (self.load(f"{seg.key}/x{rest}")[str(local)] if rest >= 0 else "")

    # -- filters (archive-search.js filterTest) --------------------------------------------------

    def year(self, doc: int) -> str:
        day = self.days[doc]
        return "undated" if day is None else str((EPOCH + timedelta(days=day)).year)

    def labels(self, facet: str) -> dict[str, set[int]]:
        """Facet (type, department, topic) label -> its documents."""
        def read() -> dict[str, set[int]]:
            return {label: set(decode_doc_list(docs)) for label, docs in self.load(f"f-{facet}")}
        return self._parsed(f"f-{facet}", read)


def field_text(row: list, field_name: str) -> str:
    """A metadata field's folded value from a row, as archive.search.query.folded_fields makes it."""
    if field_name == "title":
        return fold(row[ROW["title"]])
    return fold(row[ROW["doc_number"]]) if row[ROW["doc_number"]] else ""


def _from_units(units: str) -> str:
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def _js_round(value: float) -> int:
    """Math.round: halves round up (Python's round goes to even)."""
    return int(value + 0.5)

