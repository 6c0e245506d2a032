"""Staff search (`build.py search`): a Whoosh index of jieba words for ranking, beside a store of
each document's folded text for matching.

Matching and ranking are split:

* which documents match is decided exactly as in the browser, by archive.query.matches over each
  document's folded text (a scan of 10,000 documents takes a few hundredths of a second per term),
  kept in staff.pickle;
* Whoosh (BM25F) ranks them over jieba search-mode words of the title (boosted) and of the
  metadata and opening of the body, cut once by the browser bundle's build and read from its
  cache by content hash.

Both are keyed by document id and content hash; update_index only rewrites what changed.
"""

from __future__ import annotations

import pickle
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import Or
from whoosh.query import Term as WhooshTerm
from whoosh.scoring import BM25F
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from archive import urls
from archive.departments import DepartmentTable
from archive.query import Term, department_aliases, folded_fields, matches, meta_values, parse_query
from archive.search_index import (ANALYSIS_CACHE, AnalysisCache, alias_groups, analysis_salt, content_hash,
                                  documents_of, type_label, word_text)
from archive.tokenizer import fold_with_offsets, plain_text, segmenter

SCHEMA_VERSION = "6"
STORE = "staff.pickle"
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
    try:
        with (index_dir / STORE).open("rb") as handle:
            data = pickle.load(handle)
        return data if isinstance(data, dict) and "marker" in data else None
    except (OSError, EOFError, ValueError, AttributeError, pickle.UnpicklingError):
        return None


