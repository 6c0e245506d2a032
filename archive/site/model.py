"""The site model: every document with its place in the archive, gathered before anything is written.

`load_content(dir)` reads content files; `assemble(documents, config, departments, topics)` builds a
`Site`: collections by year, department, topic and document type (newest first), previous/next in
time, related documents, and citations between documents. Templates and the search bundle read
the Site; nothing here renders or writes.

What assemble() needs from one document alone (a digest of its content, its text fingerprint, the
citations in its body) is its `Features`: `read_content(dir, cache, workers)` computes them beside
each parsed file, in parallel and kept in a cache between builds, so that a rebuild after editing
one file parses one file.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Protocol

from archive.document import DOC_TYPES, Document, DocumentError, OfDocument, load_document
from archive.site import urls
from archive.workers import worker_pool

# How far a related-documents search looks along each shared department, topic or type list
# (on both sides of the document, in time). It bounds the work per document, so 100,000
# documents stay linear however large one department grows.
RELATED_WINDOW = 5
# At most this many department lists and this many topic lists are walked per document.
RELATED_LISTS = 4
# Body characters that feed the text fingerprint; the opening of a document says what it is about.
FINGERPRINT_CHARS = 2000
# A fingerprint is a set of character bigrams hashed into this many bits: set intersections become one
# AND and a popcount on a 1 KB integer. Two 300-bigram fingerprints share about 11 bits by chance,
# a few hundredths of overlap, well below RELATED_OVERLAP.
FINGERPRINT_BITS = 1 << 13
# Text overlap (Jaccard of fingerprints) from which a document counts as related on its text alone.
RELATED_OVERLAP = 0.1
# Below this many files to parse, or documents to find related ones for, starting worker processes
# costs more than it saves.
PARALLEL_MIN_FILES = 200
PARALLEL_MIN_RELATED = 3000
# Documents a related-documents worker takes at a time.
RELATED_CHUNK = 500
# A file modified this close to the moment it was read may change again within the file system's
# timestamp granularity without its size or mtime changing, so its parse is not kept in the cache.
RACY_NS = 2_000_000_000
# Titles shorter than this are too generic to be recognised as citations (《通知》).
MIN_CITED_TITLE = 6

_BRACKETS_OPEN = "〔［[（(﹝"
_BRACKETS_CLOSE = "〕］]）)﹞"
_DOC_NUMBER_TAIL = rf"[{re.escape(_BRACKETS_OPEN)}]\s*((?:19|20)\d{{2}})\s*[{re.escape(_BRACKETS_CLOSE)}]\s*(\d{{1,4}})\s*号"
# One pass over a body finds both kinds of citation: a quoted title, or the year-and-serial
# tail of a 发文字号 whose prefix (长府, 长府会议纪要 ...) is then checked against the text before it.
_CITATION = re.compile(rf"《([^《》\n]{{{MIN_CITED_TITLE},200}})》|{_DOC_NUMBER_TAIL}")
_DOC_NUMBER = re.compile(rf"^\s*([^\s{re.escape(_BRACKETS_OPEN)}]+?)\s*{_DOC_NUMBER_TAIL}")
_SPACE = re.compile(r"\s+")
# The departments index groups bodies under these headings, in this order: the district's leading
# organs first, then the government's working departments, streets and towns, district enterprises and
# other district bodies, bodies above the district, and names the department table does not hold.
# A body's group follows from the table's kind and level; among kind "other", from its name.
_LEADING_ORGAN = re.compile(r"人民政府$|人民代表大会|政治协商会议|中共|人民法院|人民检察院|监察委员会|政法委员会")
DEPARTMENT_GROUPS = ("区委、区人大、区政府、区政协和司法机关", "区政府工作部门", "街道和镇", "区属企业",
                     "其他区级机构", "市级机关", "国家机关", "其他单位")
# Zero-width matches so that overlapping bigrams are all found, at the regex engine's speed. The body
# keeps a fixed quarter of its bigrams (those whose first character's code point is a multiple of
# four): every document samples the same ones, so sampled overlaps still compare like for like.
_TITLE_GRAMS = re.compile(r"(?=([\u4e00-\u9fff]{2}))")
_BODY_GRAMS = re.compile("(?=([" + "".join(map(chr, range(0x4E00, 0xA000, 4))) + r"][\u4e00-\u9fff]))")


@dataclass(eq=False)
class Term:
    """A department or topic as named on a document: its label, and its index page unless it has none
    (collective references such as 各街（镇） are shown but link nowhere). `short` is the department
    table's display short name (财政局 for 上海市长宁区财政局), for tables where full names crowd the cells."""

    label: str
    collection: "Collection | None" = None
    short: str = ""

    def __post_init__(self) -> None:
        if not self.short:
            self.short = self.label


