"""The site model: every document with its place in the archive, gathered before anything is written.

`load_content(dir)` reads content files; `assemble(documents, config, departments, topics)` builds a
`Site`: collections by year, department, topic and document type (newest first), previous/next in
time, related documents, and citations between documents. Templates and the search bundle read
the Site; nothing here renders or writes.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from archive import urls
from archive.document import DOC_TYPES, Document, DocumentError, load_document

# How far a related-documents search looks along each shared department, topic or type list
# (on both sides of the document, in time). It bounds the work per document, so 100,000
# documents stay linear however large one department grows.
RELATED_WINDOW = 5
# At most this many department lists and this many topic lists are walked per document.
RELATED_LISTS = 4
# Body characters that feed the text fingerprint; the opening of a document says what it is about.
FINGERPRINT_CHARS = 2000
# Titles shorter than this are too generic to be recognised as citations (《通知》).
MIN_CITED_TITLE = 6

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_BRACKETS_OPEN = "〔［[（(﹝"
_BRACKETS_CLOSE = "〕］]）)﹞"
_DOC_NUMBER_TAIL = rf"[{re.escape(_BRACKETS_OPEN)}]\s*((?:19|20)\d{{2}})\s*[{re.escape(_BRACKETS_CLOSE)}]\s*(\d{{1,4}})\s*号"
# One pass over a body finds both kinds of citation: a quoted title, or the year-and-serial
# tail of a 发文字号 whose prefix (长府, 长府会议纪要 ...) is then checked against the text before it.
_CITATION = re.compile(rf"《([^《》\n]{{{MIN_CITED_TITLE},200}})》|{_DOC_NUMBER_TAIL}")
_DOC_NUMBER = re.compile(rf"^\s*([^\s{re.escape(_BRACKETS_OPEN)}]+?)\s*{_DOC_NUMBER_TAIL}")
_SPACE = re.compile(r"\s+")


@dataclass(eq=False)
class Term:
    """A department or topic as named on a document: its label, and its index page unless it has none
    (collective references such as 各街（镇） are shown but link nowhere)."""

    label: str
    collection: "Collection | None" = None


@dataclass(eq=False)
class AgendaItem:
    """One item of a meeting's agenda: who reported, on what."""

    subject: str
    supplementary: str
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


@dataclass(eq=False)
class Entry:
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

    @property
    def id(self) -> str:
        return self.doc.id

    @property
    def title(self) -> str:
        return self.doc.title

    @property
    def date(self) -> str | None:
        return self.doc.date

    @property
    def meta(self) -> dict[str, Any]:
        return self.doc.meta

    def task_groups(self) -> list[tuple[str, list[TaskRow]]]:
        """Task rows in runs sharing one area (领域), as the printed table merges them."""
        groups: list[tuple[str, list[TaskRow]]] = []
        for row in self.tasks:
            if not groups or groups[-1][0] != row.area:
                groups.append((row.area, []))
            groups[-1][1].append(row)
        return groups


@dataclass(eq=False)
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


@dataclass
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


def load_content(content_dir: Path) -> tuple[list[Document], list[str]]:
    """Every content file under content_dir, in path order. A file that cannot be read, or that reuses
    another file's id, becomes a problem naming the file; the others are still returned."""
    documents: list[Document] = []
    problems: list[str] = []
    owner: dict[str, Path] = {}
    for path in sorted(Path(content_dir).rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(content_dir).parts):
            continue
        try:
            doc = load_document(path)
        except DocumentError as error:
            problems.append(str(error))
            continue
        if doc.id in owner:
            problems.append(f"{path}: id {doc.id!r} is already used by {owner[doc.id]}; give one of them another id")
            continue
        owner[doc.id] = path
        documents.append(doc)
    return documents, problems


def assemble(documents: list[Document], config: Any, departments: Any, topics: Any) -> Site:
    """Build the Site from loaded documents, the department table and the topic rules."""
    warnings: list[str] = []
    index = _Indexer(departments, topics)
    entries = [index.entry(doc, warnings) for doc in _newest_first(documents)]
    for entry in entries:
        index.file(entry)
    _link_in_time(entries)
    _link_related(entries, config.get("build.related_count"))
    _link_citations(entries)
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
    dated = sorted((d for d in documents if d.date), key=lambda d: d.id)
    dated.sort(key=lambda d: d.date, reverse=True)
    return dated + sorted((d for d in documents if not d.date), key=lambda d: d.id)


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
                supplementary=str(item.get("supplementary") or ""),
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
            for term in _unique(item.departments):
                term.collection.agenda.append((entry, item))
        for row in entry.tasks:
            departments += row.lead + row.support
            for role, terms in (("主责", row.lead), ("配合", row.support)):
                for term in _unique(terms):
                    term.collection.tasks.append((entry, row, role))
        for term in _unique(departments) + _unique(topics):
            term.collection.entries.append(entry)

    def departments_named(self, names: Any) -> list[Term]:
        return [Term(name, self._department(name)) for name in _texts(names)]

    def topics_named(self, labels: Any) -> list[Term]:
        return [Term(label, self._topic(label)) for label in _texts(labels)]

    def _department(self, name: str) -> Collection | None:
        if name not in self._departments:
            canonical = self._table.canonical(name) or name
            dept = self._table.get(canonical)
            if dept is not None and dept.collective:
                self._departments[name] = None
            elif canonical != name:
                self._departments[name] = self._department(canonical)
            else:
                slug = dept.slug if dept is not None and dept.slug else urls.hashed_slug("d", name)
                self._departments[name] = Collection("department", slug, name, group=dept.kind if dept else "其他")
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


