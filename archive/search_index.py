"""The browser search bundle: sharded character n-gram lists written as .js files.

Format and reasoning: search/README.md. In short, every document gets a number in date order
(newest first) and one folded text: its metadata, a separator, its body. The index holds, per
gram: 1- and 2-character grams -> the documents (delta varints, or a bitmap when denser);
3-character grams -> (document, count, count in the metadata, positions). A query term of one or
two characters is one list; a longer term intersects the 3-grams at offsets 0, 3, 6, ... and
len-3 and checks that their positions line up -- an exact substring match without reading any
document text. A department's name or short form is expanded to all its names; each department
has its own exact list of the documents naming it in any form. jieba words (cut_for_search,
department names added to its dictionary) are listed per document only to rank whole-word hits
above bare substrings.

Per-document work (folding, jieba, grams) runs on every core; jieba's words are cached by the
document's content hash between builds.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from archive import urls
from archive.departments import DepartmentTable
from archive.document import DOC_TYPES, Document
from archive.query import SEPARATOR, department_aliases, meta_values
from archive.tokenizer import Segmenter, fold, fold_table_for, fold_with_offsets, plain_text, segmenter

FORMAT_VERSION = 2
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
BITMAP = "~"  # a document list written as a bitmap, 6 documents per character, starts with this
META_CHUNK = 8  # documents per metadata file: a results page touches few, small files
PIECE = 608  # folded characters per text piece
OVERLAP = 80  # a piece also holds the next piece's first characters, so short matches never straddle
LENGTH_UNIT = 128  # body lengths ship as one character each, in these units (capped at 63)
SHARD_TARGET = 12_000  # bytes per postings shard the shard count aims at
PARALLEL_MIN = 200  # below this many uncached documents a process pool costs more than it saves
WORDS_CACHE = "browser-words.pickle"  # in paths.search_index; staff search reads it too
CLIENT_FILES = ("archive-search.js", "highlight.js", "search-page.js", "search.css")
REPO_SEARCH = Path(__file__).resolve().parent.parent / "search"
EPOCH = dt.date(1970, 1, 1)


def _varint(number: int) -> str:
    out = []
    while number > 31:
        out.append(ALPHABET[(number & 31) | 32])
        number >>= 5
    out.append(ALPHABET[number])
    return "".join(out)


# Positions and deltas are nearly all below 2**15: table look-ups instead of bit twiddling.
_SMALL = [_varint(number) for number in range(1 << 15)]


def varints(numbers: Iterable[int]) -> str:
    """Numbers as base-64 characters, 5 bits each, low bits first, the 6th bit meaning 'more'."""
    small = _SMALL
    return "".join([small[n] if n < 32768 else _varint(n) for n in numbers])


def decode_varints(text: str) -> list[int]:
    out, value, shift = [], 0, 0
    for char in text:
        digit = ALPHABET.index(char)
        value |= (digit & 31) << shift
        if digit & 32:
            shift += 5
        else:
            out.append(value)
            value = shift = 0
    return out


def doc_list(numbers: list[int], count: int) -> str:
    """Ascending document numbers as delta varints or, when shorter, a bitmap."""
    deltas = varints(b - a - 1 for a, b in zip([-1, *numbers], numbers))
    if len(deltas) * 6 <= count + 6:
        return deltas
    bits = bytearray((count + 5) // 6)
    for number in numbers:
        bits[number // 6] |= 1 << (number % 6)
    return BITMAP + "".join(ALPHABET[b] for b in bits)


def decode_doc_list(text: str) -> list[int]:
    if text.startswith(BITMAP):
        return [i * 6 + bit for i, char in enumerate(text[1:]) for bit in range(6) if ALPHABET.index(char) >> bit & 1]
    numbers, number = [], -1
    for delta in decode_varints(text):
        number += delta + 1
        numbers.append(number)
    return numbers


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


def combined(meta: str, body: str) -> str:
    """The one folded text a document is indexed by: metadata, separator, body."""
    return meta + SEPARATOR + body


def grams(text: str) -> tuple[list[str], dict[str, list[int]]]:
    """(distinct 1- and 2-character grams, 3-character gram -> positions) of a combined text;
    no gram spans the separator."""
    short = set(text)
    short.update(text[i:i + 2] for i in range(len(text) - 1))
    triples: dict[str, list[int]] = {}
    for i in range(len(text) - 2):
        triples.setdefault(text[i:i + 3], []).append(i)
    return sorted(g for g in short if SEPARATOR not in g), {g: p for g, p in triples.items() if SEPARATOR not in g}


# Set in each worker process (inherited when forked): the segmenter and the alias forms.
_WORKER: dict[str, Any] = {}


def _analyse(item: tuple[str, dict, str, list | None]) -> tuple[str, dict]:
    """Everything the bundle needs from one document, computed where it is cheap to spread over cores."""
    key, meta_values_, body_markdown, cached_words = item
    per_field = {name: SEPARATOR.join(fold(v) for v in values) for name, values in meta_values_.items()}
    meta = SEPARATOR.join(value for value in per_field.values() if value)
    plain = plain_text(body_markdown)
    body = fold(plain)
    text = combined(meta, body)
    if cached_words is None:
        words = Counter(_WORKER["segmenter"].words("\n".join([*(v for values in meta_values_.values() for v in values), plain])))
        cached_words = sorted(words.items())
    short, triples = grams(text)
    entries = {}
    boundary = len(meta)
    for gram, positions in triples.items():
        in_meta = bisect.bisect_left(positions, boundary) if positions[0] < boundary else 0
        if len(positions) == 1:
            entries[gram] = varints((1, in_meta, positions[0]))
        else:
            entries[gram] = varints([len(positions), in_meta, positions[0], *(b - a for a, b in zip(positions, positions[1:]))])
    groups = [index for index, forms in enumerate(_WORKER["groups"]) if any(form in text for form in forms)]
    return key, {
        "words": cached_words, "short": short, "triples": entries, "groups": groups,
        "meta_length": len(meta), "length": len(body), "pieces": _pieces(plain),
        "characters": "".join(sorted(set(text) - {SEPARATOR})),
    }


def _init_worker(tokenizer: Segmenter, groups: list[tuple[str, ...]]) -> None:
    _WORKER.update(segmenter=tokenizer, groups=groups)


class WordCache:
    """jieba dominates the per-document work, so each document's words are kept by content hash in
    a pickle file and reused while the document and the dictionary are unchanged."""

    def __init__(self, path: Path | None, fingerprint: str):
        self.path = path
        self.fingerprint = fingerprint
        self.entries: dict[str, list] = {}
        self.used: dict[str, list] = {}
        if path is not None and path.exists():
            try:
                with path.open("rb") as handle:
                    data = pickle.load(handle)
                if data.get("fingerprint") == fingerprint:
                    self.entries = data["documents"]
            except (OSError, ValueError, EOFError, pickle.UnpicklingError, KeyError, AttributeError):
                self.entries = {}

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            pickle.dump({"fingerprint": self.fingerprint, "documents": self.used}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(self.path)


def analyse_all(documents: list[Document], tokenizer: Segmenter, groups: list[tuple[str, ...]],
                cache: WordCache) -> list[dict]:
    """_analyse for every document, in number order, on all cores when there is enough to do."""
    keys = [content_hash(doc) for doc in documents]
    items = [(key, meta_values(doc), doc.body, cache.entries.get(key)) for key, doc in zip(keys, documents)]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores > 1 and len(items) >= PARALLEL_MIN and "fork" in multiprocessing.get_all_start_methods():
        # fork: workers inherit the initialised segmenter instead of loading jieba again.
        context = multiprocessing.get_context("fork")
        with context.Pool(cores, initializer=_init_worker, initargs=(tokenizer, groups)) as pool:
            results = pool.map(_analyse, items, chunksize=max(1, min(64, len(items) // (cores * 8) or 1)))
    else:
        _init_worker(tokenizer, groups)
        results = [_analyse(item) for item in items]
    for key, result in results:
        cache.used[key] = result["words"]
    return [result for _, result in results]


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
    groups = sorted({forms for forms in department_aliases(departments).values()})
    cache = WordCache(cache_path, tokenizer.fingerprint + f"/{FORMAT_VERSION}")
    analyses = analyse_all(documents, tokenizer, groups, cache)
    cache.save()
    count = len(documents)
    short: dict[str, list[int]] = {}
    triples: dict[str, list[str]] = {}
    last_triple: dict[str, int] = {}
    words: dict[str, list[str]] = {}
    last_word: dict[str, int] = {}
    group_docs: list[list[int]] = [[] for _ in groups]
    files: dict[str, str] = {}
    dates, lengths, characters = [], [], set()
    facet_docs: dict[str, dict[str, list[int]]] = {"type": {}, "department": {}, "topic": {}}
    meta_rows: list[list[Any]] = []
    for number, (doc, analysis) in enumerate(zip(documents, analyses)):
        for gram in analysis["short"]:
            short.setdefault(gram, []).append(number)
        small = _SMALL
        for gram, entry in analysis["triples"].items():
            delta = number - last_triple.get(gram, -1) - 1
            parts = triples.get(gram)
            if parts is None:
                parts = triples[gram] = []
            parts.append((small[delta] if delta < 32768 else _varint(delta)) + entry)
            last_triple[gram] = number
        for word, frequency in analysis["words"]:
            words.setdefault(word, []).append(varints([number - last_word.get(word, -1) - 1, frequency]))
            last_word[word] = number
        for group in analysis["groups"]:
            group_docs[group].append(number)
        characters.update(analysis["characters"])
        dates.append(_day(doc.date))
        lengths.append(min(63, -(-analysis["length"] // LENGTH_UNIT)))
        values = meta_values(doc)
        for key, labels in (("type", [type_label(doc)]), ("department", values["departments"]), ("topic", values["topics"])):
            for label in dict.fromkeys(labels):
                facet_docs[key].setdefault(label, []).append(number)
        meta_rows.append([doc.id, url_of(doc), doc.title, doc.date or "", type_label(doc),
                          values["departments"], doc.meta.get("doc_number") or "", doc.meta.get("source") or "",
                          values["issuer"], values["topics"], analysis["meta_length"], len(analysis["pieces"])])
        for index, piece in enumerate(analysis["pieces"]):
            name = f"x/{number // 256}/{number}-{index}"
            files[f"{name}.js"] = _script(name, piece)

    lists = {
        "g": {gram: doc_list(numbers, count) for gram, numbers in short.items()},
        "p": {gram: "".join(parts) for gram, parts in triples.items()},
        "w": {word: "".join(parts) for word, parts in words.items()},
    }
    total = sum(len(k) * 3 + len(v) + 6 for group in lists.values() for k, v in group.items())
    shard_count = 16
    while total / shard_count > SHARD_TARGET:
        shard_count *= 2
    shards: list[dict[str, dict[str, str]]] = [{"g": {}, "p": {}, "w": {}} for _ in range(shard_count)]
    for kind, group in lists.items():
        for gram in sorted(group):
            shards[gram_hash(gram) % shard_count][kind][gram] = group[gram]
    for index, shard in enumerate(shards):
        files[f"s/{index}.js"] = _script(f"s/{index}", shard)
    for index, numbers in enumerate(group_docs):
        files[f"a/{index}.js"] = _script(f"a/{index}", doc_list(numbers, count))
    for start in range(0, len(meta_rows), META_CHUNK):
        files[f"m/{start // META_CHUNK}.js"] = _script(f"m/{start // META_CHUNK}", meta_rows[start:start + META_CHUNK])

    order = [d.name for d in departments]
    rank = {name: index for index, name in enumerate(order)}
    facets = {}
    for key, by_label in facet_docs.items():
        labels = sorted(by_label, key=lambda label: (rank.get(label, len(rank)), label) if key == "department" else (0, label))
        if key == "type":
            labels = [label for label in (*DOC_TYPES, urls.OTHER_TYPE_LABEL) if label in by_label]
        facets[key] = [[label, doc_list(by_label[label], count)] for label in labels]
    files["f.js"] = _script("f", facets)

    runs: list[list[int]] = []
    for day in dates:
        if runs and runs[-1][0] == day:
            runs[-1][1] += 1
        else:
            runs.append([day, 1])
    base = {
        "version": FORMAT_VERSION,
        "count": count,
        "shards": shard_count,
        "metaChunk": META_CHUNK,
        "piece": PIECE,
        "lengthUnit": LENGTH_UNIT,
        "dates": varints(n for run in runs for n in run),
        "lengths": "".join(ALPHABET[n] for n in lengths),
        "fold": "".join(k + v for k, v in sorted(fold_table_for(characters).items())),
        "aliases": [list(forms) for forms in groups],
    }
    build_id = hashlib.sha256("".join(files[k] for k in sorted(files)).encode("utf-8")).hexdigest()[:12]
    base["build"] = build_id
    files["base.js"] = _script("base", base)
    return files


def _pieces(text: str) -> list[str]:
    """The body's plain text cut where folded positions k*PIECE fall, each piece running OVERLAP
    folded characters into the next, so a match position names the piece that shows it."""
    folded, offsets = fold_with_offsets(text)
    pieces = []
    for start in range(0, max(len(folded), 1), PIECE):
        end = min(start + PIECE + OVERLAP, len(folded))
        begin = offsets[start] if start < len(offsets) else 0
        stop = offsets[end - 1] + 1 if end > 0 else 0
        pieces.append(text[begin:stop])
    return pieces


def write_search_bundle(site: Any, out_dir: Path, config: Any) -> None:
    """Write the browser index and the search scripts into out_dir/search/."""
    departments = DepartmentTable.load(config.path("data.departments"))
    tokenizer = segmenter(departments.names_for_dictionary())
    cache_path = config.path("paths.search_index") / WORDS_CACHE
    files = build_bundle(documents_of(site), departments, tokenizer, cache_path)
    target = Path(out_dir) / "search"
    if (target / "data").exists():
        shutil.rmtree(target / "data")
    for folder in sorted({(target / "data" / relative).parent for relative in files}):
        folder.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        (target / "data" / relative).write_text(text, encoding="utf-8")
    for name in CLIENT_FILES:
        shutil.copyfile(REPO_SEARCH / name, target / name)
