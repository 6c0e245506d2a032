"""Staff search (`build.py search`): a Whoosh index of jieba words for ranking, beside a store of
each document's folded text for matching.

Matching and ranking are split:

* which documents match is decided exactly as in the browser, by archive.query.matches over each
  document's folded text (a scan of 10,000 documents takes a few hundredths of a second per term),
  kept in SHARDS pickles beside staff.pickle (the marker and every document's content hash);
* Whoosh (BM25F) ranks them over jieba search-mode words of the title (boosted) and of the
  metadata and opening of the body, cut once by the browser bundle's build and read from its
  cache by content hash. A first build writes Whoosh's segment directly (_write_segment, the
  same bytes as Whoosh's own writer in a fraction of its time); edits go through Whoosh's writer.

Both are keyed by document id and a fingerprint of its content; update_index only rewrites what
changed.
"""

from __future__ import annotations

import hashlib
import itertools
import marshal
import zlib
from array import array
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.analysis import RegexTokenizer
from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.fields import ID, TEXT, Schema
from whoosh.formats import Existence, Frequency
from whoosh.query import Or
from whoosh.query import Term as WhooshTerm
from whoosh.scoring import BM25F
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from archive import urls
from archive.cache import read_pickle, write_pickle
from archive.departments import DepartmentTable
from archive.query import Term, department_aliases, folded_fields, matches, parse_query
from archive.search_index import alias_groups, analysis_salt, cached_words, content_hash, word_text
from archive.shown import shown_documents
from archive.tokenizer import fold_with_offsets, segmenter

SCHEMA_VERSION = "6"
STORE = "staff.pickle"  # marker and content hashes; the documents are in SHARDS files beside it
SHARDS = 16
CACHE_MIN = 50  # from this many changed documents the browser build's analysis cache is read
SNIPPET_BEFORE, SNIPPET_AFTER = 30, 70
TITLE_BOOST = 3.0
WHOOSH_DIR = "whoosh"
# From this many fresh documents a segment is written directly (see _write_segment); fewer go
# through Whoosh's writer, whose commit also merges the small segments that edits leave.
DIRECT_WRITE_MIN = 100
# Words reach Whoosh already cut by our jieba segmenter, joined by spaces: Whoosh pickles the
# schema into the index, so its analyzer must not hold a jieba instance; it only splits on spaces.
_SPACE_SEPARATED = RegexTokenizer(r"\S+")


def _schema() -> Schema:
    # No positions (phrase=False): BM25F needs only frequencies and field lengths, and staff search
    # sends Whoosh single-word terms only; positions made the index larger and slower to write.
    return Schema(id=ID(stored=True, unique=True),
                  title=TEXT(analyzer=_SPACE_SEPARATED, field_boost=TITLE_BOOST, phrase=False),
                  body=TEXT(analyzer=_SPACE_SEPARATED, phrase=False))


class SearchError(Exception):
    """The staff index cannot answer (missing or unreadable); the message says what to do."""


def _marker(site: Any) -> dict[str, Any]:
    """What the store was built with: a different schema or department table means a rebuild."""
    table = DepartmentTable.load(site.config.path("data.departments"))
    return {
        "schema": SCHEMA_VERSION,
        "dictionary": table.names_for_dictionary(),
        "aliases": {form: list(forms) for form, forms in sorted(department_aliases(table).items())},
    }


def _read(index_dir: Path) -> dict[str, Any] | None:
    """The store's head: marker and each document's content hash (its entries are in shards)."""
    data = read_pickle(index_dir / STORE)
    return data if isinstance(data, dict) and "marker" in data and "hashes" in data else None


def _shard_of(doc_id: str) -> int:
    return zlib.crc32(doc_id.encode("utf-8")) % SHARDS


def _shard_path(index_dir: Path, shard: int) -> Path:
    return index_dir / f"staff-{shard:02d}.pickle"


def _read_shard(index_dir: Path, shard: int) -> dict[str, Any] | None:
    data = read_pickle(_shard_path(index_dir, shard))
    return data if isinstance(data, dict) else None


def _fingerprint(doc: Any) -> str:
    """What tells a changed document: its metadata and body, as content_hash, but without the
    JSON encoding that was two thirds of an edit's update (0.47 s for 10,000 documents; 0.15-0.25 s
    with marshal). Marshal format 2 keeps no back-references, so equal values give equal bytes."""
    try:
        return hashlib.sha256(marshal.dumps((doc.meta, doc.fields, doc.text, doc.url), 2)).hexdigest()
    except ValueError:  # a value marshal cannot write
        return content_hash(doc)


