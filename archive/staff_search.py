"""Staff search (`build.py search`): a Whoosh index of the content, updated incrementally.

This is the only module that imports whoosh. Matching and ranking are split:

* which documents match is decided exactly as in the browser, by archive.query.matches over each
  document's folded text, kept beside the index in folded.pickle (a scan of 10,000 documents
  takes a few hundredths of a second per term);
* Whoosh ranks them: BM25F over jieba search-mode words of the title and body (the words the
  browser bundle's build already cut, read from its cache by content hash), title weighted.

Documents are keyed by id and a hash of their content; update_index only deletes and re-adds
what changed.
"""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path
from typing import Any, Iterator

from archive import urls
from archive.departments import DepartmentTable
from archive.query import Term, department_aliases, folded_fields, matches, meta_values, parse_query
from archive.search_index import (ANALYSIS_CACHE, AnalysisCache, alias_groups, analysis_salt, content_hash,
                                  documents_of, type_label)
from archive.tokenizer import fold_with_offsets, plain_text, segmenter

with warnings.catch_warnings():
    # whoosh 2.7 has `is` comparisons with literals that newer Pythons warn about at import.
    warnings.simplefilter("ignore", SyntaxWarning)
    from whoosh import index as whoosh_index
    from whoosh import qparser, query as wq
    from whoosh.analysis import SpaceSeparatedTokenizer
    from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
    from whoosh.scoring import BM25F

SCHEMA_VERSION = "3"


class SearchError(Exception):
    """The staff index cannot answer (missing or unreadable); the message says what to do."""
FOLDED = "folded.pickle"
SNIPPET_BEFORE, SNIPPET_AFTER = 30, 70


def _schema() -> Schema:
    # Fields hold words already cut by jieba and folded, separated by spaces.
    words = SpaceSeparatedTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        hash=ID(stored=True),
        title=TEXT(analyzer=words, field_boost=3.0),
        body=TEXT(analyzer=words),
        date=ID(stored=True),
        doc_type=ID(stored=True),
        departments=KEYWORD(stored=True, commas=True),
        topics=KEYWORD(stored=True, commas=True),
        display_title=STORED,
        plain=STORED,  # body as plain text, for snippets
        source=STORED,
        path=STORED,
        url=STORED,
        doc_number=STORED,
        departments_list=STORED,
    )


def _marker(site: Any) -> dict[str, Any]:
    """What the index was built with: a different schema or department table means a rebuild."""
    table = DepartmentTable.load(site.config.path("data.departments"))
    return {
        "schema": SCHEMA_VERSION,
        "dictionary": table.names_for_dictionary(),
        "aliases": {form: list(forms) for form, forms in sorted(department_aliases(table).items())},
    }


