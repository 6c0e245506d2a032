"""Staff search (`build.py search`): the browser's result set, ranked by Whoosh's BM25F.

* Which documents match is read from the built site's browser bundle by archive.search.bundle_reader:
  the same files and lookups as search/archive-search.js, so staff search returns exactly the
  browser's set by construction.
* Whoosh ranks them over jieba search-mode words of the title (boosted) and of the metadata and
  opening of the body (search_index.word_text), cut once by the bundle's build and read from its
  cache by content hash. The query is not cut with jieba (loading its dictionary was over half of
  a 2.2 s command): its words are its substrings that are words of the index (`_query_words`).
  Documents whose metadata a term matched get META_BONUS per such term, as the browser ranks a
  metadata hit above a body hit.

The index is written with Whoosh's public writer: a first build from an empty index, an edit by `update_document` / `delete_by_term` for the changed documents only (keyed by document id
and a fingerprint of its content). Beside it, STORE holds those fingerprints, the ids in the
bundle's order and the bundle build they belong to (so a result number maps to its id without
reading every result's row), and where the site is.
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import re
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from whoosh import index as whoosh_index
from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.query import DefaultOr
from whoosh.query import Term as WhooshTerm
from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F
from whoosh.writing import NO_MERGE

from archive.search.bundle_format import day_number
from archive.search.bundle_reader import Bundle, BundleError, Evaluation
from archive.search.tokenizer import fold, fold_with_offsets
from archive.site import urls
from archive.site.cache import read_pickle, write_pickle
from archive.workers import available_cores, worker_pool

SCHEMA_VERSION = "9"
STORE = "staff.pickle"  # marker, fingerprints, ids in bundle order, the bundle's build, the site folder
WHOOSH_DIR = "whoosh"
ASIDE_DIR = "whoosh.new"  # a rebuild is written here, then moved to WHOOSH_DIR
# From this many changed documents the index is written by a process of its own while the build
# renders its pages (StaffUpdate); fewer take well under a second in the build's process, less
# than starting one.
BACKGROUND_MIN = 400
TITLE_BOOST = 3.0
META_BONUS = 3.0  # per query term the document's metadata holds
PAGE_MARGIN = 2  # a first page asks Whoosh for this many times its length per count of metadata hits
MAX_WORD = 18  # longest query substring looked up as a word (the bundle keeps words up to 18 too)
WRITER_MB = 256  # Whoosh's buffer before it spills a run of postings to disk
# Whoosh counts about 170 bytes a posting, more for longer words, against that buffer
# (PostingPool.add): a batch of this many words is sorted in memory, never spilled (_update_whoosh).
BATCH_POSTINGS = WRITER_MB * 2**20 // 256
# A first build leaves a segment per batch, of equal size, and each edit a small one. Once this
# many segments of under SMALL_DOCS documents exist, an edit's commit merges them into one
# (_merge_small). Whoosh's default policy, a Fibonacci rule made for segments that grow
# geometrically, merged most of the batches at every edit: 217 s of a 270 s edit at 100,000.
SMALL_DOCS = 256
SMALL_SEGMENTS = 8
SNIPPET_BEFORE, SNIPPET_AFTER = 30, 70  # as archive-search.js snippetParts
# Words reach Whoosh already cut by our jieba segmenter, joined by spaces: Whoosh pickles the
# schema into the index, so its analyzer must not hold a jieba instance; it only splits on spaces.
_SPACE_SEPARATED = RegexTokenizer(r"\S+")


def _schema() -> Schema:
    # No positions (phrase=False): BM25F needs only frequencies and field lengths.
    # The id is also a column: a query maps Whoosh's document numbers to ids without reading
    # every hit's stored fields.
    return Schema(id=ID(stored=True, unique=True, sortable=True), path=STORED(),
                  title=TEXT(analyzer=_SPACE_SEPARATED, field_boost=TITLE_BOOST, phrase=False),
                  body=TEXT(analyzer=_SPACE_SEPARATED, phrase=False))


class SearchError(Exception):
    """The staff index cannot answer (missing or unreadable); the message says what to do."""


def _read(index_dir: Path) -> dict[str, Any] | None:
    data = read_pickle(Path(index_dir) / STORE)
    return data if isinstance(data, dict) and data.get("marker", {}).get("schema") == SCHEMA_VERSION else None


def _bundle_build(site_dir: Path) -> str | None:
    try:
        return Bundle(site_dir).base["build"]
    except BundleError:
        return None


def update_index(documents: list[Any], config: Any, index_dir: Path, bundle_store: Path, site_dir: Path) -> None:
    """StaffUpdate started and finished at once, in this process (the site is in site_dir already)."""
    with StaffUpdate(documents, config, index_dir, bundle_store, site_dir, background=False) as update:
        update.finish()


class StaffUpdate:
    """Brings the staff index in index_dir up to date with documents (shown.shown_documents of the
    site whose bundle was just built: its build left every document's jieba words in bundle_store).
    Documents whose id and content hash are unchanged are kept; changed, added and removed ones
    are rewritten.

    The build makes it before the search bundle, calls start() once the bundle has cached every
    document's words, and finish() once the new site is in site_dir (publishing never waits on
    it). From BACKGROUND_MIN changed documents, start() has the index written meanwhile by a process
    of its own, on a core the build leaves it (`in_background`): at 10,000 documents a first
    build's 31 s of Whoosh run while the tiers are grouped and the pages rendered. Fewer are written
    in finish(), in this process. A rebuild is written aside (ASIDE_DIR) and moved into place at
    the end, so an interrupted one leaves the old index."""

    def __init__(self, documents: list[Any], config: Any, index_dir: Path, bundle_store: Path, site_dir: Path,
                 background: bool = True) -> None:
        # The build side's modules load here: the query side (search) must start fast without them.
        from archive.departments import DepartmentTable
        from archive.search.search_index import alias_groups, analysis_salt
        from archive.search.tokenizer import segmenter

        self.index_dir, self.site_dir = Path(index_dir), Path(site_dir)
        table = DepartmentTable.load(config.path("data.departments"))
        marker = {"schema": SCHEMA_VERSION, "dictionary": table.names_for_dictionary()}
        self.current = _read(self.index_dir)
        live = self.index_dir / WHOOSH_DIR
        ok = self.current and self.current["marker"] == marker and whoosh_index.exists_in(live)
        stored = self.current["hashes"] if ok else {}
        self.head = {"marker": marker, "hashes": {doc.id: doc.key for doc in documents},
                     "ids": [doc.id for doc in documents]}
        self.fresh = {doc.id: doc for doc in documents if stored.get(doc.id) != self.head["hashes"][doc.id]}
        removed = [doc_id for doc_id in stored if doc_id not in self.head["hashes"]]
        self.rebuild = not stored
        self.folder = self.index_dir / ASIDE_DIR if self.rebuild else live
        self.tokenizer = segmenter(marker["dictionary"])
        self.work = None
        if self.fresh or removed or self.rebuild:
            self.work = (self.folder, self.rebuild, removed,
                         [(doc.id, doc.key, doc.title, str(doc.doc.path or "")) for doc in self.fresh.values()],
                         Path(bundle_store), analysis_salt(self.tokenizer, alias_groups(table)))
        self.background = (background and self.work is not None and available_cores() > 1
                           and len(self.fresh) + len(removed) >= BACKGROUND_MIN
                           and "forkserver" in multiprocessing.get_all_start_methods())
        self._pool = self._pending = None

    def start(self) -> None:
        """Start writing in the background, if the update is large enough (see the class)."""
        if self.background and self._pool is None:
            self._pool = worker_pool(1, "forkserver")
            self._pending = self._pool.apply_async(_write, self.work)

    @property
    def in_background(self) -> bool:
        """Whether a process of its own is writing the index now (it takes a core until it is done)."""
        return self._pool is not None and not self._pending.ready()

    def finish(self) -> None:
        """Wait for the index (or write it now), put it in place, then record what it holds."""
        if self.work:
            if self._pool is not None:
                missing = self._pending.get()
                self._stop()
            else:
                missing = _write(*self.work)
            if missing:
                # Documents whose words the bundle's cache no longer had: cut them now (rare; jieba
                # loads for them).
                from archive.search.search_index import document_words
                docs = [self.fresh[doc_id] for doc_id in missing]
                _update_whoosh(self.folder, rebuild=False, removed=[], fresh=(
                    (doc.id, _ranked(doc.title, document_words(self.tokenizer, doc.fields, doc.text),
                                     str(doc.doc.path or ""))) for doc in docs))
            if self.rebuild:
                _replace(self.folder, self.index_dir / WHOOSH_DIR)
            self.work = None
        head = dict(self.head, build=_bundle_build(self.site_dir),
                    site=os.path.relpath(self.site_dir.resolve(), self.index_dir.resolve()))
        if head != self.current:  # written last: an interrupted update leaves the changed documents fresh
            self.index_dir.mkdir(parents=True, exist_ok=True)
            write_pickle(self.index_dir / STORE, head)
            self.current = head

    def close(self) -> None:
        """Stop a background writer still running (the build failed) and drop a rebuild left aside."""
        self._stop()
        if self.work and self.rebuild:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> "StaffUpdate":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _write(folder: Path, rebuild: bool, removed: list[str], fresh: list[tuple[str, str, str, str]],
           store: Path, salt: str) -> list[str]:
    """Write the fresh documents ((id, content hash, title, file path), bundle order) with the words
    the bundle's build cached for them, and delete the removed ones; returns the ids of fresh
    documents with no cached words, left for the caller. Runs in a worker process or in the build's."""
    from archive.search.search_index import cached_words

    missing: list[str] = []

    def ranked() -> Iterator[tuple[str, tuple[str, str, str]]]:
        # Consecutive documents share a segment's words file: one is in memory at a time.
        for (doc_id, _, title, path), words in zip(fresh, cached_words(store, salt, [key for _, key, _, _ in fresh])):
            if words is None:
                missing.append(doc_id)
            else:
                yield doc_id, _ranked(title, words, path)

    if rebuild:
        shutil.rmtree(folder, ignore_errors=True)
    _update_whoosh(folder, rebuild=rebuild, removed=removed, fresh=ranked())
    return missing