def update_index(site: Any, index_dir: Path, bundle_store: Path) -> None:
    """Bring the store in index_dir up to date with site: documents whose id and content hash are
    unchanged are kept; changed, added and removed ones are rewritten. The browser bundle's build
    left every document's jieba words in bundle_store (search_index.cached_words)."""
    index_dir = Path(index_dir)
    marker = _marker(site)
    current = _read(index_dir)
    same = current is not None and current["marker"] == marker
    # Without its Whoosh index the store is rebuilt whole: unchanged documents would rank 0.
    stored = current["hashes"] if same and whoosh_index.exists_in(index_dir / WHOOSH_DIR) else {}
    documents = {doc.id: doc for doc in shown_documents(site)}
    hashes = {doc_id: _fingerprint(doc) for doc_id, doc in documents.items()}
    fresh = [doc_id for doc_id, digest in hashes.items() if stored.get(doc_id) != digest]
    removed = [doc_id for doc_id in stored if doc_id not in documents]
    missing = [shard for shard in range(SHARDS) if stored and not _shard_path(index_dir, shard).exists()]
    if stored and not fresh and not removed and not missing:
        return
    # Only the shards holding a changed document are read and rewritten (the store holds every
    # document's plain and folded text, ~250 MB at 10,000 documents), one at a time.
    touched: dict[int, list[str]] = {shard: [] for shard in range(SHARDS)} if not stored else {}
    for shard in [*map(_shard_of, [*fresh, *removed]), *missing]:
        touched.setdefault(shard, [])
    for doc_id in fresh:
        touched[_shard_of(doc_id)].append(doc_id)
    tokenizer = segmenter(marker["dictionary"])
    # The browser bundle's build already cut every document's words: reuse them by content hash.
    # A few documents are cut faster than the cache of all of them is read.
    if len(fresh) >= CACHE_MIN:
        table = DepartmentTable.load(site.config.path("data.departments"))
        cached = cached_words(bundle_store, analysis_salt(tokenizer, alias_groups(table)))
    else:
        cached = {}
    index_dir.mkdir(parents=True, exist_ok=True)
    ranked: dict[str, tuple[str, str]] = {}
    for shard, doc_ids in sorted(touched.items()):
        entries = _read_shard(index_dir, shard) if stored else {}
        if entries is None:  # lost or unreadable: its documents are written again
            entries, doc_ids = {}, [doc_id for doc_id in documents if _shard_of(doc_id) == shard]
        for doc_id in removed:
            entries.pop(doc_id, None)
        for doc_id in doc_ids:
            doc = documents[doc_id]
            values, plain = doc.fields, doc.text
            words = cached.pop(content_hash(doc), None) if cached else None  # popped: freed as the store grows
            if words is None:
                words = " ".join(sorted(set(tokenizer.words(word_text(values, plain)))))
            ranked[doc_id] = (" ".join(tokenizer.words(doc.title)), words)
            entries[doc_id] = {
                "folded": list(folded_fields(doc)),
                "fields": {
                    "id": doc.id,
                    "date": doc.date or "",
                    "doc_type": doc.doc_type,
                    "departments": values["departments"],
                    "topics": values["topics"],
                    "title": doc.title,
                    "plain": plain,  # for snippets
                    "source": doc.meta.get("source") or "",
                    "path": str(doc.doc.path or ""),
                    "url": doc.url,
                    "doc_number": doc.meta.get("doc_number") or "",
                },
            }
        # The head is written last: an interrupted update leaves what it had not finished fresh.
        write_pickle(_shard_path(index_dir, shard), entries)
        del entries
    del cached
    _update_whoosh(index_dir / WHOOSH_DIR, rebuild=not stored, removed=removed, fresh=ranked)
    write_pickle(index_dir / STORE, {"marker": marker, "hashes": hashes})


def _query_words(terms: list[Term], tokenizer) -> list[str]:
    words = []
    for term in terms:
        if not term.exclude:
            for alternative in term.alternatives:
                words.extend(tokenizer.words(alternative) or [alternative])
    return list(dict.fromkeys(words))