def _unique(terms: list[Term]) -> list[Term]:
    """Linked terms, each collection once (a document naming a body twice is filed once)."""
    seen: set[int] = set()
    result = []
    for term in terms:
        if term.collection is not None and id(term.collection) not in seen:
            seen.add(id(term.collection))
            result.append(term)
    return result


def _link_in_time(entries: list[Entry]) -> None:
    dated = [entry for entry in entries if entry.date]
    for newer, older in zip(dated, dated[1:]):
        newer.previous = older
        older.next = newer


def _bigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for run in _CJK_RUN.findall(text):
        grams.update(map(operator.add, run, run[1:]))
    return grams


def _fingerprint(entry: Entry) -> frozenset[str]:
    """Character bigrams of the title, plus a fixed quarter of those opening the body (chosen by the
    first character's code point, so every build picks the same ones): enough to tell documents on
    one subject apart, small enough for cheap set intersections."""
    body = _bigrams(entry.doc.body[:FINGERPRINT_CHARS])
    return frozenset(_bigrams(entry.title) | {gram for gram in body if ord(gram[0]) % 4 == 0})


def _link_related(entries: list[Entry], count: int) -> None:
    """Related documents: candidates are the documents nearest in time along each department, topic
    and type list the document is on; each candidate scores for shared departments and topics and
    for text overlap. The work per document is bounded, so the whole pass is linear in documents."""
    rank = {id(entry): position for position, entry in enumerate(entries)}
    fingerprints = [_fingerprint(entry) for entry in entries]
    department_sets = [{id(t.collection) for t in _unique(entry.departments)} for entry in entries]
    topic_sets = [{id(t.collection) for t in _unique(entry.topics)} for entry in entries]

    for position, entry in enumerate(entries):
        # A work report names dozens of bodies: its first few departments and topics are enough.
        terms = _unique(entry.departments)[:RELATED_LISTS] + _unique(entry.topics)[:RELATED_LISTS]
        lists = [t.collection.entries for t in terms] + [entry.type.entries]
        candidates: set[int] = set()
        for members in lists:
            at = _position_in(members, position, rank)
            candidates.update(rank[id(m)] for m in members[max(0, at - RELATED_WINDOW): at + RELATED_WINDOW + 1])
        candidates.discard(position)
        scored = []
        for other in candidates:
            shared_departments = len(department_sets[position] & department_sets[other])
            shared_topics = len(topic_sets[position] & topic_sets[other])
            mine, theirs = fingerprints[position], fingerprints[other]
            common = len(mine & theirs)
            overlap = common / ((len(mine) + len(theirs) - common) or 1)
            if shared_departments or shared_topics or overlap >= 0.1:
                score = 2 * shared_departments + shared_topics + 10 * overlap
                scored.append((-score, abs(other - position), other))
        scored.sort()
        entry.related = [entries[other] for _, _, other in scored[:count]]


def _position_in(members: list[Entry], position: int, rank: dict[int, int]) -> int:
    """Where the entry of global rank `position` sits in a collection list (lists are in rank order)."""
    return bisect.bisect_left(members, position, key=lambda member: rank[id(member)])


def _normal(text: str) -> str:
    return _SPACE.sub("", text)


def _cited_text(body: str, match: re.Match, target: Entry) -> str:
    """The citation as written, with the 发文字号's prefix when it stands right before the number."""
    if match.group(1) is not None:
        return match.group(0)
    prefix = _DOC_NUMBER.match(target.meta["doc_number"]).group(1)
    start = match.start() - len(prefix)
    return body[start:match.end()] if start >= 0 and body[start:match.start()] == prefix else match.group(0)


def _link_citations(entries: list[Entry]) -> None:
    """A document cites another when its body names the other's 《title》 or 发文字号. An index of
    titles and document numbers is built once; each body is scanned once with one pattern."""
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
    for entry in entries:
        cited: dict[int, Entry] = {}
        body = entry.doc.body
        for match in _CITATION.finditer(body):
            title, year, serial = match.groups()
            if title is not None:
                found = by_title.get(_normal(title), [])
                targets = found if len(found) == 1 else []  # two documents with one title: ambiguous, no link
            else:
                before = _normal(body[max(0, match.start() - 40):match.start()])
                targets = [target for prefix, target in by_number.get((year, serial.lstrip("0")), [])
                           if before.endswith(prefix)]
            for target in targets:
                if target is not entry:
                    cited[id(target)] = target
                    entry.citation_texts[_cited_text(body, match, target)] = target
        entry.cites = sorted(cited.values(), key=lambda e: (e.date or "", e.id), reverse=True)
        for target in entry.cites:
            target.cited_by.append(entry)