def _read_marker(index_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((index_dir / "archive-index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _open(index_dir: Path, marker: dict[str, Any] | None):
    """Open the index; with a marker, (re)create it unless it was built with the same marker."""
    current = _read_marker(index_dir)
    if marker is None:
        if current is None or not whoosh_index.exists_in(str(index_dir)):
            raise SearchError(f"{index_dir}: no search index; run `python build.py build` first")
        return whoosh_index.open_dir(str(index_dir), schema=_schema()), current
    if current == marker and whoosh_index.exists_in(str(index_dir)):
        return whoosh_index.open_dir(str(index_dir), schema=_schema()), marker
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index_dir), _schema())
    (index_dir / "archive-index.json").write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
    return ix, marker


def update_index(site: Any, index_dir: Path) -> None:
    """Bring the Whoosh index in index_dir up to date with site: documents whose id and content
    hash are unchanged are left alone; changed, added and removed ones are rewritten."""
    index_dir = Path(index_dir)
    marker = _marker(site)
    ix, _ = _open(index_dir, marker)
    documents = {doc.id: doc for doc in documents_of(site)}
    hashes = {doc_id: content_hash(doc) for doc_id, doc in documents.items()}
    with ix.searcher() as searcher:
        stored = {fields["id"]: fields["hash"] for fields in searcher.all_stored_fields()}
    folded = _read_folded(index_dir)
    stale = [doc_id for doc_id, digest in stored.items() if hashes.get(doc_id) != digest]
    fresh = [doc_id for doc_id, digest in hashes.items() if stored.get(doc_id) != digest or doc_id not in folded]
    if stale or fresh or set(folded) != set(documents):
        tokenizer = segmenter(marker["dictionary"])
        table = DepartmentTable.load(site.config.path("data.departments"))
        # The browser bundle's build already cut every document's words: reuse them by content hash.
        cached = AnalysisCache(index_dir / ANALYSIS_CACHE, analysis_salt(tokenizer, alias_groups(table))).entries
        writer = ix.writer()
        for doc_id in stale:
            writer.delete_by_term("id", doc_id)
        for doc_id in fresh:
            if doc_id in stored and doc_id not in stale:
                writer.delete_by_term("id", doc_id)
            doc = documents[doc_id]
            folded[doc_id] = list(folded_fields(doc))
            values = meta_values(doc)
            plain = plain_text(doc.body)
            analysis = cached.get(hashes[doc_id])
            if analysis is None:
                text = "\n".join([*(v for field in values.values() for v in field), plain])
                words = sorted(set(tokenizer.words(text)))
            else:
                words = analysis["words"]
            writer.add_document(
                id=doc.id,
                hash=hashes[doc_id],
                title=" ".join(tokenizer.words(doc.title)),
                body=" ".join(words),
                date=doc.date or "",
                doc_type=type_label(doc),
                departments=",".join(values["departments"]),
                topics=",".join(values["topics"]),
                display_title=doc.title,
                plain=plain,
                source=doc.meta.get("source") or "",
                path=str(doc.path or ""),
                url=urls.document_url(doc),
                doc_number=doc.meta.get("doc_number") or "",
                departments_list=values["departments"],
            )
        writer.commit()
        folded = {doc_id: folded[doc_id] for doc_id in documents}
        temporary = index_dir / (FOLDED + ".tmp")
        with temporary.open("wb") as handle:
            pickle.dump(folded, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(index_dir / FOLDED)


def _read_folded(index_dir: Path) -> dict[str, list]:
    """id -> [folded value per metadata field, folded metadata, folded body]."""
    try:
        with (index_dir / FOLDED).open("rb") as handle:
            return pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError):
        return {}


def _word_query(terms: list[Term], tokenizer) -> wq.Query | None:
    words = []
    for term in terms:
        if not term.exclude:
            for alternative in term.alternatives:
                for word in tokenizer.words(alternative) or [alternative]:
                    words.extend(wq.Term(field, word) for field in ("title", "body"))
    return wq.Or(words) if words else None


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
    ix, marker = _open(index_dir, None)
    aliases = {form: tuple(forms) for form, forms in marker["aliases"].items()}
    terms = parse_query(query, aliases)
    positive = [term for term in terms if not term.exclude]
    folded = _read_folded(index_dir)
    matched = {doc_id: fields for doc_id, fields in folded.items() if matches(terms, *fields)}
    with ix.searcher(weighting=BM25F()) as searcher:
        scores: dict[str, float] = {}
        word_query = _word_query(terms, segmenter(marker["dictionary"]))
        if word_query is not None and matched:
            for hit in searcher.search(word_query, limit=None):
                scores[hit["id"]] = hit.score
        results = []
        for doc_id, (per_field, meta, body) in matched.items():
            docnum = searcher.document_number(id=doc_id)
            if docnum is None:
                continue
            fields = searcher.stored_fields(docnum)
            if not _passes(fields, year, date_from, date_to, department, topic, doc_type):
                continue
            score = scores.get(doc_id, 0.0) + sum(
                (3.0 if alternative in meta else 0.0) + min(body.count(alternative), 20) * 0.1
                for term in positive for alternative in term.alternatives)
            results.append((score, fields))
    results.sort(key=lambda item: (-item[0], _newest_key(item[1]["date"]), item[1]["id"]))
    shown = results if limit is None else results[:limit]
    return {
        "total": len(results),
        "results": [{
            "id": fields["id"],
            "source": fields["source"],
            "path": fields["path"],
            "url": fields["url"],
            "title": fields["display_title"],
            "date": fields["date"] or None,
            "doc_type": fields["doc_type"],
            "departments": fields["departments_list"],
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
    if department and department not in fields["departments_list"]:
        return False
    if topic and topic not in fields["topics"].split(","):
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