def _ranked(title: str, words: str, path: str) -> tuple[str, str, str]:
    """A document's fields for Whoosh: its title's words, all its words, its file. The title's words
    are the document's words that occur in its title (a line of word_text, which jieba cuts line
    by line), so ranking never needs jieba for a cached document."""
    folded = fold(title)
    return " ".join(word for word in words.split() if word in folded), words, path


def _replace(new: Path, old: Path) -> None:
    """Put the index written aside in new where old is, old deleted."""
    retired = old.with_name(old.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    if old.exists():
        old.rename(retired)
    new.rename(old)
    shutil.rmtree(retired, ignore_errors=True)


def _update_whoosh(folder: Path, *, rebuild: bool, removed: list[str],
                   fresh: Iterable[tuple[str, tuple[str, str, str]]]) -> None:
    """Delete removed documents and (re)write fresh ones; a rebuild starts from an empty index.

    Documents go in batches of at most BATCH_POSTINGS words, each committed as a segment of its
    own: Whoosh sorts a batch's postings in memory, where past its buffer it pickles every posting
    into a run file, reads it back and merges the runs (33 s of a 60 s first build at 10,000
    documents; batches made it 31 s). A rebuild's segments are not merged (that would pool every
    posting again); an edit's commit merges the small segments edits leave (_merge_small)."""
    if rebuild or not whoosh_index.exists_in(folder):
        folder.mkdir(parents=True, exist_ok=True)
        # One process: Whoosh's multiprocess writer (procs=2, multisegment=True) took 78 s for
        # 10,000 documents against 81 s for one (search/README.md).
        index = whoosh_index.create_in(folder, _schema())
    else:
        index = whoosh_index.open_dir(folder)
    for number, batch in enumerate(_batches(fresh)):
        # Segments as plain files, not Whoosh's compound file: a reader copies each part of a
        # compound file it opens into memory (its BufferFile reads the mapped file into a BytesIO),
        # every posting of every segment on every search (0.9 GB and 0.35 s of a 1.3 s search at
        # 100,000 documents); plain files are read where asked.
        writer = index.writer(limitmb=WRITER_MB, compound=False)
        add = writer.add_document if rebuild else writer.update_document
        try:
            for doc_id in removed if number == 0 else ():
                writer.delete_by_term("id", doc_id)
            for doc_id, (title, body, path) in batch:
                add(id=doc_id, path=path, title=title, body=body)
            writer.commit(mergetype=NO_MERGE if rebuild else _merge_small)
        except BaseException:
            writer.cancel()  # releases the index's write lock for the next build
            raise


def _merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge policy (`commit(mergetype=...)`): the segments kept as they are; the small
    ones, once SMALL_SEGMENTS of them exist, are added to the segment being written."""
    small = [segment for segment in segments if segment.doc_count_all() < SMALL_DOCS]
    if len(small) < SMALL_SEGMENTS:
        return segments
    for segment in small:
        with SegmentReader(writer.storage, writer.schema, segment) as reader:
            writer.add_reader(reader)
    return [segment for segment in segments if segment.doc_count_all() >= SMALL_DOCS]


def _batches(documents: Iterable[tuple[str, tuple[str, str, str]]]) -> Iterator[list[tuple[str, tuple[str, str, str]]]]:
    """documents in runs of at most BATCH_POSTINGS words (title and body), one document at least;
    always one run, empty when there are none (a commit of deletions alone)."""
    batch: list[tuple[str, tuple[str, str, str]]] = []
    size = 0
    for doc_id, (title, body, path) in documents:
        words = title.count(" ") + body.count(" ") + 2
        if batch and size + words > BATCH_POSTINGS:
            yield batch
            batch, size = [], 0
        batch.append((doc_id, (title, body, path)))
        size += words
    yield batch


# ---------------------------------------------------------------------------------------------
# Query


def _query_words(reader, evaluation: Evaluation, group_of) -> list[tuple[str, str]]:
    """(field, word) pairs for BM25F: every substring of the query's terms (2 to MAX_WORD
    characters) that is a word of that field in the index. jieba's search mode cuts a text into
    its words and the longer words that contain them; the index holds what it cut from the
    documents, so the query's words are found there without cutting the query. A department
    term's words are those of the name as typed (as the browser's word bonus): every other name's
    words (发展, 改革, 委员会 …) would score nearly every document."""
    pairs = {}
    for term, _ in evaluation.results:
        if term.exclude:
            continue
        for alternative in (term.text,) if group_of(term) is not None else term.alternatives:
            for start in range(len(alternative) - 1):
                for end in range(start + 2, min(len(alternative), start + MAX_WORD) + 1):
                    for name in ("title", "body"):
                        if (name, alternative[start:end]) in reader:
                            pairs[name, alternative[start:end]] = True
    return list(pairs)


def _docnums(reader, wanted: dict[str, int]) -> dict[int, int]:
    """Result number -> Whoosh document number of the wanted documents (id -> result number)."""
    # The id column in one pass (read document by document, 0.9 s at 100,000); a replaced
    # document's old version keeps its id, so deleted numbers are skipped.
    deleted = reader.is_deleted if reader.has_deletions() else None
    return {wanted[doc_id]: docnum for docnum, doc_id in enumerate(reader.column_reader("id"))
            if doc_id in wanted and not (deleted and deleted(docnum))}


def _best_first(searcher, words: list[tuple[str, str]], docs: list[int], docnums: dict[int, int],
                in_meta: Counter, limit: int | None) -> list[tuple[float, int]]:
    """(score, result number) of the best `limit` of docs (all of them for None), best first and
    newer first on ties: BM25F of the query's words (0 where none occurs) plus META_BONUS per term
    the document's metadata holds. docnums: result number -> Whoosh document number.

    A first page is taken, for each count of metadata hits, from Whoosh's top-N search, which skips
    the blocks of postings that cannot enter it: scoring all 95,000 matches of 发展 at 100,000
    documents was 0.4 s of a 1 s command. It is exact: a count's best PAGE_MARGIN x limit are asked
    for, and unless the last of them ties with the limit-th (then that count is scored whole),
    every document that can be among its best `limit` is there."""
    # DefaultOr, Whoosh's union as a tree of matchers: its plain Or preloads every posting of a
    # query of more than two words over segments of under 5,000 documents, which leaves a top-N
    # search nothing to skip (营商环境 at 100,000: 0.31 s against 0.06 s).
    query = DefaultOr([WhooshTerm(name, word) for name, word in words]) if words else None

    def top(group: list[int], count: int | None) -> list[tuple[float, int]]:
        allow = {docnums[d]: d for d in group if d in docnums}
        if query is None or not allow:
            return []
        return [(score, allow[docnum]) for score, docnum in searcher.search(query, limit=count, filter=set(allow)).top_n]

    def best(scores: dict[int, float], pool: Iterable[int]) -> list[tuple[float, int]]:
        def score(d: int) -> float:
            return scores.get(d, 0.0) + META_BONUS * in_meta[d]
        order = sorted(pool, key=lambda d: (-score(d), d)) if limit is None else \
            heapq.nsmallest(limit, pool, key=lambda d: (-score(d), d))
        return [(score(d), d) for d in order]

    if limit is None:
        return best({d: score for score, d in top(docs, None)}, docs)
    by_hits: dict[int, list[int]] = {}
    for d in docs:
        by_hits.setdefault(in_meta[d], []).append(d)
    scores: dict[int, float] = {}
    candidates: list[int] = []
    for group in by_hits.values():
        found = top(group, PAGE_MARGIN * limit)
        if len(found) == PAGE_MARGIN * limit and found[-1][0] >= found[limit - 1][0]:
            found = top(group, None)  # ties reach past the best PAGE_MARGIN x limit
        scores.update((d, score) for score, d in found)
        candidates += [d for _, d in found]
        if len(found) < limit:  # the rest of the count score 0 here: its newest fill the page
            candidates += heapq.nsmallest(limit - len(found), (d for d in group if d not in scores))
    return best(scores, candidates)


def search(index_dir: Path, query: str, *, site_dir: Path | None = None, year: int | str | None = None,
           date_from: str | None = None, date_to: str | None = None, department: str | None = None,
           topic: str | None = None, doc_type: str | None = None, limit: int | None = 20,
           departments: Any = None) -> dict[str, Any]:
    """Documents matching query (the browser's set, from the bundle in site_dir, by default the site
    the index was last built for) and the filters, best first. year may be "undated";
    date_from/date_to are inclusive YYYY-MM-DD; limit None returns all. With the department table,
    department may be any of a body's names (区发改委, 发改委, the full name); without it, only the
    name documents list. Malformed filters raise SearchError."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise SearchError(f"limit: expected a whole number of 1 or more, got {limit!r}")
    bounds = []
    for name, value in (("from", date_from), ("to", date_to)):
        try:
            # strptime also checks the day exists (2024-02-30 fails); isoformat pads 2024-1-5.
            bounds.append(value and datetime.strptime(value, "%Y-%m-%d").date().isoformat())
        except (TypeError, ValueError):
            raise SearchError(f"{name}: expected a date as YYYY-MM-DD (e.g. 2024-01-31), got {value!r}") from None
    date_from, date_to = bounds
    if date_from and date_to and date_from > date_to:
        raise SearchError(f"from {date_from} is after to {date_to}: no date can be in that range")
    if department and departments is not None:
        department = departments.canonical(department) or department
    index_dir = Path(index_dir)
    head = _read(index_dir)
    if head is None or not whoosh_index.exists_in(index_dir / WHOOSH_DIR):
        raise SearchError(f"{index_dir}: no search index; run `python build.py build` first")
    try:
        bundle = Bundle(Path(site_dir) if site_dir is not None else index_dir / head["site"])
    except BundleError as error:
        raise SearchError(str(error)) from None

    evaluation = bundle.evaluate_all(bundle.parse(query))
    low, high = day_number(date_from), day_number(date_to)
    tests = [test for wanted, test in [
        (year is not None, lambda d: bundle.year(d) == str(year)),
        (low is not None or high is not None, lambda d: bundle.days[d] is not None
         and (low is None or bundle.days[d] >= low) and (high is None or bundle.days[d] <= high)),
        (department, lambda d: d in bundle.labels("department").get(department, ())),
        (topic, lambda d: d in bundle.labels("topic").get(topic, ())),
        (doc_type, lambda d: d in bundle.labels("type").get(doc_type, ())),
    ] if wanted]
    docs = [d for d in bundle.matching(evaluation) if all(test(d) for test in tests)]
    # Result numbers to ids: from the index's list when it describes this bundle, else (a build
    # swapped the site in and has not updated this index yet) from each result's row.
    if head["build"] == bundle.base["build"]:
        wanted = {head["ids"][d]: d for d in docs}
    else:
        wanted = {bundle.row(d)["id"]: d for d in docs}
    positive = [(term, hits) for term, hits in evaluation.results if not term.exclude]
    with whoosh_index.open_dir(index_dir / WHOOSH_DIR).searcher(weighting=BM25F()) as searcher:
        reader = searcher.reader()
        docnums = _docnums(reader, wanted) if docs else {}
        in_meta = Counter(d for _, hits in positive for d, hit in hits.items() if hit.meta)
        words = _query_words(reader, evaluation, bundle.group) if docnums else []
        shown = _best_first(searcher, words, docs, docnums, in_meta, limit)
        paths = {d: searcher.stored_fields(docnums[d])["path"] if d in docnums else "" for _, d in shown}
    needles = [alternative for term, _ in positive for alternative in term.alternatives]
    results = []
    for score, d in shown:
        row = bundle.row(d)
        meta_only = all(hits[d].meta for _, hits in positive) if positive else False
        results.append({
            "id": row["id"], "source": row["source"], "path": paths[d], "url": row["url"],
            "title": row["title"], "date": row["date"] or None, "doc_type": row["doc_type"],
            "departments": row["departments"], "doc_number": row["doc_number"] or None,
            "snippet": _snippet(bundle, d, row, needles, meta_only), "score": round(score, 4),
        })
    return {"total": len(docs), "results": results}