class Features(NamedTuple):
    """What assemble() reads from one document alone; computed once per content file and cached.

    digest: identifies the document's content (front-matter and body), for page fingerprints;
    bits, size: the text fingerprint as a FINGERPRINT_BITS-bit set and its popcount;
    citations: (start, end, title, year, serial) of every citation-like match in the body."""

    digest: str
    bits: int
    size: int
    citations: tuple[tuple[int, int, str | None, str | None, str | None], ...]


class DocumentCache(Protocol):
    """Parsed content files kept between builds (archive.site.cache.DocumentCache implements it)."""

    def get(self, path: str, stat: os.stat_result) -> tuple[Document, Features] | None: ...

    def put(self, path: str, stat: os.stat_result, document: Document, features: Features) -> None: ...

    def forget_others(self, paths: Iterable[str]) -> None: ...


@dataclass(eq=False)
class AgendaItem:
    """One item of a meeting's agenda: who reported, on what."""

    subject: str
    supplementary: list[Term]  # bodies that gave a supplementary report (补充汇报)
    departments: list[Term]
    topics: list[Term]


@dataclass(eq=False)
class TaskRow:
    """One row of a key-work-goals table."""

    number: str
    area: str
    project: str
    task: str
    quarters: list[str]
    lead: list[Term]
    support: list[Term]

    @property
    def anchor(self) -> str:
        """The row's id on the document page ("task-10"), that department pages link to; "" when the
        row has no plain number to name it by."""
        return f"task-{self.number}" if self.number.isdigit() else ""


# Entries, collections and the site refer to each other: a generated repr of one would print the
# whole archive (a failing test's report once took 12 GB), so they keep object's short repr.
@dataclass(eq=False, repr=False)
class Entry(OfDocument):
    """A document in the site: the Document plus everything assemble() worked out about it."""

    doc: Document
    url: str
    doc_type: str  # a DOC_TYPES label, or 其他
    year: "Collection"
    type: "Collection"
    issuer: Term | None = None
    departments: list[Term] = field(default_factory=list)
    topics: list[Term] = field(default_factory=list)
    agenda: list[AgendaItem] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    previous: "Entry | None" = None  # the next older dated document
    next: "Entry | None" = None  # the next newer dated document
    related: list["Entry"] = field(default_factory=list)
    cites: list["Entry"] = field(default_factory=list)
    cited_by: list["Entry"] = field(default_factory=list)
    citation_texts: dict[str, "Entry"] = field(default_factory=dict)  # text in the body -> the entry it names
    digest: str = ""  # Features.digest: pages that show this document change when it changes

    def task_groups(self) -> list[tuple[str, list[TaskRow]]]:
        """Task rows in runs sharing one area (领域), as the printed table merges them."""
        groups: list[tuple[str, list[TaskRow]]] = []
        for row in self.tasks:
            if not groups or groups[-1][0] != row.area:
                groups.append((row.area, []))
            groups[-1][1].append(row)
        return groups