def _update_whoosh(folder: Path, *, rebuild: bool, removed: list[str], fresh: dict[str, tuple[str, str]]) -> None:
    """Delete removed documents and (re)write fresh ones; a rebuild starts from an empty index."""
    if rebuild or not whoosh_index.exists_in(folder):
        folder.mkdir(parents=True, exist_ok=True)
        index = whoosh_index.create_in(folder, _schema())
        replaced = []
    else:
        index = whoosh_index.open_dir(folder)
        replaced = list(fresh)
    writer = index.writer()
    try:
        for doc_id in [*removed, *replaced]:  # what update_document does before adding
            writer.delete_by_term("id", doc_id)
        documents = sorted(fresh.items())
        if documents and (len(documents) >= DIRECT_WRITE_MIN or not index.doc_count_all()):
            _write_segment(writer, documents)
            # A merge would feed old segments through the field writer after the terms written
            # here, out of order; a first build has nothing to merge.
            writer.commit(merge=False)
        else:
            for doc_id, (title, body) in documents:
                writer.add_document(id=doc_id, title=title, body=body)
            writer.commit()
    except BaseException:
        writer.cancel()  # releases the index's write lock for the next build
        raise


def _write_segment(writer, documents: list[tuple[str, tuple[str, str]]]) -> None:
    """Write documents as writer's new segment, byte for byte what writer.add_document and
    commit would write, without Whoosh's per-token and per-posting Python work (its analyzer
    pipeline, posting pool, temporary runs and one field-length read per posting). 10,000
    documents hold ~6.7 million postings: Whoosh's writer took 70-90 s for them, this 5-6 s.
    Relies on the W3 codec's block writer (whoosh-reloaded is pinned); tests/test_staff_search.py
    compares the files with those of Whoosh's own writer."""
    schema = writer.schema
    if not all(type(schema[name].format) in (Existence, Frequency) for name in schema.names()):
        raise TypeError("_write_segment writes frequencies only: positions need Whoosh's own writer")
    perdoc = writer.perdocwriter
    # The analyzer's tokens: str.split() splits on the characters \S+ stops at (str.isspace),
    # twice as fast as the regex.
    split = str.split
    count = len(documents)
    text_fields = ("title", "body")
    # Words become numbers as they are read (in C: a defaultdict numbering new words), so the
    # millions of token strings are never held at once.
    vocabularies = {name: defaultdict(itertools.count().__next__) for name in text_fields}
    numbered = {name: array("I") for name in text_fields}
    token_counts = {name: np.zeros(count, np.int64) for name in text_fields}
    for docnum, (doc_id, texts) in enumerate(documents):
        perdoc.start_doc(docnum)
        lengths = {"id": 0}
        for name, text in zip(text_fields, texts):
            tokens = split(text)
            numbered[name].extend(map(vocabularies[name].__getitem__, tokens))
            lengths[name] = token_counts[name][docnum] = len(tokens)
        # add_document's order: field names sorted, only the id stored, lengths of scorable fields.
        for name in sorted(schema.names()):
            field = schema[name]
            perdoc.add_field(name, field, doc_id if field.stored else None, lengths[name] if field.scorable else 0)
        perdoc.finish_doc()
    writer.docnum += count
    writer._added = True

    fieldwriter = writer.fieldwriter
    for name in sorted(schema.names()):  # the posting pool's order: field, term bytes, document
        field = schema[name]
        if name in vocabularies:
            postings = _postings(field, vocabularies[name], numbered[name], token_counts[name])
        else:  # the unique id: one posting, no length (Whoosh reads 0 for an unscored field)
            postings = _postings(field, {doc_id: docnum for docnum, (doc_id, _) in enumerate(documents)},
                                 array("I", range(count)), np.ones(count, np.int64), scored=False)
        _write_postings(fieldwriter, name, field, *postings)


def _postings(field, vocabulary: dict[str, int], numbered: array, token_counts: np.ndarray, scored: bool = True):
    """(terms in byte order, each term's first posting, postings' documents, frequencies and
    field lengths as Whoosh reads them back) of one field, documents ascending within a term."""
    count = len(token_counts)
    words = sorted(vocabulary, key=field.to_bytes)
    rank = np.empty(len(words), np.int32)
    rank[[vocabulary[word] for word in words]] = np.arange(len(words), dtype=np.int32)
    terms = rank[np.frombuffer(numbered, np.uint32)]
    # Tokens are in document order: a stable sort by term keeps each term's documents ascending
    # and a word repeated in a document in one run (its frequency).
    order = np.argsort(terms, kind="stable")
    terms = terms[order]
    documents = np.repeat(np.arange(count, dtype=np.uint32), token_counts)[order]
    del order
    repeated = (terms[1:] == terms[:-1]) & (documents[1:] == documents[:-1])
    if repeated.any():
        first = np.flatnonzero(np.append(True, ~repeated))
        frequencies = np.diff(np.append(first, len(terms))).astype(np.uint32)
        terms, documents = terms[first], documents[first]
        del first
    else:  # the usual body: cached words are distinct
        frequencies = np.ones(len(terms), np.uint32)
    del repeated
    starts = np.searchsorted(terms, np.arange(len(words) + 1))
    if scored:
        # The field length Whoosh stores is a byte (length_to_byte) and reads back rounded.
        rounded = np.array([byte_to_length(byte) if byte else 0
                            for byte in map(length_to_byte, range(int(token_counts.max(initial=0)) + 1))], np.int32)
        lengths = rounded[token_counts][documents]
    else:
        lengths = np.zeros(len(documents), np.int32)
    return [field.to_bytes(word) for word in words], starts, documents, frequencies, lengths