def _snippet(bundle: Bundle, doc: int, row: dict[str, Any], needles: list[str], meta_only: bool) -> str:
    """The browser's snippet (archive-search.js snippetFor) with 【】 around each match: from the
    opening in the row, or else from the whole text, so it shows the match wherever it is; a
    document every term matched in its metadata shows its opening."""
    opening = row["opening"]
    if meta_only or row["rest"] < 0 or not needles or any(n in fold(opening) for n in needles):
        text = opening
    else:
        text = bundle.text(doc)
    return "".join(f"【{part}】" if marked else part for part, marked in snippet_parts(text, needles))


def snippet_parts(text: str, needles: list[str]) -> list[tuple[str, bool]]:
    """[(text, marked), ...]: SNIPPET_BEFORE characters before the best match and SNIPPET_AFTER
    after it. The best match is the one followed, within the snippet, by the most different needles
    (every term of 营商 环境 near each other beats either alone); the first among equals."""
    folded, offsets = fold_with_offsets(text)
    marks = []
    for which, needle in enumerate(needles):
        at = folded.find(needle)
        while at >= 0:
            marks.append((offsets[at], offsets[at + len(needle) - 1] + 1, which))
            at = folded.find(needle, at + 1)
    marks.sort(key=lambda m: (m[0], -m[1]))
    focus, best = 0, 0
    for i, mark in enumerate(marks):
        seen = set()
        for later in marks[i:]:
            if later[0] >= mark[0] + SNIPPET_AFTER:
                break
            seen.add(later[2])
        if len(seen) > best:
            best, focus = len(seen), mark[0]
    start, end = max(0, focus - SNIPPET_BEFORE), min(len(text), focus + SNIPPET_AFTER)
    parts, at = [], start
    for mark_start, mark_end, _ in marks:
        if mark_start < at or mark_start >= end:
            continue
        if mark_start > at:
            parts.append((text[at:mark_start], False))
        parts.append((text[mark_start:min(mark_end, end)], True))
        at = min(mark_end, end)
    if at < end:
        parts.append((text[at:end], False))
    parts = [(re.sub(r"\s+", " ", part), marked) for part, marked in parts]
    if start > 0:
        parts.insert(0, ("…", False))
    if end < len(text):
        parts.append(("…", False))
    return parts


def format_results(result: dict[str, Any]) -> str:
    """Human-readable listing of search() output for the terminal: per result its title, then date,
    type, 发文字号 and the first departments (as the search page lists them), id, file and snippet."""
    shown = 3  # departments listed before "等 N 个部门", as on the search page
    lines = [f"{result['total']} 篇文件"]
    for number, item in enumerate(result["results"], start=1):
        names = item["departments"]
        departments = "、".join(names[:shown])
        if len(names) > shown:
            departments += f" 等 {len(names)} 个部门"
        facts = [item["date"] or urls.UNDATED_LABEL, item["doc_type"], item["doc_number"], departments]
        lines.append(f"{number:>3}. {item['title']}")
        lines.append("     " + " · ".join(fact for fact in facts if fact) + f"  [{item['id']}]")
        lines.append(f"     {item['path'] or item['source']}")
        lines.append(f"     {item['snippet']}")
    return "\n".join(lines)
