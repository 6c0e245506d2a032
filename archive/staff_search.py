"""Staff search (`build.py search`): a Whoosh index of the content, updated incrementally.

This is the only module that imports whoosh. Two analyzers index each document:

* `words`: jieba search-mode words of the folded title and body (archive.tokenizer), scored
  with BM25F (title weighted) — the ranking signal;
* `grams`: every 1- and 2-character gram of the folded metadata and body — candidate lookup
  for substring matching, so a term that starts or ends inside a jieba word is still found.

Every candidate is then checked with archive.query.matches against the folded text stored in
the index, which is the same rule the browser applies: for plain queries both return the same
documents. Documents are keyed by id and a hash of their content; update_index only deletes and
re-adds what changed.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Iterator

from archive import urls
from archive.departments import DepartmentTable
from archive.query import SEPARATOR, Term, department_aliases, folded_fields, matches, meta_values, parse_query
from archive.search_index import content_hash, documents_of, type_label
from archive.tokenizer import fold_with_offsets, plain_text, segmenter

with warnings.catch_warnings():
    # whoosh 2.7 has `is` comparisons with literals that newer Pythons warn about at import.
    warnings.simplefilter("ignore", SyntaxWarning)
    from whoosh import index as whoosh_index
    from whoosh import qparser, query as wq
    from whoosh.analysis import Token, Tokenizer
    from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
    from whoosh.scoring import BM25F

SCHEMA_VERSION = "1"
SNIPPET_BEFORE, SNIPPET_AFTER = 30, 70


class _GramTokenizer(Tokenizer):
    """1- and 2-character grams of already folded text, none spanning a field separator."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for i, char in enumerate(value):
            if char == SEPARATOR:
                continue
            for gram in (char, value[i:i + 2]):
                if len(gram) == 2 and (gram == char or SEPARATOR in gram):
                    continue
                token.text = gram
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = position
                    position += 1
                if chars:
                    token.startchar, token.endchar = start_char + i, start_char + i + len(gram)
                yield token


class _WordTokenizer(Tokenizer):
    """jieba search-mode words, folded (the dictionary is the department table's)."""

    def __init__(self, dictionary_words: tuple[str, ...] = ()):
        self.dictionary_words = dictionary_words

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, word in enumerate(segmenter(self.dictionary_words).words(value), start=start_pos):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = position
            yield token


def _schema(dictionary_words: tuple[str, ...]) -> Schema:
    words = _WordTokenizer(dictionary_words)
    return Schema(
        id=ID(stored=True, unique=True),
        hash=ID(stored=True),
        title=TEXT(analyzer=words, stored=True, field_boost=3.0),
        body=TEXT(analyzer=words),
        grams=TEXT(analyzer=_GramTokenizer(), phrase=False),
        date=ID(stored=True),
        doc_type=ID(stored=True),
        departments=KEYWORD(stored=True, commas=True),
        topics=KEYWORD(stored=True, commas=True),
        folded=STORED,  # [per-field folded metadata, folded metadata, folded body]
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
            raise FileNotFoundError(f"{index_dir}: no search index; run `python build.py build` first")
        return whoosh_index.open_dir(str(index_dir), schema=_schema(tuple(current["dictionary"]))), current
    if current == marker and whoosh_index.exists_in(str(index_dir)):
        return whoosh_index.open_dir(str(index_dir), schema=_schema(tuple(marker["dictionary"]))), marker
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index_dir), _schema(tuple(marker["dictionary"])))
    (index_dir / "archive-index.json").write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
    return ix, marker


def update_index(site: Any, index_dir: Path) -> None:
    """Bring the Whoosh index in index_dir up to date with site: documents whose id and content
    hash are unchanged are left alone; changed, added and removed ones are rewritten."""
    index_dir = Path(index_dir)
    ix, _ = _open(index_dir, _marker(site))
    documents = {doc.id: doc for doc in documents_of(site)}
    hashes = {doc_id: content_hash(doc) for doc_id, doc in documents.items()}
    with ix.searcher() as searcher:
        stored = {fields["id"]: fields["hash"] for fields in searcher.all_stored_fields()}
    stale = [doc_id for doc_id, digest in stored.items() if hashes.get(doc_id) != digest]
    fresh = [doc_id for doc_id, digest in hashes.items() if stored.get(doc_id) != digest]
    if not stale and not fresh:
        return
    writer = ix.writer()
    for doc_id in stale:
        writer.delete_by_term("id", doc_id)
    for doc_id in fresh:
        doc = documents[doc_id]
        per_field, meta, body = folded_fields(doc)
        values = meta_values(doc)
        plain = plain_text(doc.body)
        writer.add_document(
            id=doc.id,
            hash=hashes[doc_id],
            title=doc.title,
            body=plain,
            grams=meta + SEPARATOR + body,
            date=doc.date or "",
            doc_type=type_label(doc),
            departments=",".join(values["departments"]),
            topics=",".join(values["topics"]),
            folded=[per_field, meta, body],
            plain=plain,
            source=doc.meta.get("source") or "",
            path=str(doc.path or ""),
            url=urls.document_url(doc),
            doc_number=doc.meta.get("doc_number") or "",
            departments_list=values["departments"],
        )
    writer.commit()


def _candidates(term: Term) -> wq.Query:
    """Documents holding every 1-/2-gram of one of the term's alternatives (a superset of matches)."""
    options = []
    for alternative in term.alternatives:
        grams = [alternative] if len(alternative) == 1 else sorted({alternative[i:i + 2] for i in range(len(alternative) - 1)})
        options.append(wq.And([wq.Term("grams", gram) for gram in grams]))
    return wq.Or(options)


def _word_query(terms: list[Term], schema: Schema) -> wq.Query | None:
    words = []
    for term in terms:
        if not term.exclude:
            for alternative in term.alternatives:
                for field in ("title", "body"):
                    words.extend(wq.Term(field, text) for text in schema[field].process_text(alternative, mode="query"))
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
    candidate_query = wq.And([_candidates(term) for term in positive]) if positive else wq.Every()
    with ix.searcher(weighting=BM25F()) as searcher:
        candidates = searcher.search(candidate_query, limit=None, scored=False)
        scores: dict[int, float] = {}
        word_query = _word_query(terms, ix.schema)
        if word_query is not None:
            for hit in searcher.search(word_query, limit=None):
                scores[hit.docnum] = hit.score
        results = []
        for hit in candidates:
            fields = hit.fields()
            per_field, meta, body = fields["folded"]
            if not matches(terms, per_field, meta, body):
                continue
            if not _passes(fields, year, date_from, date_to, department, topic, doc_type):
                continue
            score = scores.get(hit.docnum, 0.0) + sum(
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
            "title": fields["title"],
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
