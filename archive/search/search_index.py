"""The browser search bundle (format 6, its layout in archive/search/bundle_format.py): a suffix array per
segment of documents, served as static .js pages. Format and reasoning: search/README.md.

In short: every document gets a number (newest first) and one folded text, its metadata, a
separator, its body. Documents are cut into segments, kept between builds while half their
documents are unchanged (plan_segments: an edited document's old place goes dead and the edited
document makes a segment of its own). Per segment, the suffix array of the folded texts
(pydivsufsort) is read with numpy into three kinds of record, all keyed so that one query term
reads one file per tier (a tier groups segments' records into files, plan_tiers):

* 1- and 2-character grams -> the documents holding them (and those holding them in the
  metadata), and jieba words -> documents (ranking only);
* frequent strings (3..context characters occurring at least `frequent` times, Limits) -> their documents;
* buckets: the suffixes below a frequent string (or below an infrequent 3-character root), in
  suffix order, each with enough of its context to tell it from its neighbours (at least
  min_context, at most context characters, front-coded), and its document. A query's range in a
  bucket is exact; a suffix whose stored context ends before the query does is the only candidate
  left and is checked against the document's text.

Everything per suffix is numpy; per document work (folding, jieba, department names) runs on all
cores and is cached by content hash.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import multiprocessing
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import ahocorasick
import numpy as np
import rjsmin
from pydivsufsort import divsufsort, kasai

from archive.departments import DepartmentTable
from archive.document import DOC_TYPES
from archive.search.bundle_format import (ALPHABET, BITMAP, DEAD, FORMAT_VERSION, PAGE_KIND, RECORD_KINDS, RENUMBERED_KINDS, ROW_FIELDS,
                                          SEGMENT_FIELDS, SHARD_KINDS, WORD_MAX, client_format, day_number, day_runs, key_hash,
                                          number_runs)
from archive.search.query import SEPARATOR, department_aliases, folded_fields
from archive.search.tokenizer import ANALYSIS_VERSION, Segmenter, fold_table_for, segmenter
from archive.site import urls
from archive.site.cache import read_pickle, write_pickle
from archive.site.shown import Shown
from archive.workers import available_cores, worker_pool

ANALYSIS_FORMAT = 2  # what _analyse returns (2: words as one string)
FREQUENT_KIND, BUCKET_KIND, WORD_KIND = (RECORD_KINDS.index(kind) for kind in "fbw")
WORD_CHARS = 2_000  # body characters cut into jieba words (see word_text)
OPENING = 2_000  # characters of a document's text kept in its result row (most snippets are there)
PARALLEL_MIN = 200  # below this many uncached documents a process pool costs more than it saves
ANALYSIS_INDEX = "analysis-index.pickle"  # in the store: content hash -> (segment, place) of its analysis
SEGMENT_ANALYSES = "analyses.json"  # in a segment's folder: its documents' analyses, in number order
SEGMENT_WORDS = "words.json"  # in a segment's folder: the analyses' words alone, for the staff index
BUNDLE_CACHE = "bundle-segments"  # in the store: built segments, hard-linked into the site
TIER_CACHE = "bundle-tiers"  # in the store: built tiers, hard-linked into the site
TIER_STATE = "bundle-tiers.pickle"  # in the store: the tiers of the last build
SEGMENT_STATE = "bundle-segments.pickle"  # in the store: the last build's segments and their documents
CLIENT_FILES = ("archive-search.js", "highlight.js", "search-page.js", "search.css")
REPO_SEARCH = Path(__file__).resolve().parents[2] / "search"
DOC_END = "\x01"  # between documents in a segment's text; folding drops it, so no query holds it
SEGMENT_LAYOUT = 4  # what a cached segment's folder holds (its files' names); a change rebuilds every segment
PART_FILES = 16  # files a segment keeps its records of one kind in (see _tier_files); a power of two
TIER_IN_PROCESS = 8  # segments a build groups into tiers in this process; more go to a worker
LINK_THREADS = 4  # threads hard-linking segment files into the site
SHORT = 64  # lists shorter than this are encoded in plain Python (see varints)
_DIGITS = np.frombuffer(ALPHABET.encode("ascii"), np.uint8).astype(np.uint32)


@dataclass(frozen=True)
class Limits:
    """The thresholds a bundle is built with. The defaults suit real archives; tests lower them so
    that small fixtures reach every branch (frequent strings, paged roots, long terms, many shards,
    segments and tiers). They travel with each segment's job, so worker processes build with them too."""

    context: int = 12  # characters of context a suffix keeps at most; longer terms are checked against text
    min_context: int = 6  # characters a bucket entry keeps at least (its text allowing): a term no longer
    # than this is never checked against text, whatever the neighbours of its suffix
    frequent: int = 256  # occurrences in a segment from which a string's document list is stored whole
    gram_shards: int = 16384  # a segment's gram records by key_hash modulo this (tiers group them into files)
    root_shards: int = 65536  # likewise for root records; a tier's file count is a divisor of it
    alias_shards: int = 64  # likewise for department alias groups (by group number)
    tier_target: int = 24_000  # characters per tier file the tier's file counts aim at
    page: int = 1_500  # a root record longer than this keeps its buckets in pages (_root_records). At 10,000
    # documents the index files of bench/queries.yaml and of 2023年, 国务院, 上海市长宁区 and 通知 were 510 KB
    # over gzip at 1,500, 592 KB at 3,000 and 650 KB at 800 (long directories of small pages)
    rest_pack: int = 8_000  # characters per file of documents' text past their opening (a snippet past
    # the opening reads one: at 32,000 the first ten results of a rare term read 230 KB of packs)
    segment_docs: int = 256  # expected documents per segment (a boundary follows 1 in this many documents)
    segment_max: int = 512  # hard cap on a segment built whole (a first build, a merge)
    max_tiers: int = 4  # tiers a query reads at most (one file per term and tier)
    small_segments: int = 8  # small segments (under `small` documents) at most: each edit leaves
    # one, and each costs every query a little; reaching this many, they are built again as one
    gram_chunk: int = 1 << 22  # positions whose 1- or 2-character grams are listed at once: bounds memory
    root_chunk: int = 1 << 17  # suffix-array rows handled at once (whole roots): bounds a segment's memory

    @property
    def small(self) -> int:
        """A segment of fewer documents than this is small (see plan_segments and segments_of)."""
        return max(1, self.segment_docs // 4)

    @property
    def native_shards(self) -> dict[str, int]:
        """Each shard kind's virtual files per segment: a tier's file count for it divides this."""
        return {"g": self.gram_shards, "r": self.root_shards, "a": self.alias_shards, "p": self.root_shards}

    @property
    def output_key(self) -> str:
        """The limits a segment's files depend on (chunk sizes bound memory, not what is written;
        segment sizes decide which documents a segment holds, which its key already names)."""
        return f"{self.context}/{self.min_context}/{self.frequent}/{self.gram_shards}/{self.root_shards}/{self.page}/{self.rest_pack}"


# ---------------------------------------------------------------------------------------------
# Encodings shared with search/archive-search.js


def varint_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Base-64 varints (5 bits a character, low bits first, the 6th bit meaning 'more') of every
    value, as one array of character codes, and each value's character count."""
    values = np.asarray(values, np.int64)
    if len(values) and values.min() < 0:
        # Varints carry no sign: a negative value would loop forever below (its shifts stay -1).
        raise ValueError(f"varints are non-negative; got {int(values.min())}")
    count = np.ones(len(values), np.int64)
    rest = values >> 5
    while rest.any():
        count += rest > 0
        rest >>= 5
    starts = np.cumsum(count) - count
    k = np.arange(int(count.sum())) - np.repeat(starts, count)
    digits = (np.repeat(values, count) >> (5 * k)) & 31
    digits |= (k < np.repeat(count, count) - 1) * 32
    return _DIGITS[digits], count


def _varint(value: int) -> str:
    if value < 0:
        raise ValueError(f"varints are non-negative; got {value}")
    out = []
    while value >= 32:
        out.append(ALPHABET[32 | (value & 31)])
        value >>= 5
    out.append(ALPHABET[value])
    return "".join(out)


def varints(values) -> str:
    # Records are hundreds of thousands and most carry one or two short numbers: numpy's per-call
    # cost (~100 us) dominated the whole build, so short lists are encoded in plain Python.
    if not isinstance(values, np.ndarray):
        values = list(values)
        if len(values) < SHORT:
            return "".join(_varint(int(v)) for v in values)
    codes, _ = varint_codes(np.asarray(values, np.int64))
    return codes.astype(np.uint8).tobytes().decode("ascii")


def doc_list(numbers: np.ndarray, count: int) -> str:
    """Ascending document numbers as delta varints or, when shorter, a bitmap."""
    if len(numbers) < SHORT and len(numbers) * 6 <= count + 6:
        out, last = [], -1
        for number in numbers:
            number = int(number)
            out.append(_varint(number - last - 1))
            last = number
        return "".join(out)
    numbers = np.asarray(numbers, np.int64)
    if len(numbers) * 6 > count + 6:
        bits = np.zeros((count + 5) // 6, np.int64)
        np.add.at(bits, numbers // 6, 1 << (numbers % 6))
        return BITMAP + _DIGITS[bits].astype(np.uint8).tobytes().decode("ascii")
    return varints(np.diff(numbers, prepend=-1) - 1)


def _utf16_units(codes: np.ndarray) -> np.ndarray:
    return 1 + (codes > 0xFFFF)


def _text(codes: np.ndarray) -> str:
    return np.ascontiguousarray(codes, dtype="<u4").tobytes().decode("utf-32-le")


def _ragged(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For records of these lengths: (record of each element, index of each element within it)."""
    lengths = np.asarray(lengths, np.int64)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    return owner, np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _interleave(columns: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Records made of columns: each column is (lengths per record, codes of all records back to
    back). Returns (codes of all records, one after another; length of each record)."""
    lengths = sum(np.asarray(length, np.int64) for length, _ in columns)
    out = np.zeros(int(lengths.sum()), np.uint32)
    # Element j of a column goes to j + (where its record starts in out, plus the record's earlier
    # columns, less where the record starts in the column): one repeat per column.
    shift = np.cumsum(lengths) - lengths
    for length, codes in columns:
        length = np.asarray(length, np.int64)
        column_start = np.cumsum(length) - length
        out[np.arange(len(codes)) + np.repeat(shift - column_start, length)] = codes
        shift += length
    return out, lengths


def _column_of_strings(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    codes = np.frombuffer("".join(strings).encode("utf-32-le"), np.uint32)
    return np.array([len(s) for s in strings], np.int64), codes


def _varint_column(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, count = varint_codes(values)
    return count, codes


def _one(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ones(len(codes), np.int64), np.asarray(codes, np.uint32)


# ---------------------------------------------------------------------------------------------
# Per document


_WORKER: dict[str, Any] = {}


def word_text(values: dict[str, list[str]], plain: str) -> str:
    """The text whose jieba words earn the ranking bonus: the metadata and the body's first
    WORD_CHARS characters. A document's subject is in its title and opening; cutting whole bodies
    was most of a first build's time (8 minutes for 10,000 documents) and filled the staff index
    with postings that hardly move its ranking."""
    return "\n".join([*(v for vs in values.values() for v in vs), plain[:WORD_CHARS]])


def document_words(tokenizer: Segmenter, values: dict[str, list[str]], plain: str) -> str:
    """A document's jieba words for ranking, each once, sorted, as one space-separated string
    (folded words hold no spaces): what the bundle caches and the staff index reads."""
    return " ".join(sorted(set(tokenizer.words(word_text(values, plain)))))


def _analyse(item: tuple[dict, str]) -> dict:
    """What the bundle needs of one document; spread over cores and cached by content hash."""
    values, plain = item
    _, meta, body = folded_fields(values, plain)
    groups = []
    pattern = _WORKER["pattern"]
    if pattern is not None:
        found_meta = {form for _, form in pattern.iter(meta)}
        found_body = {form for _, form in pattern.iter(body)}
        by_form = _WORKER["group_of"]
        for form in sorted(found_meta | found_body):
            groups.append((by_form[form], form in found_meta))
    # Words as one string: a list of 650 strings per document took several times the memory, in
    # this process, the build's and the cache file.
    return {"meta": meta, "body": body, "words": document_words(_WORKER["segmenter"], values, plain),
            "groups": sorted(set(groups))}


def _init_worker(tokenizer: Segmenter, groups: list[tuple[str, ...]]) -> None:
    # Every form a text holds, overlapping ones too (a short form inside a long name), in one pass
    # of an Aho-Corasick automaton: a regex of lookaheads over the same forms took 17 CPU-s of
    # a 10,000-document build.
    pattern = None
    if groups:
        pattern = ahocorasick.Automaton()
        for group in groups:
            for form in group:
                pattern.add_word(form, form)
        pattern.make_automaton()
    _WORKER.update(segmenter=tokenizer, pattern=pattern,
                   group_of={form: index for index, group in enumerate(groups) for form in group})


def _init_loaded_worker(tokenizer: Segmenter, groups: list[tuple[str, ...]]) -> None:
    tokenizer.load()
    _init_worker(tokenizer, groups)


class WarmAnalyser:
    """One worker process that loads jieba's dictionaries (0.8 s) as soon as it starts. The build
    starts it before it reads the content, so a rebuild after an edit, which analyses a document
    or two, finds them loaded instead of waiting for them; a first build, analysing every document
    on every core, closes it."""

    def __init__(self, departments: DepartmentTable):
        self.pool = None
        if available_cores() > 1 and "fork" in multiprocessing.get_all_start_methods():
            self.pool = worker_pool(1, initializer=_init_loaded_worker,
                                    initargs=(segmenter(departments.names_for_dictionary()), alias_groups(departments)))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None

    def __enter__(self) -> "WarmAnalyser":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AnalysisCache:
    """Per-document analyses between builds, kept with the segments they were built into: each
    segment's folder holds its documents' analyses (SEGMENT_ANALYSES) and their words alone
    (SEGMENT_WORDS), and an index in the store (ANALYSIS_INDEX) maps a content hash to its segment
    and place there. A rebuild reads only the segments holding documents it must build again (an
    edit: the segment it replaces); a single file of every analysis cost an edit at 10,000
    documents 1.4 s to read and write again. With keep_one, only the file read last is kept:
    asked in bundle order, each segment's file is read once and one is in memory at a time."""

    def __init__(self, store: Path, fingerprint: str, keep_one: bool = False):
        self.store = Path(store)
        self.fingerprint = fingerprint
        self.keep_one = keep_one
        data = read_pickle(self.store / ANALYSIS_INDEX)
        valid = isinstance(data, dict) and data.get("fingerprint") == fingerprint
        self.index: dict[str, tuple[str, int]] = data.get("documents") or {} if valid else {}
        self._read: dict[tuple[str, str], list | None] = {}

    def _segment(self, segment: str, name: str) -> list | None:
        if (segment, name) not in self._read:
            if self.keep_one:
                self._read.clear()
            try:
                data = json.loads((self.store / BUNDLE_CACHE / segment / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = None
            self._read[segment, name] = data if isinstance(data, list) else None
        return self._read[segment, name]

    def get(self, key: str, name: str = SEGMENT_ANALYSES) -> Any:
        """The cached analysis (or, with SEGMENT_WORDS, the words) of a content hash, or None."""
        segment, local = self.index.get(key, ("", -1))
        found = self._segment(segment, name) if segment else None
        return found[local] if found is not None and 0 <= local < len(found) else None

    def save(self, keys: list[str], segments: list[tuple[str, list[int]]]) -> None:
        """Record where each document's analysis now is: segment keys with their documents' numbers
        by place (plan_segments)."""
        index = {keys[number]: (segment, place) for segment, numbers in segments
                 for place, number in enumerate(numbers) if number != DEAD}
        if index != self.index:
            write_pickle(self.store / ANALYSIS_INDEX, {"fingerprint": self.fingerprint, "documents": index})
            self.index = index


def cached_words(store: Path, fingerprint: str, keys: list[str]) -> Iterator[str | None]:
    """The jieba words (space-separated) of each of these content hashes that the last bundle
    build analysed with this fingerprint, else None, in order (the staff index reads them instead
    of loading jieba). Only the segment of the last key is kept read: keys in bundle order read
    each segment's words once and hold one at a time (all of them were 0.5 GB at 100,000)."""
    cache = AnalysisCache(store, fingerprint, keep_one=True)
    for key in keys:
        words = cache.get(key, SEGMENT_WORDS)
        yield words if isinstance(words, str) else None


class Analyses:
    """The analyses of documents, a segment at a time: cached ones read, the others computed on all
    cores (a pool kept while the build lasts) or, when they are few, by the build's warm analyser.
    A segment's documents are analysed when its job is made, so this process never holds more than
    a segment or two of analyses: all of them at once were most of a first build's peak memory."""

    def __init__(self, tokenizer: Segmenter, groups: list[tuple[str, ...]], cache: AnalysisCache,
                 missing: int, warm: WarmAnalyser | None = None):
        self.cache = cache
        self.pool = None
        if warm is not None and warm.pool is not None and missing < PARALLEL_MIN:
            self.map = functools.partial(warm.pool.map, _analyse)
        elif available_cores() > 1 and missing >= PARALLEL_MIN and "fork" in multiprocessing.get_all_start_methods():
            if warm is not None:
                warm.close()
            tokenizer.load()  # once, shared by the forked workers
            self.pool = worker_pool(available_cores(), initializer=_init_worker, initargs=(tokenizer, groups))
            self.map = functools.partial(self.pool.map, _analyse, chunksize=16)
        else:
            _init_worker(tokenizer, groups)
            self.map = lambda items: list(map(_analyse, items))

    def of(self, documents: list[Shown]) -> list[dict]:
        found = [self.cache.get(doc.key) for doc in documents]
        computed = iter(self.map([(doc.fields, doc.text) for doc, done in zip(documents, found) if done is None]))
        return [done if done is not None else next(computed) for done in found]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None


# ---------------------------------------------------------------------------------------------
# One segment


def _doc_lists_column(pairs_key: np.ndarray, pairs_doc: np.ndarray, keys: np.ndarray, count: int) -> list[str]:
    """For sorted (key, doc) pairs: the doc_list string of each key in `keys` (sorted, unique)."""
    bounds = np.searchsorted(pairs_key, keys), np.searchsorted(pairs_key, keys, side="right")
    sizes = bounds[1] - bounds[0]
    dense = sizes * 6 > count + 6
    deltas = np.diff(pairs_doc, prepend=-1) - 1
    deltas[bounds[0][sizes > 0]] = pairs_doc[bounds[0][sizes > 0]]
    codes, digits = varint_codes(deltas)
    char_ends = np.cumsum(digits)
    text = codes.astype(np.uint8).tobytes().decode("ascii")
    out = []
    for index, (start, end) in enumerate(zip(*bounds)):
        if start == end:
            out.append("")
        elif dense[index]:
            out.append(doc_list(pairs_doc[start:end], count))
        else:
            out.append(text[(char_ends[start - 1] if start else 0):char_ends[end - 1]])
    return out


def _shards(records: list[tuple[str, str]], count: int) -> dict[int, str]:
    """Records (key, text) into shard strings by key_hash modulo count: shard -> text, in shard
    order, for the shards holding any."""
    shards: dict[int, list[str]] = {}
    for key, text in records:
        shards.setdefault(key_hash(key) % count, []).append(text)
    return {shard: "".join(shards[shard]) for shard in sorted(shards)}


def _record(kind: int, key: str, payload: str) -> str:
    """kind/length character, key, payload length (UTF-16 units) as varint, payload."""
    return ALPHABET[kind * 16 + len(key)] + key + varints([_units(payload)]) + payload


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def build_segment(analyses: list[dict], limits: Limits = Limits()) -> dict[str, str]:
    """Every file of one segment: name -> data (a string the client parses)."""
    count = len(analyses)
    texts = [a["meta"] + SEPARATOR + a["body"] for a in analyses]
    joined = DOC_END.join(texts) + DOC_END
    codes = np.frombuffer(joined.encode("utf-32-le"), np.uint32)
    size = len(codes)
    ends = codes == 1
    doc_of = (np.cumsum(ends) - ends).astype(np.int32)
    meta_end = np.array([len(a["meta"]) for a in analyses], np.int64)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]).astype(np.int64)
    del texts, joined, ends  # the code points are all that is read from here on
    in_meta = np.arange(size) < (starts + meta_end)[doc_of]
    files: dict[str, str] = {}

    # Rank characters in UTF-16 order (the order JavaScript compares strings in); separators first.
    present = np.zeros(0x110000, bool)
    present[codes] = True
    chars = np.nonzero(present)[0]
    chars = chars[np.argsort(np.where((chars >= 0xE000) & (chars < 0x10000), chars + 0x110000, chars), kind="stable")]
    rank = np.zeros(0x110000, np.int32)
    rank[chars] = np.arange(len(chars), dtype=np.int32)
    ranks = rank[codes]
    separator = ranks <= 1

    # 1- and 2-character grams -> documents (and documents with them in the metadata).
    gram_records: list[tuple[str, str]] = []
    sigma = len(chars)
    one = ~separator
    two = one[:-1] & one[1:]
    for length, where in ((1, np.nonzero(one)[0].astype(np.int32)), (2, np.nonzero(two)[0].astype(np.int32))):
        # Pair keys < sigma ** 2 fit int32 unless a segment holds over 46,340 distinct characters.
        keys = ranks[where].astype(np.int32 if sigma * sigma < 2 ** 31 else np.int64)
        if length == 2:
            keys = keys * sigma + ranks[where + 1]
        docs, metas = doc_of[where], in_meta[where]
        del where
        # In ranges of keys holding about limits.gram_chunk positions each: the (key, document) pairs
        # of a whole large segment in int64 were a build's peak memory.
        shift = max(0, int(keys.max(initial=0)).bit_length() - 20)  # at most ~a million bins
        histogram = np.cumsum(np.bincount(keys >> shift))
        cuts = np.searchsorted(histogram, np.arange(limits.gram_chunk, len(keys), limits.gram_chunk), side="right")
        for low, high in zip(np.r_[0, cuts].astype(np.int64) << shift, np.r_[cuts.astype(np.int64) << shift, np.iinfo(np.int64).max]):
            part = (keys >= low) & (keys < high)
            k, d, m = keys[part].astype(np.int64), docs[part], metas[part]
            if not len(k):
                continue
            lists = []
            for pairs in (np.unique(k * count + d), np.unique(k[m] * count + d[m])):
                lists.append((pairs // count, pairs % count))
            del k, d, m
            distinct = np.unique(lists[0][0])
            every = _doc_lists_column(lists[0][0], lists[0][1], distinct, count)
            in_metadata = _doc_lists_column(lists[1][0], lists[1][1], distinct, count)
            for key, a, m in zip(distinct.tolist(), every, in_metadata):
                gram = chr(chars[key]) if length == 1 else chr(chars[key // sigma]) + chr(chars[key % sigma])
                gram_records.append((gram, _record(FREQUENT_KIND, gram, varints([len(a)]) + a + m)))
        del keys, docs, metas

    # jieba words -> documents: 2-character words beside the grams, longer ones in root records.
    word_docs: dict[str, list[int]] = {}
    for number, analysis in enumerate(analyses):
        for word in analysis["words"].split():
            word_docs.setdefault(word, []).append(number)
    long_words: dict[str, list[tuple[str, str]]] = {}
    for word in sorted(word_docs):
        payload = doc_list(np.array(word_docs[word]), count)
        if len(word) > WORD_MAX:
            continue  # a record's key holds at most 15 characters past the root
        if len(word) <= 2:
            gram_records.append((word, _record(WORD_KIND, word, payload)))
        else:
            long_words.setdefault(word[:3], []).append((word[3:], payload))
    for index, text in _shards(gram_records, limits.gram_shards).items():
        files[f"g{index}"] = text

    # The suffix array, and each suffix's context: up to limits.context characters, never past a separator.
    sa = divsufsort(ranks)
    lcp = kasai(ranks, sa)
    del ranks
    seps = np.nonzero(separator)[0].astype(np.int32)
    del separator
    distance = seps[np.searchsorted(seps, np.arange(size, dtype=np.int32))] - np.arange(size, dtype=np.int32)
    del seps
    context = np.minimum(distance, limits.context)[sa].astype(np.int8)
    common = np.minimum(np.minimum(lcp, context), np.r_[context[1:], 0]).astype(np.int8)  # suffix i with i + 1
    del lcp
    rows = np.nonzero(context >= 3)[0].astype(np.int32)
    position = sa[rows]
    length = context[rows]
    previous = np.zeros(len(rows), np.int8)
    previous[1:] = np.where(rows[1:] == rows[:-1] + 1, common[rows[:-1]], 0)
    del sa, common, context, rows

    # Rows sharing their first three characters (a root) are consecutive in suffix order, and
    # every record belongs to one root: the rows are handled in chunks of whole roots, so the
    # per-row arrays below never hold more than limits.root_chunk rows at once.
    width = 1
    while (1 << (6 * width)) < 2 * count:
        width += 1
    text = _SegmentText(codes, doc_of, in_meta, distance, count, width)
    root_starts = np.nonzero(previous < 3)[0]
    cuts = np.unique(root_starts[np.searchsorted(root_starts, np.arange(0, len(previous), limits.root_chunk))])
    # Every root's record: its frequent strings and buckets (from the suffix rows), then its long
    # jieba words. Records come back as strings, one per root: whole-segment arrays here would be
    # the build's peak memory.
    words = {(ord(r[0]) << 42) | (ord(r[1]) << 21) | ord(r[2]):
             "".join(_record(WORD_KIND, suffix, payload) for suffix, payload in long_words[r]) for r in long_words}
    keys, records = [], []
    pages = _Pages(limits.root_shards)
    for low, high in zip(cuts, np.r_[cuts[1:], len(previous)]):
        part = _root_records(text, position[low:high], length[low:high].astype(np.int64),
                             previous[low:high].astype(np.int64), pages, words, limits)
        keys.extend(part[0].tolist())
        records.extend(part[1])
    del position, length, previous
    for number, page in pages.texts.items():
        files[f"p{number}"] = page
    for key, payload in sorted(words.items()):  # roots found in jieba words only
        keys.append(key)
        records.append(chr(key >> 42) + chr((key >> 21) & 0x1FFFFF) + chr(key & 0x1FFFFF) + _varint(_units(payload)) + payload)

    # Shards by key_hash of the root, records in code point order of their roots within a shard.
    root_count = limits.root_shards
    root_keys = np.array(keys, np.int64)
    shard_of = (((root_keys >> 42) * 961 + ((root_keys >> 21) & 0x1FFFFF) * 31 + (root_keys & 0x1FFFFF))
                & 0xFFFFFFFF) % root_count
    # Only the shards holding records: a segment of one document holds a few hundred of 65,536.
    by_shard: dict[int, list[str]] = {}
    order = np.argsort(root_keys, kind="stable")
    for index, shard in zip(order.tolist(), shard_of[order].tolist()):
        by_shard.setdefault(shard, []).append(records[index])
    del records
    for shard in sorted(by_shard):
        files[f"r{shard}"] = "".join(by_shard.pop(shard))
    files["_info"] = json.dumps({"count": count, "width": width})
    return files


@dataclass
class _Pages:
    """A segment's pages of long roots, numbered k * shards + s, s the shard of the page's group (its
    root and _page_group): a tier groups pages as it groups roots (number modulo its file count), so
    all pages of a group, in every segment of a tier, are in one of its files, and a query term
    reads one page file per tier (a term whose bucket is a group of the other kind in some
    segments, two)."""

    shards: int
    texts: dict[int, str] = field(default_factory=dict)
    used: dict[int, int] = field(default_factory=dict)

    def add(self, shard: int, text: str) -> int:
        k = self.used.get(shard, 0)
        self.used[shard] = k + 1
        number = k * self.shards + shard
        self.texts[number] = text
        return number


@dataclass
class _SegmentText:
    """What the root records read of a segment, whichever chunk of suffixes they are built from."""

    codes: np.ndarray  # code points of the segment's texts, DOC_END after each
    doc_of: np.ndarray  # document number of each position
    in_meta: np.ndarray  # whether each position is in its document's metadata
    distance: np.ndarray  # characters from each position to the next separator
    count: int  # documents in the segment
    width: int  # characters a document code takes in a bucket entry


def _root_records(text: _SegmentText, position: np.ndarray, length: np.ndarray, previous: np.ndarray,
                  pages: _Pages, words: dict[int, str], limits: Limits) -> tuple[np.ndarray, list[str]]:
    """The record of every root in a run of suffix-array rows made of whole roots: (root keys,
    records), in suffix order. A root's long jieba words (kind 2 records, in `words` by root key)
    end its record and are taken out of `words`. Pages of long roots are added to `pages`. position: each row's text position; length: its
    context length; previous: characters it shares with the row before (0 across roots)."""
    codes, doc_of, in_meta, distance, count, width = (text.codes, text.doc_of, text.in_meta, text.distance,
                                                       text.count, text.width)
    # Frequent strings: runs of at least limits.frequent suffixes sharing their first `ell` characters.
    frequent_depth = np.zeros(len(position), np.int64)
    alive = np.arange(len(position))
    frequent: list[tuple[int, np.ndarray, np.ndarray]] = []
    for ell in range(3, limits.context + 1):
        if not len(alive):
            break
        boundary = np.ones(len(alive), bool)
        boundary[1:] = (previous[alive[1:]] < ell) | (alive[1:] != alive[:-1] + 1)
        run = np.cumsum(boundary) - 1
        sizes = np.bincount(run)
        keep = sizes[run] >= limits.frequent
        big = sizes >= limits.frequent
        frequent.append((ell, alive[boundary][big], alive[boundary][big] + sizes[big]))
        alive = alive[keep]
        frequent_depth[alive] = ell

    frequent_rows, frequent_lengths, frequent_records = [], [], []
    for ell, run_starts, run_ends in frequent:
        for start, end in zip(run_starts, run_ends):
            at = position[start:end]
            docs = np.unique(doc_of[at])
            meta_docs = np.unique(doc_of[at][in_meta[at]])
            key = _text(codes[position[start]:position[start] + ell])
            every = doc_list(docs, count)
            frequent_rows.append(int(start))
            frequent_lengths.append(ell)
            frequent_records.append(_record(FREQUENT_KIND, key[3:], varints([len(every)]) + every + doc_list(meta_docs, count)))

    # Buckets: the suffixes below each frequent string (or infrequent root), front-coded.
    depth = np.where(frequent_depth == 0, 3, frequent_depth + 1)
    member = np.nonzero((depth <= length) & (frequent_depth < limits.context))[0]
    del frequent_depth
    bucket_depth = depth[member]
    first = np.ones(len(member), bool)
    first[1:] = ((bucket_depth[1:] != bucket_depth[:-1]) | (member[1:] != member[:-1] + 1)
                 | (previous[member[1:]] < bucket_depth[1:]))
    last = np.r_[first[1:], True]
    before = np.where(first, bucket_depth - 1, previous[member])
    after = np.where(last, bucket_depth - 1, np.r_[before[1:], 0])
    stored = np.minimum(length[member], np.maximum(np.maximum(before, after) + 1, limits.min_context))
    at = position[member].astype(np.int64)
    complete = stored == distance[at]
    shared = np.where(first, bucket_depth, np.minimum(before, np.r_[0, stored[:-1]]))
    del before, after
    fresh = np.maximum(stored - shared, 0)
    owner, within = _ragged(fresh)
    doc_code = doc_of[at].astype(np.int64) * 2 + in_meta[at]
    doc_chars = np.stack([_DIGITS[(doc_code >> (6 * (width - 1 - w))) & 63] for w in range(width)], axis=1).reshape(-1)
    del doc_code
    context_codes = codes[at[owner] + shared[owner] + within]
    del within
    entry_codes, entry_lengths = _interleave([
        _one(_DIGITS[(shared - bucket_depth) * 2 + complete]),
        _one(_DIGITS[fresh]),
        (fresh, context_codes),
        (np.full(len(member), width), doc_chars),
    ])
    entry_units = entry_lengths + np.bincount(owner, weights=(context_codes > 0xFFFF),
                                              minlength=len(member)).astype(np.int64)
    del owner, context_codes, doc_chars
    bucket_of = np.cumsum(first) - 1
    bucket_first = member[first]
    bucket_len = bucket_depth[first]
    entry_end = np.cumsum(entry_lengths)
    bucket_char_end = entry_end[np.r_[np.nonzero(first)[0][1:] - 1, len(member) - 1]] if len(member) else np.array([], np.int64)
    bucket_char_start = np.r_[0, bucket_char_end[:-1]]
    bucket_units = np.bincount(bucket_of, weights=entry_units, minlength=int(first.sum())).astype(np.int64)
    # Record heads (bucket kind, key suffix, payload length) vectorised too: buckets are many.
    key_len = bucket_len - 3
    key_owner, key_within = _ragged(key_len)
    head_codes, head_lengths = _interleave([
        _one(_DIGITS[BUCKET_KIND * 16 + key_len]),
        (key_len, codes[position[bucket_first][key_owner].astype(np.int64) + 3 + key_within]),
        _varint_column(bucket_units),
    ])
    bucket_codes, bucket_lengths = _interleave([(head_lengths, head_codes),
                                                (bucket_char_end - bucket_char_start, entry_codes)])
    del entry_codes, head_codes

    # Records in (first row, frequent before bucket, key length) order, so each root's records are a run.
    freq_lengths, freq_codes = _column_of_strings(frequent_records)
    row = np.r_[np.array(frequent_rows, np.int64), bucket_first].astype(np.int64)
    kind = np.r_[np.full(len(frequent_rows), FREQUENT_KIND, np.int64), np.full(len(bucket_first), BUCKET_KIND, np.int64)]
    order = np.lexsort((np.r_[np.array(frequent_lengths, np.int64), bucket_len], kind, row))
    lengths = np.r_[freq_lengths, bucket_lengths].astype(np.int64)
    source = np.r_[freq_codes, bucket_codes].astype(np.uint32)
    del bucket_codes
    item_len = lengths[order]
    owner, within = _ragged(item_len)
    item_codes = source[(np.cumsum(lengths) - lengths)[order][owner] + within]
    del source, owner, within
    item_end = np.cumsum(item_len)
    item_start = item_end - item_len
    item_kind = kind[order]
    at = position[row[order]].astype(np.int64)
    item_root = (codes[at].astype(np.int64) << 42) | (codes[at + 1].astype(np.int64) << 21) | codes[at + 2]
    root_first = np.nonzero(np.r_[True, item_root[1:] != item_root[:-1]])[0] if len(item_root) else np.zeros(0, np.int64)
    root_last = np.r_[root_first[1:], len(item_root)]
    body_start = item_start[root_first]
    body_size = item_end[root_last - 1] - body_start if len(root_first) else np.zeros(0, np.int64)

    # A long root's buckets go to pages of at most limits.page characters (at least one bucket each);
    # the root keeps its frequent strings' records whole and a page directory. So a term that is a
    # frequent string (a year, 营商环境) reads the root's file only: with the document lists in the
    # pages too, 2020 read 95 KB over gzip at 10,000 documents, the pages of every 202… suffix.
    # Pages are cut where the character after the root changes and named by it (_page_group), so
    # a tier file holds the pages of one such group from every segment, not of the whole root.
    extra: list[str] = []
    extra_start = len(item_codes)
    for index in np.nonzero(body_size > limits.page)[0]:
        first_item, last_item = root_first[index], root_last[index]
        records = [_text(item_codes[item_start[i]:item_end[i]]) for i in range(first_item, last_item)]
        is_frequent = (item_kind[first_item:last_item] == FREQUENT_KIND).tolist()
        kept = [record for record, frequent in zip(records, is_frequent) if frequent]
        buckets = [record for record, frequent in zip(records, is_frequent) if not frequent]
        root = int(item_root[first_item])
        root_text = chr(root >> 42) + chr((root >> 21) & 0x1FFFFF) + chr(root & 0x1FFFFF)
        directory: list[str] = []
        for group, run in itertools.groupby(buckets, _page_group):
            shard = key_hash(root_text + group) % limits.root_shards
            page: list[str] = []
            size = 0
            for record in run:
                if page and size + len(record) > limits.page:
                    directory.append(_page_entry(page, shard, pages))
                    page, size = [], 0
                page.append(record)
                size += len(record)
            directory.append(_page_entry(page, shard, pages))
        body = "".join(kept) + "".join(directory)
        body_start[index] = extra_start + sum(len(t) for t in extra)
        body_size[index] = len(body)
        extra.append(body)
    source = np.r_[item_codes, _column_of_strings(extra)[1]].astype(np.uint32) if extra else item_codes
    owner, within = _ragged(body_size)
    body_codes = source[body_start[owner] + within]
    roots = item_root[root_first]
    word_lengths, word_codes = _column_of_strings([words.pop(key, "") for key in roots.tolist()])
    merged, merged_len = _interleave([(body_size, body_codes), (word_lengths, word_codes)])
    owner, _ = _ragged(merged_len)
    units = merged_len + np.bincount(owner, weights=merged > 0xFFFF, minlength=len(roots)).astype(np.int64)
    root_codes = np.stack([roots >> 42, (roots >> 21) & 0x1FFFFF, roots & 0x1FFFFF], axis=1)
    record_codes, record_len = _interleave([(np.full(len(roots), 3), root_codes.reshape(-1)), _varint_column(units),
                                            (merged_len, merged)])
    joined = _text(record_codes)
    ends = np.cumsum(record_len).tolist()
    return roots, [joined[a:b] for a, b in zip([0, *ends[:-1]], ends)]


def _page_entry(records: list[str], shard: int, pages: _Pages) -> str:
    """Adds a page of bucket records to `pages`; its directory entry (kind 3): the first record's key
    suffix and the page number."""
    first = records[0]
    key_length = ALPHABET.index(first[0]) % 16
    return ALPHABET[PAGE_KIND * 16 + key_length] + first[1:1 + key_length] + varints([pages.add(shard, "".join(records))])


def _page_group(record: str) -> str:
    """What names a bucket's page: the first character of its key suffix, and whether the key is
    longer (below a frequent string). In one segment a character's buckets are all of one kind or
    the other; across segments, 2020 where it is frequent has buckets 20201…, 2020年…, and where it
    is not, one bucket 2020…: a query for 2020 reads pages of the second kind only."""
    key = record[1:1 + ALPHABET.index(record[0]) % 16]
    return key[:1] + ("+" if len(key) > 1 else "")


# ---------------------------------------------------------------------------------------------
# The bundle


def segments_of(ids: list[str], limits: Limits = Limits()) -> list[tuple[int, int]]:
    """[start, end) ranges of document numbers: a segment ends after a document whose id hashes
    to 0 modulo limits.segment_docs (so adding or removing a document moves no other boundary)
    once it holds a quarter of that, or when it reaches limits.segment_max documents; a short
    last segment joins the one before it. So only an archive (or a set of changed documents)
    smaller than that quarter makes a small segment."""
    ranges, start = [], 0
    for index, doc_id in enumerate(ids):
        digest = int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(), "big")
        size = index + 1 - start
        if (digest % limits.segment_docs == 0 and size >= limits.small) or size >= limits.segment_max:
            ranges.append((start, index + 1))
            start = index + 1
    if start < len(ids):  # an empty archive has no segment
        if ranges and len(ids) - start < limits.small and len(ids) - ranges[-1][0] <= limits.segment_max:
            ranges[-1] = (ranges[-1][0], len(ids))
        else:
            ranges.append((start, len(ids)))
    return ranges


def plan_segments(previous: list[tuple[str, list[str]]], slots: list[str], ids: list[str],
                  limits: Limits = Limits()) -> list[tuple[str | None, list[int]]]:
    """Which documents each segment of this build holds, Lucene's way, so that an edit builds the
    edited document alone. previous: the last build's segments, (key, the slot of each of its
    documents by place); slots: this build's documents' slots (content hash and URL) by number.
    A segment built before is kept, its files reused, while at least half its documents are
    unchanged (the same slot); a place whose document changed or went is DEAD, its records never
    asked for. The documents no kept segment holds are cut into new segments (key None) by
    segments_of. Once limits.small_segments segments built before are small (Limits.small), they
    are given up and their documents built again with the new ones, so a run of edits leaves at
    most that many small segments."""
    number_of = {slot: number for number, slot in enumerate(slots)}
    held: set[int] = set()
    kept = []
    for key, members in previous:
        # A document both a kept segment and this one hold (an edit undone) is the kept one's.
        numbers = [DEAD if number in held else number for number in (number_of.get(slot, DEAD) for slot in members)]
        live = [number for number in numbers if number != DEAD]
        if live and len(live) * 2 >= len(numbers):
            kept.append((key, numbers))
            held.update(live)
    small = [seg for seg in kept if len(seg[1]) < limits.small]
    if len(small) >= limits.small_segments:
        kept = [seg for seg in kept if len(seg[1]) >= limits.small]
        held = {number for _, numbers in kept for number in numbers if number != DEAD}
    fresh = [number for number in range(len(slots)) if number not in held]
    made = [(None, fresh[a:b]) for a, b in segments_of([ids[number] for number in fresh], limits)]
    return sorted(kept + made, key=lambda seg: min(number for number in seg[1] if number != DEAD))


def date_runs(dates: list[str | None]) -> tuple[int, list[int]]:
    """(origin, runs) of the documents' dates in number order, as bundle_format.day_runs writes
    them; a stored day is 0 for undated, else 1 + days after origin (the earliest date), so no
    number is negative, whatever century the archive reaches."""
    days = [day_number(date) for date in dates]
    origin = min((day for day in days if day is not None), default=0)
    return origin, day_runs([0 if day is None else day - origin + 1 for day in days])


def _script(name: str, data: Any) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</" cannot end a script element here, but U+2028/9 broke JS string literals before ES2019.
    payload = payload.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"ArchiveSearch.register({json.dumps(name)},{payload});\n"


def _row(doc: Shown, url: str, analysis: dict, rest_pack: int) -> list:
    """Display metadata, the folded metadata field (to check long terms), the pack holding the
    text past the opening (-1: none) and the opening: a result's row and its opening, where most
    snippets are, come in one file."""
    fields = {"id": doc.id, "url": url, "title": doc.title, "date": doc.date or "", "doc_type": doc.doc_type,
              "departments": doc.fields["departments"], "doc_number": doc.meta.get("doc_number") or "",
              "source": doc.meta.get("source") or "", "meta": analysis["meta"], "rest": rest_pack,
              "opening": doc.text[:OPENING]}
    return [fields[name] for name in ROW_FIELDS]


def _build_segment_folder(job: tuple[Path, str, list[dict], list[Shown], list[str], Limits]) -> None:
    """Build one segment into folder/<key>/ (in a worker process when there are several)."""
    folder, key, analyses, documents, doc_urls, limits = job
    _save_folder(folder / key, _segment_files(key, analyses, documents, doc_urls, limits))


def _segment_files(key: str, analyses: list[dict], documents: list[Shown], doc_urls: list[str],
                   limits: Limits) -> dict[str, str]:
    """One segment's files, name (within its folder) -> text: the scripts published as they are
    (rows m<i>, packs of text past the openings x<k>), and its records by kind (SHARD_KINDS: grams,
    roots, alias groups, pages; parts-<kind><k>.json: virtual file name -> data), which tiers
    group into files."""
    data = build_segment(analyses, limits)
    info = json.loads(data.pop("_info"))
    files: dict[str, str] = {}
    parts: dict[str, dict[str, Any]] = {kind: {} for kind in SHARD_KINDS}
    for name in list(data):
        parts[name[0]][f"{key}/{name}"] = data.pop(name)
    pack: dict[str, str] = {}
    pack_size = packs = 0
    for local, (doc, analysis, url) in enumerate(zip(documents, analyses, doc_urls)):
        rest = doc.text[OPENING:]
        if rest:
            pack[str(local)] = rest
            pack_size += len(rest)
        files[f"m{local}.js"] = _script(f"{key}/m{local}", _row(doc, url, analysis, packs if rest else -1))
        if pack_size >= limits.rest_pack or (pack and local == len(documents) - 1):
            files[f"x{packs}.js"] = _script(f"{key}/x{packs}", pack)
            pack, pack_size, packs = {}, 0, packs + 1
    count = len(analyses)
    by_group: dict[int, tuple[list[int], list[int]]] = {}
    for local, analysis in enumerate(analyses):
        for group, in_meta in analysis["groups"]:
            lists = by_group.setdefault(group, ([], []))
            if not lists[0] or lists[0][-1] != local:
                lists[0].append(local)
            if in_meta and (not lists[1] or lists[1][-1] != local):
                lists[1].append(local)
    for group, (every, meta) in sorted(by_group.items()):
        parts["a"][f"{key}/a{group}"] = [doc_list(np.array(every), count), doc_list(np.array(meta), count)]
    for kind in SHARD_KINDS:
        split: list[dict[str, Any]] = [{} for _ in range(PART_FILES)]
        for name, data in parts[kind].items():
            split[_shard_number(name) % PART_FILES][name] = data
        for index, group in enumerate(split):
            files[f"parts-{kind}{index}.json"] = json.dumps(group, ensure_ascii=False, separators=(",", ":"))
    info["groups"] = sorted(by_group)
    info["sizes"] = {kind: sum(map(_size, parts[kind].values())) for kind in SHARD_KINDS}
    # The characters the segment holds (the fold table is cut to them): kept with the segment, so
    # a rebuild does not read every document's text again for them.
    info["chars"] = "".join(sorted(set().union(*(a["meta"] + a["body"] for a in analyses))))
    files["_info.json"] = json.dumps(info)
    files[SEGMENT_ANALYSES] = json.dumps(analyses, ensure_ascii=False, separators=(",", ":"))
    files[SEGMENT_WORDS] = json.dumps([a["words"] for a in analyses], ensure_ascii=False, separators=(",", ":"))
    return files


def _size(data: str | list[str]) -> int:
    return len(data) if isinstance(data, str) else sum(map(len, data))


def _shard_number(name: str) -> int:
    """s of a virtual file <segment>/<kind><s>."""
    return int(name[name.index("/") + 2:])


def _tier_files(tier_key: str, segment_folders: list[Path], limits: Limits) -> Iterator[tuple[str, str]]:
    """A tier's files: for each shard kind, the segments' records grouped into as many files as
    keep each near limits.tier_target characters (at most the kind's native shard count). A
    virtual file <segment>/<kind><s> goes to file <kind><s mod count>, so a query term reads one
    file per tier whatever the number of segments. Grams and roots are found by key_hash modulo
    the tier's count (RENUMBERED_KINDS): there a segment's virtual files with the same s mod count
    become one, <segment>/<kind><s mod count>, so a file holds one virtual file per segment
    however fine the native shards (which only bound how many files a large tier can have).
    Segments keep their records in PART_FILES files by s mod PART_FILES: when the count is a
    multiple of it, the tier is written a part at a time, so grouping a 100,000-document tier
    holds a sixteenth of it in memory. Yields (file name, text), _info.json last."""
    counts = {}
    infos = [json.loads((folder / "_info.json").read_text(encoding="utf-8")) for folder in segment_folders]
    for kind in SHARD_KINDS:
        native = limits.native_shards[kind]
        size = sum(info["sizes"][kind] for info in infos)
        count, renumber = 1, kind in RENUMBERED_KINDS
        while count < native and size / count > limits.tier_target:
            count *= 2
        batches = [[part] for part in range(PART_FILES)] if count % PART_FILES == 0 else [list(range(PART_FILES))]
        for batch in batches:
            grouped: dict[int, dict[str, Any]] = {}
            for folder in segment_folders:
                for part in batch:
                    text = (folder / f"parts-{kind}{part}.json").read_text(encoding="utf-8")
                    for name, data in json.loads(text).items():
                        index = _shard_number(name) % count
                        files = grouped.setdefault(index, {})
                        if renumber:  # joined with the segment's other native shards of this number
                            files.setdefault(f"{name[:name.index('/')]}/{kind}{index}", []).append(data)
                        else:
                            files[name] = data
            for index in sorted(grouped):
                files = grouped.pop(index)
                yield f"{kind}{index}.js", _script(f"{tier_key}/{kind}{index}",
                                                   {name: "".join(parts) for name, parts in files.items()} if renumber else files)
        counts[kind] = count
    yield "_info.json", json.dumps({"files": [counts[kind] for kind in SHARD_KINDS]})


def _build_tier_folder(job: tuple[Path, str, list[Path], Limits]) -> None:
    folder, key, segment_folders, limits = job
    _save_folder(folder / key, _tier_files(key, segment_folders, limits))


def plan_tiers(previous: list[dict], segments: list[tuple[str, int]], max_tiers: int) -> list[dict]:
    """Which tier each live segment is published in, Lucene's way: tiers already built are kept
    (their files reused; the records of segments no longer live stay in them, unread) while at
    least half their documents are live; every other live segment goes into one new tier; then
    the two smallest tiers are merged while there are more than max_tiers. previous: the last
    build's tiers, {"segments": [[segment key, documents], ...]}; segments: live (key, documents)
    in number order. Returns tiers in the same form (the order they are listed in base.js)."""
    live = dict(segments)
    kept, placed = [], set()
    for tier in previous:
        members = [(key, count) for key, count in tier["segments"]]
        alive = sum(count for key, count in members if key in live and key not in placed)
        if alive * 2 >= sum(count for _, count in members) and alive:
            kept.append({"segments": [list(m) for m in members]})
            placed.update(key for key, _ in members if key in live)
    fresh = [[key, count] for key, count in segments if key not in placed]
    tiers = kept + ([{"segments": fresh}] if fresh else [])
    order = {key: index for index, (key, _) in enumerate(segments)}
    while len(tiers) > max_tiers:
        tiers.sort(key=lambda tier: sum(count for _, count in tier["segments"]))
        first, second = tiers.pop(0), tiers.pop(0)
        # A merged tier is written anew from its live segments only.
        merged = [m for m in first["segments"] + second["segments"] if m[0] in live]
        tiers.append({"segments": sorted(merged, key=lambda m: order[m[0]])})
    return tiers


def _previous_segments(store: Path, salt: str) -> list[tuple[str, list[str]]]:
    """The last build's segments (SEGMENT_STATE) built with this salt whose folders are whole."""
    state = read_pickle(store / SEGMENT_STATE)
    if not isinstance(state, dict) or state.get("salt") != salt or not isinstance(state.get("segments"), list):
        return []
    return [(key, members) for key, members in state["segments"]
            if isinstance(key, str) and isinstance(members, list) and (store / BUNDLE_CACHE / key / "_info.json").exists()]


def segment_key(keys: list[str], salt: str) -> str:
    return hashlib.sha256("\n".join([salt, *keys]).encode("utf-8")).hexdigest()[:16]


def alias_groups(departments: DepartmentTable) -> list[tuple[str, ...]]:
    return sorted({forms for forms in department_aliases(departments).values()})


def analysis_salt(tokenizer: Segmenter, groups: list[tuple[str, ...]]) -> str:
    """What cached analyses and segments depend on besides the documents themselves."""
    return "/".join([str(FORMAT_VERSION), str(ANALYSIS_FORMAT), ANALYSIS_VERSION, tokenizer.fingerprint,
                     hashlib.sha256(json.dumps(groups, ensure_ascii=False).encode()).hexdigest()[:16],
                     str(WORD_CHARS), str(OPENING), str(SEGMENT_LAYOUT)])


def _run_jobs(function, jobs: Iterable, count: int, in_workers: bool) -> None:
    """Run count jobs (segments or tiers to build), in worker processes when asked to."""
    if count and available_cores() > 1 and in_workers and "forkserver" in multiprocessing.get_all_start_methods():
        # In workers forked from a fork server that holds just this module: this process holds the
        # site, and a worker forked from it (or this process itself) would add a segment's memory
        # to all of that; its garbage collector would also scan that heap over and over while a
        # segment allocates millions of strings. The pool makes each job when a worker is about to
        # be free, so jobs made on demand are held a few at a time.
        multiprocessing.get_context("forkserver").set_forkserver_preload([__name__])
        with worker_pool(min(available_cores(), count), "forkserver", maxtasksperchild=1) as pool:
            for _ in pool.imap_unordered(function, jobs, chunksize=1):
                pass
    else:
        for job in jobs:
            function(job)


def build_bundle(documents: list[Shown], departments: DepartmentTable, tokenizer: Segmenter,
                 store: Path, limits: Limits = Limits(), warm: WarmAnalyser | None = None,
                 analysed: Callable[[], Any] | None = None) -> tuple[dict[str, str], list[Path]]:
    """Build the bundle: (shared files, relative path -> text; the cached folders whose .js files
    are published as data/<folder name>/). Each segment's files are in store/BUNDLE_CACHE/<key>/
    and are reused while the segment's documents are unchanged; each tier's in
    store/TIER_CACHE/<key>/, reused while the tier is kept (plan_tiers); analyses are cached in
    store too. analysed() is called once every document's analysis is in store, before the
    tiers are grouped (the staff index reads their words from there)."""
    groups = alias_groups(departments)
    salt = analysis_salt(tokenizer, groups)
    keys = [doc.key for doc in documents]
    count = len(documents)
    doc_urls = [doc.url for doc in documents]
    # A segment's files depend on its documents (their slots), the analyses' salt and the limits
    # it is built with.
    slots = [key + url for key, url in zip(keys, doc_urls)]
    segment_salt = salt + limits.output_key
    folder = store / BUNDLE_CACHE
    previous = _previous_segments(store, segment_salt)
    planned = plan_segments(previous, slots, [doc.id for doc in documents], limits)
    seg_keys = [key or segment_key([slots[n] for n in numbers], segment_salt) for key, numbers in planned]
    numbering = [numbers for _, numbers in planned]
    todo = [i for i, key in enumerate(seg_keys) if not (folder / key / "_info.json").exists()]
    # Only the documents of segments to build are analysed (or read from the cache).
    cache = AnalysisCache(store, salt)
    analyses = Analyses(tokenizer, groups, cache, sum(keys[n] not in cache.index for i in todo for n in numbering[i]), warm)

    def jobs() -> Iterator[tuple]:
        for i in todo:
            docs = [documents[n] for n in numbering[i]]
            yield folder, seg_keys[i], analyses.of(docs), docs, [doc_urls[n] for n in numbering[i]], limits
            # Resumed once the job is sent (or built here): its texts are not kept, neither for
            # the next segments nor for the staff index (90 MB at 10,000 documents).
            for doc in docs:
                doc.forget_text()

    try:
        # One segment (an edit) is built here: starting a worker cost more than the segment.
        _run_jobs(_build_segment_folder, jobs(), len(todo), len(todo) > 1)
    finally:
        analyses.close()
    cache.save(keys, list(zip(seg_keys, numbering)))
    if analysed is not None:
        analysed()
    members = dict(previous)
    write_pickle(store / SEGMENT_STATE, {"salt": segment_salt, "segments": [
        (key, members.get(key) or [slots[n] for n in numbers]) for key, numbers in zip(seg_keys, numbering)]})

    tier_folder = store / TIER_CACHE
    state = read_pickle(store / TIER_STATE)
    previous = [tier for tier in (state if isinstance(state, list) else [])
                if isinstance(tier, dict) and (tier_folder / str(tier.get("key")) / "_info.json").exists()]
    tiers = plan_tiers(previous, [(key, len(numbers)) for key, numbers in zip(seg_keys, numbering)], limits.max_tiers)
    tier_salt = salt + limits.output_key + f"/{limits.tier_target}/{limits.gram_shards}"
    for tier in tiers:
        tier["key"] = segment_key([key for key, _ in tier["segments"]], tier_salt)
    live = set(seg_keys)
    tier_jobs = [(tier_folder, tier["key"], [folder / key for key, _ in tier["segments"] if key in live], limits)
                 for tier in tiers if not (tier_folder / tier["key"] / "_info.json").exists()]
    # A large tier is grouped in a worker, whose memory is its own; a small one (an edit's) here.
    _run_jobs(_build_tier_folder, tier_jobs, len(tier_jobs), sum(len(job[2]) for job in tier_jobs) > TIER_IN_PROCESS)
    write_pickle(store / TIER_STATE, tiers)
    # Records of segments no longer live stay in the tiers kept, so their own folders can go.
    for parent, wanted in ((folder, live), (tier_folder, {tier["key"] for tier in tiers})):
        if parent.exists():
            for old in parent.iterdir():
                if old.name not in wanted:
                    shutil.rmtree(old, ignore_errors=True)

    out: dict[str, str] = {}
    tier_of = {key: index for index, tier in enumerate(tiers) for key, _ in tier["segments"] if key in live}
    segments = []
    characters: set[str] = set()
    for key, numbers in zip(seg_keys, numbering):
        info = json.loads((folder / key / "_info.json").read_text(encoding="utf-8"))
        row = {"key": key, "numbers": number_runs(numbers), "width": info["width"], "groups": info["groups"],
               "tier": tier_of[key]}
        segments.append([row[name] for name in SEGMENT_FIELDS])
        characters.update(info["chars"])
    tier_rows = []
    for tier in tiers:
        info = json.loads((tier_folder / tier["key"] / "_info.json").read_text(encoding="utf-8"))
        tier_rows.append([tier["key"], *info["files"]])
    facet_docs: dict[str, dict[str, list[int]]] = {"type": {}, "department": {}, "topic": {}}
    for number, doc in enumerate(documents):
        for facet, labels in (("type", [doc.doc_type]), ("department", doc.department_labels), ("topic", doc.topic_labels)):
            for label in dict.fromkeys(labels):
                facet_docs[facet].setdefault(label, []).append(number)
    rank = {d.name: i for i, d in enumerate(departments)}
    for facet, by_label in facet_docs.items():
        if facet == "type":
            labels = [label for label in (*DOC_TYPES, urls.OTHER_TYPE_LABEL) if label in by_label]
        elif facet == "department":
            labels = sorted(by_label, key=lambda label: (rank.get(label, len(rank)), label))
        else:
            labels = sorted(by_label)
        out[f"f-{facet}.js"] = _script(f"f-{facet}", [[label, doc_list(np.array(by_label[label]), count)] for label in labels])
    # The dates lists order and file documents by (a web page with only a 发布日期 has that).
    origin, runs = date_runs([doc.sort_date for doc in documents])
    base = {
        "version": FORMAT_VERSION,
        "format": client_format(),
        "count": count,
        "context": limits.context,
        "opening": OPENING,
        "segments": segments,
        "tiers": tier_rows,
        "date_origin": origin,
        "dates": varints(runs),
        "fold": "".join(k + v for k, v in sorted(fold_table_for(characters).items())),
        "aliases": [list(forms) for forms in groups],
    }
    base["build"] = hashlib.sha256(json.dumps([base, [out[k] for k in sorted(out)]], ensure_ascii=False)
                                   .encode("utf-8")).hexdigest()[:12]
    out["base.js"] = _script("base", base)
    return out, [folder / key for key in seg_keys] + [tier_folder / tier["key"] for tier in tiers]


def _link_files(pairs: list[tuple[str, str]]) -> None:
    for source, dest in pairs:
        try:
            os.link(source, dest)
        except OSError:
            shutil.copyfile(source, dest)


def _save_folder(folder: Path, files: dict[str, str] | Iterator[tuple[str, str]]) -> None:
    """Write a segment's or tier's files as they come; _info.json last, so a folder holding it is whole."""
    temporary = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    info = None
    for name, text in (files.items() if isinstance(files, dict) else files):
        if name == "_info.json":
            info = text
        else:
            (temporary / name).write_text(text, encoding="utf-8")
    (temporary / "_info.json").write_text(info, encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    temporary.rename(folder)


def write_search_bundle(documents: list[Shown], out_dir: Path, config: Any, store: Path,
                        limits: Limits = Limits(), warm: WarmAnalyser | None = None,
                        analysed: Callable[[], Any] | None = None) -> None:
    """Write the browser index of documents (shown.shown_documents, in search's order) and the
    search scripts into out_dir/search/; what the next build reuses (analyses, built segments) is
    kept in store. warm: the build's WarmAnalyser, if it started one; analysed: see build_bundle."""
    departments = DepartmentTable.load(config.path("data.departments"))
    files, folders = build_bundle(documents, departments, segmenter(departments.names_for_dictionary()), store,
                                  limits, warm, analysed)
    target = Path(out_dir) / "search"
    if (target / "data").exists():
        shutil.rmtree(target / "data")
    (target / "data").mkdir(parents=True)
    for relative, text in files.items():
        (target / "data" / relative).write_text(text, encoding="utf-8")
    # Segment and tier files are immutable once built: hard links cost no copy (a copy where links
    # fail). Plain string paths and a few threads (the system calls release the GIL) make linking
    # a 10,000-document bundle's files a fraction of a second.
    pairs = []
    for folder in folders:
        source, dest = str(folder), os.path.join(target, "data", folder.name)
        os.mkdir(dest)
        pairs.extend((os.path.join(source, name), os.path.join(dest, name)) for name in os.listdir(source)
                     if name.endswith(".js"))
    with ThreadPoolExecutor(LINK_THREADS) as pool:
        list(pool.map(_link_files, [pairs[start:start + 4096] for start in range(0, len(pairs), 4096)]))
    for name in CLIENT_FILES:
        text = (REPO_SEARCH / name).read_text(encoding="utf-8")
        # Comments and layout are for whoever reads search/; a first visit downloads the scripts
        # (archive-search.js and search-page.js: 13.8 KB over gzip as written, 9.9 KB minified).
        (target / name).write_text(rjsmin.jsmin(text) if name.endswith(".js") else text, encoding="utf-8")