def update_index(site: Any, index_dir: Path) -> None:
    """Bring the store in index_dir up to date with site: documents whose id and content hash are
    unchanged are kept; changed, added and removed ones are rewritten."""
    index_dir = Path(index_dir)
    marker = _marker(site)
    current = _read(index_dir)
    stored = current["documents"] if current is not None and current["marker"] == marker else {}
    documents = {doc.id: doc for doc in documents_of(site)}
    hashes = {doc_id: content_hash(doc) for doc_id, doc in documents.items()}
    fresh = [doc_id for doc_id, digest in hashes.items() if doc_id not in stored or stored[doc_id]["hash"] != digest]
    if current is not None and not fresh and stored.keys() == documents.keys() and current["marker"] == marker:
        return
    tokenizer = segmenter(marker["dictionary"])
    table = DepartmentTable.load(site.config.path("data.departments"))
    # The browser bundle's build already cut every document's words: reuse them by content hash.
    cached = AnalysisCache(index_dir / ANALYSIS_CACHE, analysis_salt(tokenizer, alias_groups(table))).entries
    out = {doc_id: stored[doc_id] for doc_id in documents if doc_id not in fresh}
    ranked_words: dict[str, list[str]] = {}
    for doc_id in fresh:
        doc = documents[doc_id]
        values = meta_values(doc)
        plain = plain_text(doc.body)
        analysis = cached.get(hashes[doc_id])
        words = analysis["words"] if analysis is not None else sorted(set(tokenizer.words(word_text(values, plain))))
        ranked_words[doc_id] = words
        out[doc_id] = {
            "hash": hashes[doc_id],
            "folded": list(folded_fields(doc)),
            "fields": {
                "id": doc.id,
                "date": doc.date or "",
                "doc_type": type_label(doc),
                "departments": values["departments"],
                "topics": values["topics"],
                "title": doc.title,
                "plain": plain,  # for snippets
                "source": doc.meta.get("source") or "",
                "path": str(doc.path or ""),
                "url": urls.document_url(doc),
                "doc_number": doc.meta.get("doc_number") or "",
            },
        }
    index_dir.mkdir(parents=True, exist_ok=True)
    _update_whoosh(index_dir / WHOOSH_DIR, rebuild=not stored,
                   removed=[doc_id for doc_id in stored if doc_id not in documents],
                   fresh={doc_id: (" ".join(tokenizer.words(documents[doc_id].title)), " ".join(ranked_words[doc_id]))
                          for doc_id in fresh})
    temporary = index_dir / (STORE + ".tmp")
    with temporary.open("wb") as handle:
        pickle.dump({"marker": marker, "documents": out}, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(index_dir / STORE)


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
    for doc_id in [*removed, *replaced]:  # what update_document does before adding
        writer.delete_by_term("id", doc_id)
    documents = sorted(fresh.items())
    if len(documents) >= DIRECT_WRITE_MIN or not index.doc_count_all():
        _write_segment(writer, documents)
        # A merge would feed old segments through the field writer after the terms written
        # here, out of order; a first build has nothing to merge.
        writer.commit(merge=False)
    else:
        for doc_id, (title, body) in documents:
            writer.add_document(id=doc_id, title=title, body=body)
        writer.commit()


def _write_segment(writer, documents: list[tuple[str, tuple[str, str]]]) -> None:
    """Write documents as writer's new segment, byte for byte what writer.add_document and
    commit would write, without Whoosh's per-token and per-posting Python work (its analyzer
    pipeline, posting pool, temporary runs and one field-length read per posting). 10,000
    documents hold ~6.7 million postings: Whoosh's writer took 70-80 s for them, this takes a
    few seconds. Relies on the W3 codec's block writer (whoosh-reloaded is pinned);
    tests/test_staff_search.py compares the files with those of Whoosh's own writer."""
    schema = writer.schema
    perdoc = writer.perdocwriter
    split = _SPACE_SEPARATED.expression.findall  # the analyzer's own tokens
    text_fields = sorted(name for name in schema.names() if name != "id")
    inverted: dict[str, dict[str, array]] = {name: {} for name in ("id", *text_fields)}
    repeated: dict[str, dict[str, dict[int, int]]] = {name: {} for name in text_fields}  # freq > 1
    lengths: dict[str, list[int]] = {name: [] for name in text_fields}  # as Whoosh reads them back
    for docnum, (doc_id, texts) in enumerate(documents):
        perdoc.start_doc(docnum)
        counted = {"id": 0}
        for name, text in zip(("title", "body"), texts):
            tokens = split(text)
            counted[name] = len(tokens)
            postings = inverted[name]
            counts = Counter(tokens)
            for word in (tokens if len(counts) == len(tokens) else counts):
                docs = postings.get(word)
                if docs is None:
                    docs = postings[word] = array("I")
                docs.append(docnum)
            if len(counts) != len(tokens):
                for word, count in counts.items():
                    if count > 1:
                        repeated[name].setdefault(word, {})[docnum] = count
            stored_length = length_to_byte(len(tokens))
            lengths[name].append(byte_to_length(stored_length) if stored_length else 0)
        inverted["id"][doc_id] = array("I", [docnum])
        # add_document's order: field names sorted, only the id stored, lengths of scorable fields.
        for name in sorted(schema.names()):
            field = schema[name]
            perdoc.add_field(name, field, doc_id if field.stored else None, counted[name] if field.scorable else 0)
        perdoc.finish_doc()
    writer.docnum += len(documents)
    writer._added = True

    fieldwriter = writer.fieldwriter
    for name in sorted(inverted):  # the posting pool's order: field name, term bytes, document
        field = schema[name]
        fieldwriter.start_field(name, field)
        boost = field.format.field_boost
        value_size = field.format.fixed_value_size()
        field_lengths = lengths.get(name)
        extra = repeated.get(name, {})
        for term, word in sorted((field.to_bytes(word), word) for word in inverted[name]):
            docs = inverted[name][word]
            counts = extra.get(word, {})
            fieldwriter.start_term(term)
            postwriter = fieldwriter._postwriter
            limit = postwriter._blocklimit
            for start in range(0, len(docs), limit):
                if start:
                    postwriter._write_block()
                block = docs[start:start + limit]
                frequencies = [counts.get(docnum, 1) for docnum in block] if counts else [1] * len(block)
                block_lengths = [field_lengths[docnum] for docnum in block] if field_lengths else []
                postwriter._ids = block
                postwriter._weights = array("f", [count * boost for count in frequencies])
                postwriter._values = [pack_uint(count) for count in frequencies] if value_size else []
                postwriter._maxweight = max(0, max(postwriter._weights))
                postwriter._minlength = min((length for length in block_lengths if length), default=None)
                postwriter._maxlength = max(block_lengths, default=0)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


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
           doc_type: str | None = None, limit: int | None = 20) -> dict[str, Any]:
    """Documents matching query (archive.query semantics) and the filters, best first.
    year may be "undated"; date_from/date_to are inclusive YYYY-MM-DD; limit None returns all."""
    index_dir = Path(index_dir)
    data = _read(index_dir)
    if data is None:
        raise SearchError(f"{index_dir}: no search index; run `python build.py build` first")
    marker, documents = data["marker"], data["documents"]
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
    """Human-readable listing of search() output for the terminal."""
    lines = [f"{result['total']} 篇文件"]
    for number, item in enumerate(result["results"], start=1):
        departments = "、".join(item["departments"])
        lines.append(f"{number:>3}. {item['title']}")
        lines.append(f"     {item['date'] or urls.UNDATED_LABEL} · {item['doc_type']}"
                     + (f" · {departments}" if departments else "") + f"  [{item['id']}]")
        lines.append(f"     {item['path'] or item['source']}")
        lines.append(f"     {item['snippet']}")
    return "\n".join(lines)