@dataclass(eq=False, repr=False)
class Collection:
    """A year, department, topic or document type, and its documents newest first."""

    kind: str  # one of urls.COLLECTION_KINDS
    slug: str
    label: str
    entries: list[Entry] = field(default_factory=list)
    group: str = ""  # a department's kind (委办局, 街镇 ...), for the overview page
    agenda: list[tuple[Entry, AgendaItem]] = field(default_factory=list)  # items it reported, newest first
    tasks: list[tuple[Entry, TaskRow, str]] = field(default_factory=list)  # (entry, row, 主责|配合), newest first

    def url(self, page: int = 1) -> str:
        return urls.collection_url(self.kind, self.slug, page)

    def page_count(self, page_size: int) -> int:
        return max(1, -(-len(self.entries) // page_size))

    def per_year(self) -> list[tuple[int, int]]:
        """(year, number of documents) from the first year to the last, years without documents
        included as 0 so that a chart keeps its time scale; undated documents are not counted."""
        # Entries are newest first and undated last, so a year's documents are one run, found by
        # bisection: counting them one by one was 1.7 s of a rebuild at 100,000 documents.
        entries = self.entries
        dated = bisect.bisect_left(entries, True, key=_undated)
        if not dated:
            return []
        newest, oldest = entries[0].doc.year, entries[dated - 1].doc.year
        ends = [bisect.bisect_left(entries, -year, hi=dated, key=_minus_year) for year in range(newest, oldest - 2, -1)]
        return [(year, ends[newest - year + 1] - ends[newest - year]) for year in range(oldest, newest + 1)]


def _undated(entry: Entry) -> bool:
    return entry.doc.year is None


def _minus_year(entry: Entry) -> int:
    return -entry.doc.year


@dataclass(repr=False)
class Site:
    """Everything the renderer and the search bundle need, built once per build.

    entries: every document, newest first (undated last); by_id: entry by front-matter id;
    years (newest first, 日期不详 last), departments (table order, then others by name),
    topics (taxonomy order), types (DOC_TYPES order, 其他 last): only collections with documents
    or, for departments, with agenda items or tasks; warnings: messages naming the file.
    """

    config: Any
    entries: list[Entry]
    by_id: dict[str, Entry]
    years: list[Collection]
    departments: list[Collection]
    topics: list[Collection]
    types: list[Collection]
    warnings: list[str] = field(default_factory=list)

    def collections(self) -> Iterable[Collection]:
        yield from self.years
        yield from self.departments
        yield from self.topics
        yield from self.types

    def department_groups(self) -> list[tuple[str, list[Collection]]]:
        """The departments under their DEPARTMENT_GROUPS heading, in that order, empty groups left out."""
        grouped: dict[str, list[Collection]] = {group: [] for group in DEPARTMENT_GROUPS}
        for collection in self.departments:
            grouped[collection.group].append(collection)
        return [(group, members) for group, members in grouped.items() if members]

    def per_year(self) -> list[tuple[int, int]]:
        """(year, number of documents) over the whole archive, as Collection.per_year."""
        return Collection("year", "all", "", entries=self.entries).per_year()


def features(doc: Document) -> Features:
    """The document's Features (see the class)."""
    digest = hashlib.sha1(repr(doc.meta).encode("utf-8") + b"\0" + doc.body.encode("utf-8")).hexdigest()
    grams = set(_TITLE_GRAMS.findall(doc.title))
    grams.update(_BODY_GRAMS.findall(doc.body, 0, FINGERPRINT_CHARS))
    table = bytearray(FINGERPRINT_BITS // 8)
    for gram in grams:
        # A fixed multiplicative hash (Python's own str hash changes from run to run).
        slot = (((ord(gram[0]) << 16 | ord(gram[1])) * 0x9E3779B1) & 0xFFFFFFFF) * FINGERPRINT_BITS >> 32
        table[slot >> 3] |= 1 << (slot & 7)
    bits = int.from_bytes(table, "little")
    citations = tuple((m.start(), m.end(), *m.groups()) for m in _CITATION.finditer(doc.body))
    return Features(digest, bits, bits.bit_count(), citations)


def load_content(content_dir: Path) -> tuple[list[Document], list[str]]:
    """Every content file under content_dir, in path order. A file that cannot be read, or that reuses
    another file's id, becomes a problem naming the file; the others are still returned."""
    loaded, problems = read_content(content_dir)
    return [doc for doc, _ in loaded], problems


def read_content(content_dir: Path, cache: DocumentCache | None = None,
                 workers: int = 1) -> tuple[list[tuple[Document, Features]], list[str]]:
    """load_content() with each document's Features. Files whose size and modification time match
    the cache are not parsed again; the others are parsed by up to `workers` processes."""
    paths = _content_files(str(Path(content_dir)))
    scanned = time.time_ns()
    stats = {path: os.stat(path) for path in paths}
    results: dict[str, tuple[Document, Features] | str] = {}
    if cache is not None:
        cache.forget_others(paths)
        for path in paths:
            hit = cache.get(path, stats[path])
            if hit is not None:
                results[path] = hit
    missing = [path for path in paths if path not in results]
    if workers > 1 and len(missing) >= PARALLEL_MIN_FILES:
        with worker_pool(workers) as pool:
            parsed = pool.map(_parse, missing, chunksize=max(1, min(64, len(missing) // (8 * workers))))
    else:
        parsed = list(map(_parse, missing))
    for path, result in zip(missing, parsed):
        results[path] = result
        stat = stats[path]
        if cache is not None and not isinstance(result, str) and scanned - stat.st_mtime_ns > RACY_NS:
            cache.put(path, stat, *result)

    loaded: list[tuple[Document, Features]] = []
    problems: list[str] = []
    owner: dict[str, str] = {}
    for path in paths:
        result = results[path]
        if isinstance(result, str):
            problems.append(result)
            continue
        doc = result[0]
        if doc.id in owner:
            problems.append(f"{path}: id {doc.id!r} is already used by {owner[doc.id]}; give one of them another id")
            continue
        owner[doc.id] = path
        loaded.append(result)
    return loaded, problems


def _content_files(folder: str) -> list[str]:
    """The *.md files under folder, hidden files and folders left out, in path order (folder by
    folder, as pathlib sorts). Plain strings: pathlib costs more than the rest of a rebuild's scan."""
    found: list[str] = []
    with os.scandir(folder) as items:
        for item in items:
            if item.name.startswith("."):
                continue
            if item.is_dir(follow_symlinks=False):
                found += _content_files(item.path)
            elif item.name.endswith(".md") and item.is_file():
                found.append(item.path)
    return sorted(found, key=lambda path: path.split(os.sep))


def _parse(path: str) -> tuple[Document, Features] | str:
    """One content file parsed, or the problem naming it (a string, so it crosses process boundaries)."""
    try:
        doc = load_document(Path(path))
    except DocumentError as error:
        return str(error)
    return doc, features(doc)


def assemble(documents: list[Document], config: Any, departments: Any, topics: Any,
             features_by_id: dict[str, Features] | None = None, workers: int = 1) -> Site:
    """Build the Site from loaded documents, the department table and the topic rules. Features
    already computed (by read_content) can be passed by document id; missing ones are computed.
    Related documents are scored by up to `workers` processes."""
    features_by_id = features_by_id or {}
    warnings: list[str] = []
    index = _Indexer(departments, topics)
    entries = [index.entry(doc, warnings) for doc in _newest_first(documents)]
    found = [features_by_id.get(entry.id) or features(entry.doc) for entry in entries]
    for entry, feature in zip(entries, found):
        entry.digest = feature.digest
        index.file(entry)
    _link_in_time(entries)
    _link_related(entries, found, config.get("build.related_count"), workers)
    _link_citations(entries, found)
    return Site(
        config=config,
        entries=entries,
        by_id={entry.id: entry for entry in entries},
        years=index.years(),
        departments=index.departments(),
        topics=index.topics(),
        types=index.types(),
        warnings=warnings,
    )


def _newest_first(documents: list[Document]) -> list[Document]:
    dated = sorted((d for d in documents if d.sort_date), key=lambda d: d.id)
    dated.sort(key=lambda d: d.sort_date, reverse=True)
    return dated + sorted((d for d in documents if not d.sort_date), key=lambda d: d.id)


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value if item is not None]


class _Indexer:
    """Turns names into collections (creating each once) and files entries under them."""

    def __init__(self, departments: Any, topics: Any):
        self._table = departments
        self._topic_slugs = {topic.label: topic.slug for topic in topics.topics}
        self._topic_order = [topic.label for topic in topics.topics]
        self._department_order = [dept.name for dept in departments]
        self._years: dict[str, Collection] = {}
        self._types: dict[str, Collection] = {}
        self._departments: dict[str, Collection | None] = {}
        self._short_names: dict[str, str] = {}
        self._department_terms: dict[str, Term] = {}
        self._topic_terms: dict[str, Term] = {}
        self._topics: dict[str, Collection] = {}

    def entry(self, doc: Document, warnings: list[str]) -> Entry:
        where = doc.path or doc.id
        if doc.year is None:
            warnings.append(f"{where}: no date; listed under {urls.UNDATED_LABEL}")
        doc_type = doc.meta.get("doc_type")
        if doc_type not in DOC_TYPES:
            warnings.append(f"{where}: no document type (doc_type); listed under {urls.OTHER_TYPE_LABEL}")
            doc_type = urls.OTHER_TYPE_LABEL
        key = urls.year_key(doc.year)
        entry = Entry(
            doc=doc,
            url=urls.document_url(doc),
            doc_type=doc_type,
            year=self._get(self._years, key, "year", key, urls.UNDATED_LABEL if doc.year is None else f"{doc.year}年"),
            type=self._get(self._types, doc_type, "type", urls.type_slug(doc_type), doc_type),
            issuer=next(iter(self.departments_named(doc.meta.get("issuer"))), None),
            departments=self.departments_named(doc.meta.get("departments")),
            topics=self.topics_named(doc.meta.get("topics")),
        )
        for item in doc.meta.get("agenda") or []:
            entry.agenda.append(AgendaItem(
                subject=str(item.get("subject") or ""),
                supplementary=self.departments_named(item.get("supplementary")),
                departments=self.departments_named(item.get("departments")),
                topics=self.topics_named(item.get("topics")),
            ))
        for row in doc.meta.get("tasks") or []:
            quarters = _texts(row.get("quarters"))
            entry.tasks.append(TaskRow(
                number=str(row.get("number") or ""),
                area=str(row.get("area") or ""),
                project=str(row.get("project") or ""),
                task=str(row.get("task") or ""),
                quarters=(quarters + [""] * 4)[:4],
                lead=self.departments_named(row.get("lead")),
                support=self.departments_named(row.get("support")),
            ))
        return entry

    def file(self, entry: Entry) -> None:
        """Add the entry to its collections; entries arrive newest first, so every list stays in that order.
        A department's or topic's page lists every document that concerns it: issued by it, naming it,
        or with an agenda item or task of it."""
        entry.year.entries.append(entry)
        entry.type.entries.append(entry)
        departments = ([entry.issuer] if entry.issuer else []) + entry.departments
        topics = list(entry.topics)
        for item in entry.agenda:
            departments += item.departments
            topics += item.topics
            for collection in _collections(item.departments):
                collection.agenda.append((entry, item))
        for row in entry.tasks:
            departments += row.lead + row.support
            for role, terms in (("主责", row.lead), ("配合", row.support)):
                for collection in _collections(terms):
                    collection.tasks.append((entry, row, role))
        for collection in _collections(departments) + _collections(topics):
            collection.entries.append(entry)

    def departments_named(self, names: Any) -> list[Term]:
        return [self._department_terms.get(name) or self._department_term(name) for name in _texts(names)]

    def topics_named(self, labels: Any) -> list[Term]:
        return [self._topic_terms.get(label) or self._topic_term(label) for label in _texts(labels)]

    # One Term per name, shared by every document naming it (a Term is never changed once made).
    def _department_term(self, name: str) -> Term:
        collection = self._department(name)
        term = self._department_terms[name] = Term(name, collection, self._short_names.get(name, ""))
        return term

    def _topic_term(self, label: str) -> Term:
        term = self._topic_terms[label] = Term(label, self._topic(label))
        return term

    def _department(self, name: str) -> Collection | None:
        if name not in self._departments:
            canonical = self._table.canonical(name) or name
            dept = self._table.get(canonical)
            if dept is not None:
                self._short_names[name] = dept.short_name
            if dept is not None and dept.collective:
                self._departments[name] = None
            elif canonical != name:
                self._departments[name] = self._department(canonical)
            else:
                slug = dept.slug if dept is not None and dept.slug else urls.hashed_slug("d", name)
                self._departments[name] = Collection("department", slug, name, group=_department_group(dept, name))
        return self._departments[name]

    def _topic(self, label: str) -> Collection:
        if label not in self._topics:
            slug = self._topic_slugs.get(label) or urls.hashed_slug("t", label)
            self._topics[label] = Collection("topic", slug, label)
        return self._topics[label]

    @staticmethod
    def _get(table: dict[str, Collection], key: str, kind: str, slug: str, label: str) -> Collection:
        if key not in table:
            table[key] = Collection(kind, slug, label)
        return table[key]

    def years(self) -> list[Collection]:
        keys = sorted((k for k in self._years if k != urls.UNDATED_KEY), reverse=True)
        if urls.UNDATED_KEY in self._years:
            keys.append(urls.UNDATED_KEY)
        return [self._years[k] for k in keys]

    def types(self) -> list[Collection]:
        return [self._types[label] for label in (*DOC_TYPES, urls.OTHER_TYPE_LABEL) if label in self._types]

    def topics(self) -> list[Collection]:
        order = {label: index for index, label in enumerate(self._topic_order)}
        return sorted(self._topics.values(), key=lambda c: (order.get(c.label, len(order)), c.label))

    def departments(self) -> list[Collection]:
        order = {name: index for index, name in enumerate(self._department_order)}
        unique = {id(c): c for c in self._departments.values() if c is not None}.values()
        return sorted(unique, key=lambda c: (order.get(c.label, len(order)), c.label))


def _department_group(dept: Any, name: str) -> str:
    """The DEPARTMENT_GROUPS heading a department is listed under (see there)."""
    if dept is None:
        return DEPARTMENT_GROUPS[7]
    if dept.level == "市":
        return DEPARTMENT_GROUPS[5]
    if dept.level == "国家":
        return DEPARTMENT_GROUPS[6]
    if dept.kind == "委办局":
        return DEPARTMENT_GROUPS[1]
    if dept.kind == "街镇":
        return DEPARTMENT_GROUPS[2]
    if name.endswith(("公司", "集团")):
        return DEPARTMENT_GROUPS[3]
    return DEPARTMENT_GROUPS[0] if _LEADING_ORGAN.search(name) else DEPARTMENT_GROUPS[4]


def _collections(terms: list[Term]) -> list[Collection]:
    """The linked terms' collections, each once, in order (a document naming a body twice is filed once)."""
    return list(dict.fromkeys([term.collection for term in terms if term.collection is not None]))


def _link_in_time(entries: list[Entry]) -> None:
    dated = [entry for entry in entries if entry.date]
    for newer, older in zip(dated, dated[1:]):
        newer.previous = older
        older.next = newer


def _link_related(entries: list[Entry], found: list[Features], count: int, workers: int = 1) -> None:
    """Related documents: candidates are the documents nearest in time along each department, topic
    and type list the document is on; each candidate scores for shared departments and topics and
    for text overlap. The work per document is bounded, so the whole pass is linear in documents."""
    rank = {id(entry): position for position, entry in enumerate(entries)}
    bit_of: dict[Collection, int] = {}  # its bit in the department and topic masks

    def mask(collections: Iterable[Collection]) -> int:
        value = 0
        for collection in collections:
            value |= 1 << bit_of.setdefault(collection, len(bit_of))
        return value

    department_masks: list[int] = []
    topic_masks: list[int] = []
    # The lists each document walks; a work report names dozens of bodies: its first few departments
    # and topics are enough.
    walked: list[set[Collection]] = []
    for entry in entries:
        departments, topics = _collections(entry.departments), _collections(entry.topics)
        department_masks.append(mask(departments))
        topic_masks.append(mask(topics))
        walked.append({*departments[:RELATED_LISTS], *topics[:RELATED_LISTS], entry.type})
    # Where each document stands on each list it walks: (ranks of the list's members, its index
    # there). A list's members are in rank order (see _Indexer.file), so the index is a bisection.
    ranks_of = {collection: list(map(rank.__getitem__, map(id, collection.entries))) for collection in set().union(*walked)}
    walks = [[(ranks_of[collection], bisect.bisect_left(ranks_of[collection], position)) for collection in mine]
             for position, mine in enumerate(walked)]

    _RELATED.update(walks=walks, bits=[feature.bits for feature in found], sizes=[feature.size for feature in found],
                    departments=department_masks, topics=topic_masks, count=count)
    try:
        positions = range(len(entries))
        if workers > 1 and len(entries) >= PARALLEL_MIN_RELATED:
            with worker_pool(workers) as pool:
                chunks = [positions[start:start + RELATED_CHUNK] for start in range(0, len(entries), RELATED_CHUNK)]
                found_related = [related for chunk in pool.map(_related_of, chunks) for related in chunk]
        else:
            found_related = _related_of(positions)
    finally:
        _RELATED.clear()
    for entry, related in zip(entries, found_related):
        entry.related = [entries[other] for other in related]


# What the forked related-documents workers read (set just before they start).
_RELATED: dict[str, Any] = {}


def _related_of(positions: range) -> list[list[int]]:
    """The related documents (as ranks) of the documents at these ranks; see _link_related."""
    walks, bits, sizes = _RELATED["walks"], _RELATED["bits"], _RELATED["sizes"]
    department_masks, topic_masks, count = _RELATED["departments"], _RELATED["topics"], _RELATED["count"]
    results = []
    for position in positions:
        candidates: set[int] = set()
        for ranks, index in walks[position]:
            candidates.update(ranks[max(0, index - RELATED_WINDOW): index + RELATED_WINDOW + 1])
        candidates.discard(position)
        mine, my_size = bits[position], sizes[position]
        my_departments, my_topics = department_masks[position], topic_masks[position]
        scored = []
        for other in candidates:
            common = (mine & bits[other]).bit_count()
            overlap = common / ((my_size + sizes[other] - common) or 1)
            shared_departments = (my_departments & department_masks[other]).bit_count()
            shared_topics = (my_topics & topic_masks[other]).bit_count() if my_topics else 0
            if shared_departments or shared_topics or overlap >= RELATED_OVERLAP:
                score = 2 * shared_departments + shared_topics + 10 * overlap
                scored.append((-score, abs(other - position), other))
        scored.sort()
        results.append([other for _, _, other in scored[:count]])
    return results


def _normal(text: str) -> str:
    return _SPACE.sub("", text)


def _cited_text(body: str, start: int, end: int, title: str | None, target: Entry) -> str:
    """The citation as written, with the 发文字号's prefix when it stands right before the number."""
    if title is not None:
        return body[start:end]
    prefix = _DOC_NUMBER.match(target.meta["doc_number"]).group(1)
    begin = start - len(prefix)
    return body[begin:end] if begin >= 0 and body[begin:start] == prefix else body[start:end]


def _link_citations(entries: list[Entry], found: list[Features]) -> None:
    """A document cites another when its body names the other's 《title》 or 发文字号. An index of
    titles and document numbers is built once; the citation-like matches of each body come with
    its Features."""
    by_title: dict[str, list[Entry]] = defaultdict(list)
    by_number: dict[tuple[str, str], list[tuple[str, Entry]]] = defaultdict(list)
    for entry in entries:
        title = _normal(entry.title)
        if len(title) >= MIN_CITED_TITLE:
            by_title[title].append(entry)
        match = _DOC_NUMBER.match(entry.meta.get("doc_number") or "")
        if match:
            prefix, year, serial = match.groups()
            by_number[(year, serial.lstrip("0"))].append((prefix, entry))
    for entry, feature in zip(entries, found):
        cited: dict[int, Entry] = {}
        body = entry.doc.body
        for start, end, title, year, serial in feature.citations:
            if title is not None:
                matches = by_title.get(_normal(title), [])
                targets = matches if len(matches) == 1 else []  # two documents with one title: ambiguous, no link
            else:
                before = _normal(body[max(0, start - 40):start])
                targets = [target for prefix, target in by_number.get((year, serial.lstrip("0")), [])
                           if before.endswith(prefix)]
            for target in targets:
                if target is not entry:
                    cited[id(target)] = target
                    entry.citation_texts[_cited_text(body, start, end, title, target)] = target
        entry.cites = sorted(cited.values(), key=lambda e: (e.date or "", e.id), reverse=True)
        for target in entry.cites:
            target.cited_by.append(entry)
