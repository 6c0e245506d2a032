"""The browser search bundle: a sharded character n-gram index written as .js files.

Format and reasoning: search/README.md. In short, every document gets a number in date order
(newest first) and two folded fields, metadata ("t") and body ("b"). For each field the index
holds, per gram: 1- and 2-character grams -> (document, count); 3-character grams -> (document,
positions). A query term of one or two characters is answered by one list; a longer term by
the 3-grams at offsets 0, 3, 6, ... and len-3 whose positions line up — an exact substring
match without reading any document text. jieba words (cut_for_search, department names added
to its dictionary) are listed per document only to rank whole-word hits above bare substrings.

Lists are grouped into shards by a hash of the gram; each shard, each 16-document metadata
chunk and each ~600-character piece of text is a .js file calling ArchiveSearch.register(), so
the bundle loads through <script> tags over http and from file:// alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from archive import urls
from archive.departments import DepartmentTable
from archive.document import DOC_TYPES, Document
from archive.query import SEPARATOR, department_aliases, folded_fields, meta_values
from archive.tokenizer import Segmenter, fold_table_for, fold_with_offsets, plain_text, segmenter

FORMAT_VERSION = 1
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
META_CHUNK = 16  # documents per metadata file: one results page touches few files
PIECE = 608  # folded characters per text piece; a multiple of 16, the unit of the lengths table, so the browser can count pieces exactly
OVERLAP = 80  # a piece also holds the next piece's first characters, so short matches never straddle
SHARD_TARGET = 12_000  # bytes per postings shard the shard count aims at
CLIENT_FILES = ("archive-search.js", "highlight.js", "search-page.js", "search.css")
REPO_SEARCH = Path(__file__).resolve().parent.parent / "search"
EPOCH = dt.date(1970, 1, 1)


def varints(numbers: Iterable[int]) -> str:
    """Numbers as base-64 characters, 5 bits each, low bits first, the 6th bit meaning 'more'."""
    out = []
    for number in numbers:
        while True:
            low = number & 31
            number >>= 5
            if number:
                out.append(ALPHABET[low | 32])
            else:
                out.append(ALPHABET[low])
                break
    return "".join(out)


def gram_hash(text: str) -> int:
    """FNV-1a over code points; search/archive-search.js computes the same."""
    value = 0x811C9DC5
    for char in text:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return value


def documents_of(site: Any) -> list[Document]:
    """The site's documents newest first, undated last (the order search numbers them in)."""
    documents = [entry.doc for entry in site.entries]
    dated = sorted((d for d in documents if d.date), key=lambda d: d.id)
    dated.sort(key=lambda d: d.date, reverse=True)
    return dated + sorted((d for d in documents if not d.date), key=lambda d: d.id)


def type_label(doc: Document) -> str:
    value = doc.meta.get("doc_type")
    return value if value in DOC_TYPES else urls.OTHER_TYPE_LABEL


def content_hash(doc: Document) -> str:
    payload = json.dumps([doc.meta, doc.body], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class Analysis:
    """Per-document work, cached by content hash between builds."""

    meta: str  # folded metadata field
    body: str  # folded body
    words: Counter  # folded jieba words with counts


class AnalysisCache:
    """jieba dominates build time, so each document's words are kept by content hash in a JSON file
    and reused while the document and the dictionary are unchanged."""

    def __init__(self, path: Path | None, tokenizer: Segmenter):
        self.path = path
        self.tokenizer = tokenizer
        self.entries: dict[str, dict[str, int]] = {}
        self.used: dict[str, dict[str, int]] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            if data.get("fingerprint") == tokenizer.fingerprint:
                self.entries = data.get("documents", {})

    def analyse(self, doc: Document) -> Analysis:
        _, meta, body = folded_fields(doc)
        key = content_hash(doc)
        words = self.entries.get(key)
        if words is None:
            text = "\n".join([*(v for values in meta_values(doc).values() for v in values), plain_text(doc.body)])
            words = dict(Counter(self.tokenizer.words(text)))
        self.used[key] = words
        return Analysis(meta, body, Counter(words))

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"fingerprint": self.tokenizer.fingerprint, "documents": self.used}
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        temporary.replace(self.path)


class _Postings:
    """Delta-encoded posting strings for one field, built document by document in number order."""

    def __init__(self) -> None:
        self.lists: dict[str, list[Any]] = {}  # gram -> [last document number, [encoded parts]]

    def add(self, gram: str, number: int, values: list[int]) -> None:
        entry = self.lists.get(gram)
        if entry is None:
            entry = self.lists[gram] = [-1, []]
        entry[1].append(varints([number - entry[0] - 1, *values]))
        entry[0] = number

    def add_field(self, text: str, number: int) -> None:
        units = Counter(char for char in text if char != SEPARATOR)
        pairs = Counter(text[i:i + 2] for i in range(len(text) - 1))
        triples: dict[str, list[int]] = {}
        for i in range(len(text) - 2):
            triples.setdefault(text[i:i + 3], []).append(i)
        for gram, count in units.items():
            self.add(gram, number, [count])
        for gram, count in pairs.items():
            if SEPARATOR not in gram:
                self.add(gram, number, [count])
        for gram, positions in triples.items():
            if SEPARATOR not in gram:
                self.add(gram, number, [len(positions), positions[0], *(b - a for a, b in zip(positions, positions[1:]))])

    def strings(self) -> dict[str, str]:
        return {gram: "".join(parts) for gram, (_, parts) in self.lists.items()}


def _day(date: str | None) -> int:
    return (dt.date.fromisoformat(date) - EPOCH).days + 1 if date else 0