def _write_postings(fieldwriter, name: str, field, terms: list[bytes], starts: np.ndarray, documents: np.ndarray,
                    frequencies: np.ndarray, lengths: np.ndarray) -> None:
    """Each term's postings in blocks, as W3PostingsWriter.add_posting would have buffered them."""
    fieldwriter.start_field(name, field)
    if not terms:
        fieldwriter.finish_field()
        return
    boost = field.format.field_boost
    value_size = field.format.fixed_value_size()
    codec = fieldwriter._codec
    limit = codec._blocklimit
    # Block boundaries of every term at once, and each block's statistics by reduceat.
    sizes = np.diff(starts)
    blocks_per_term = -(-sizes // limit)
    block_term = np.repeat(np.arange(len(terms)), blocks_per_term)
    first_block = np.cumsum(blocks_per_term) - blocks_per_term
    block_starts = starts[block_term] + (np.arange(len(block_term)) - first_block[block_term]) * limit
    most = np.maximum.reduceat(frequencies, block_starts)
    least = np.minimum.reduceat(frequencies, block_starts)
    longest = np.maximum.reduceat(lengths, block_starts)
    no_length = np.iinfo(lengths.dtype).max
    shortest = np.minimum.reduceat(np.where(lengths > 0, lengths, no_length), block_starts)
    block_ends = np.append(block_starts[1:], len(documents))
    gaps = documents.copy()  # what W3PostingsWriter._mini_ids delta-encodes, block by block
    gaps[1:] -= documents[:-1]
    gaps[block_starts] = documents[block_starts]
    all_gaps = array("I", gaps.tobytes())
    del gaps
    all_documents = array("I", documents.tobytes())
    all_frequencies = array("I", frequencies.tobytes())
    one_value = pack_uint(1)
    most, least, longest, shortest = most.tolist(), least.tolist(), longest.tolist(), shortest.tolist()
    block_starts, block_ends, first_block = block_starts.tolist(), block_ends.tolist(), first_block.tolist()
    for term_number, term in enumerate(terms):
        fieldwriter.start_term(term)
        postwriter = fieldwriter._postwriter = _MinifiedBlocks(fieldwriter._postwriter, codec)
        first = first_block[term_number]
        for block in range(first, first + blocks_per_term[term_number]):
            if block > first:
                postwriter._write_block()
            start, end = block_starts[block], block_ends[block]
            if most[block] == least[block]:
                weights = array("f", [most[block] * boost]) * (end - start)
                minified_weights = None if weights[0] == 1.0 else weights[0]
            else:
                weights = array("f", [frequency * boost for frequency in all_frequencies[start:end]])
                minified_weights = tuple(weights)
            if not value_size:
                values = None
            elif most[block] == 1:
                values = one_value * (end - start)
            else:
                values = b"".join(map(pack_uint, all_frequencies[start:end]))
            postwriter._ids = all_documents[start:end]
            postwriter._weights = weights
            postwriter.minified = (tuple(all_gaps[start:end]), minified_weights, values)
            postwriter._maxweight = max(0, most[block] * boost)
            postwriter._minlength = None if shortest[block] == no_length else shortest[block]
            postwriter._maxlength = longest[block]
        fieldwriter.finish_term()
    fieldwriter.finish_field()


class _MinifiedBlocks(W3PostingsWriter):
    """W3PostingsWriter given each block already minified (delta-coded ids, weights, values):
    Whoosh computes those with a Python generator per posting."""

    def __init__(self, started: W3PostingsWriter, codec) -> None:
        super().__init__(started._postfile, codec._blocklimit, compression=codec._compression,
                         inlinelimit=codec._inlinelimit)
        self.__dict__.update(started.__dict__)
        self.minified: tuple = ((), None, None)

    def _mini_ids(self):
        return self.minified[0]

    def _mini_weights(self):
        return self.minified[1]

    def _mini_values(self):
        return self.minified[2]


def _whoosh_scores(folder: Path, words: list[str], matched: list[str]) -> dict[str, float]:
    """BM25F scores of the matched documents for the query's words (0 where no word occurs)."""
    scores = dict.fromkeys(matched, 0.0)
    if not words or not matched:
        return scores
    try:
        index = whoosh_index.open_dir(folder)
    except (OSError, whoosh_index.EmptyIndexError):
        raise SearchError(f"{folder}: no search index; run `python build.py build` first") from None
    query = Or([WhooshTerm(field, word) for word in words for field in ("title", "body")])
    with index.searcher(weighting=BM25F()) as searcher:
        for hit in searcher.search(query, limit=None):
            if hit["id"] in scores:
                scores[hit["id"]] = hit.score
    return scores

def _snippet(plain: str, terms: list[Term]) -> str:
    folded, offsets = fold_with_offsets(plain)
    for term in terms:
        if term.exclude:
            continue
        for alternative in term.alternatives:
            at = folded.find(alternative)
            if at >= 0:
                start = offsets[at]
                end = offsets[at + len(alternative) - 1] + 1
                before = plain[max(0, start - SNIPPET_BEFORE):start]
                after = plain[end:end + SNIPPET_AFTER]
                return " ".join(f"{before}【{plain[start:end]}】{after}".split())
    return " ".join(plain[:SNIPPET_BEFORE + SNIPPET_AFTER].split())


def search(index_dir: Path, query: str, *, year: int | str | None = None, date_from: str | None = None,
           date_to: str | None = None, department: str | None = None, topic: str | None = None,
           doc_type: str | None = None, limit: int | None = 20,
           departments: DepartmentTable | None = None) -> dict[str, Any]:
    """Documents matching query (archive.query semantics) and the filters, best first.
    year may be "undated"; date_from/date_to are inclusive YYYY-MM-DD; limit None returns all.
    With the department table, department may be any of a body's names (区发改委, 发改委, the full
    name); without it, only the name documents list. Malformed filters raise SearchError."""
    from datetime import datetime  # imported here: this function is the module's only user

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
    data = _read(index_dir)
    if data is None:
        raise SearchError(f"{index_dir}: no search index; run `python build.py build` first")
    marker, documents = data["marker"], {}
    for shard in range(SHARDS):
        entries = _read_shard(index_dir, shard)
        if entries is None:
            raise SearchError(f"{index_dir}: the search index is incomplete; run `python build.py build`")
        documents.update(entries)
    aliases = {form: tuple(forms) for form, forms in marker["aliases"].items()}
    terms = parse_query(query, aliases)
    positive = [term for term in terms if not term.exclude]
    matched = [doc_id for doc_id, entry in documents.items()
               if matches(terms, *entry["folded"])
               and _passes(entry["fields"], year, date_from, date_to, department, topic, doc_type)]
    scores = _whoosh_scores(index_dir / WHOOSH_DIR, _query_words(terms, segmenter(marker["dictionary"])), matched)
    results = []
    for doc_id in matched:
        _, meta, body = documents[doc_id]["folded"]
        score = scores[doc_id] + sum(
            (3.0 if alternative in meta else 0.0) + min(body.count(alternative), 20) * 0.1
            for term in positive for alternative in term.alternatives)
        results.append((score, documents[doc_id]["fields"]))
    results.sort(key=lambda item: (-item[0], _newest_key(item[1]["date"]), item[1]["id"]))
    shown = results if limit is None else results[:limit]
    return {
        "total": len(results),
        "results": [{
            "id": fields["id"],
            "source": fields["source"],
            "path": fields["path"],
            "url": fields["url"],
            "title": fields["title"],
            "date": fields["date"] or None,
            "doc_type": fields["doc_type"],
            "departments": fields["departments"],
            "doc_number": fields["doc_number"] or None,
            "snippet": _snippet(fields["plain"], terms),
            "score": round(score, 4),
        } for score, fields in shown],
    }


def _newest_key(date: str) -> str:
    # Newest first among equal scores; undated ("") last.
    return "".join(chr(0x10FFFF - ord(char)) for char in date) if date else "\U0010ffff"


def _passes(fields: dict[str, Any], year, date_from, date_to, department, topic, doc_type) -> bool:
    date = fields["date"]
    if year is not None and str(year) != (date[:4] if date else urls.UNDATED_KEY):
        return False
    if date_from and (not date or date < date_from):
        return False
    if date_to and (not date or date > date_to):
        return False
    if department and department not in fields["departments"]:
        return False
    if topic and topic not in fields["topics"]:
        return False
    return not doc_type or doc_type == fields["doc_type"]


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