def _script(name: str, data: Any) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</" cannot end a script element here, but U+2028/9 broke JS string literals before ES2019.
    payload = payload.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"ArchiveSearch.register({json.dumps(name)},{payload});\n"


def build_bundle(documents: list[Document], departments: DepartmentTable, tokenizer: Segmenter,
                 cache_path: Path | None = None, url_of=urls.document_url) -> dict[str, str]:
    """Every file of the bundle's data folder: relative path -> file text."""
    cache = AnalysisCache(cache_path, tokenizer)
    fields = {"t": _Postings(), "b": _Postings()}
    words = _Postings()
    files: dict[str, str] = {}
    lengths, dates, facet_docs = [], [], {"type": {}, "department": {}, "topic": {}}
    characters: set[str] = set()
    meta_rows: list[list[Any]] = []
    for number, doc in enumerate(documents):
        analysis = cache.analyse(doc)
        fields["t"].add_field(analysis.meta, number)
        fields["b"].add_field(analysis.body, number)
        characters.update(analysis.meta, analysis.body)
        for word, count in sorted(analysis.words.items()):
            words.add(word, number, [count])
        lengths.append(len(analysis.body))
        dates.append(_day(doc.date))
        values = meta_values(doc)
        for key, labels in (("type", [type_label(doc)]), ("department", values["departments"]), ("topic", values["topics"])):
            for label in dict.fromkeys(labels):
                facet_docs[key].setdefault(label, []).append(number)
        meta_rows.append([doc.id, url_of(doc), doc.title, doc.date or "", type_label(doc),
                          values["departments"], doc.meta.get("doc_number") or "", doc.meta.get("source") or "",
                          doc.meta.get("issuer") or "", values["topics"]])
        files.update(_text_pieces(number, plain_text(doc.body)))
    cache.save()

    lists = {"t": fields["t"].strings(), "b": fields["b"].strings(), "w": words.strings()}
    total = sum(len(k) * 3 + len(v) + 6 for group in lists.values() for k, v in group.items())
    shard_count = 16
    while total / shard_count > SHARD_TARGET:
        shard_count *= 2
    shards: list[dict[str, dict[str, str]]] = [{"t": {}, "b": {}, "w": {}} for _ in range(shard_count)]
    for kind, group in lists.items():
        for gram in sorted(group):
            shards[gram_hash(gram) % shard_count][kind][gram] = group[gram]
    for index, shard in enumerate(shards):
        files[f"s/{index}.js"] = _script(f"s/{index}", shard)
    for start in range(0, len(meta_rows), META_CHUNK):
        files[f"m/{start // META_CHUNK}.js"] = _script(f"m/{start // META_CHUNK}", meta_rows[start:start + META_CHUNK])

    runs: list[list[int]] = []
    for day in dates:
        if runs and runs[-1][0] == day:
            runs[-1][1] += 1
        else:
            runs.append([day, 1])
    order = {"department": [d.name for d in departments]}
    facets = {}
    for key, by_label in facet_docs.items():
        labels = sorted(by_label, key=lambda label: (order.get(key, []).index(label) if label in order.get(key, []) else 10**6, label))
        if key == "type":
            labels = [label for label in (*DOC_TYPES, urls.OTHER_TYPE_LABEL) if label in by_label]
        facets[key] = [[label, varints(_deltas(by_label[label]))] for label in labels]
    aliases = sorted({forms for forms in department_aliases(departments).values()})
    base = {
        "version": FORMAT_VERSION,
        "count": len(documents),
        "shards": shard_count,
        "metaChunk": META_CHUNK,
        "piece": PIECE,
        "dates": varints(n for run in runs for n in run),
        "lengths": varints(-(-length // 16) for length in lengths),
        "facets": facets,
        "fold": "".join(k + v for k, v in sorted(fold_table_for(characters).items())),
        "aliases": [list(forms) for forms in aliases],
    }
    build_id = hashlib.sha256("".join(files[k] for k in sorted(files)).encode("utf-8")).hexdigest()[:12]
    base["build"] = build_id
    files["base.js"] = _script("base", base)
    return files


def _deltas(numbers: list[int]) -> list[int]:
    return [b - a - 1 for a, b in zip([-1, *numbers], numbers)]


def _text_pieces(number: int, text: str) -> dict[str, str]:
    """The body's plain text cut where folded positions k*PIECE fall, each piece running OVERLAP
    folded characters into the next, so a match position names the piece that shows it."""
    folded, offsets = fold_with_offsets(text)
    pieces = {}
    for index, start in enumerate(range(0, max(len(folded), 1), PIECE)):
        end = min(start + PIECE + OVERLAP, len(folded))
        begin = offsets[start] if start < len(offsets) else 0
        stop = offsets[end - 1] + 1 if end > 0 else 0
        name = f"x/{number // 256}/{number}-{index}"
        pieces[f"{name}.js"] = _script(name, text[begin:stop])
    return pieces


def write_search_bundle(site: Any, out_dir: Path, config: Any) -> None:
    """Write the browser index and the search scripts into out_dir/search/."""
    departments = DepartmentTable.load(config.path("data.departments"))
    tokenizer = segmenter(departments.names_for_dictionary())
    cache_path = config.path("paths.search_index") / "browser-analysis.json"
    files = build_bundle(documents_of(site), departments, tokenizer, cache_path)
    target = Path(out_dir) / "search"
    if (target / "data").exists():
        shutil.rmtree(target / "data")
    for relative, text in files.items():
        path = target / "data" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name in CLIENT_FILES:
        shutil.copyfile(REPO_SEARCH / name, target / name)
