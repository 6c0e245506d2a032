"""Ingest: raw sources -> normalized content files (front-matter + Markdown) in content/.

Each source becomes one content file `content/<id>.md`. What ingest wrote last is recorded in
`content/.ingest.json` (id -> source, source hash, hash of the written file), which is how a
content file edited by hand is recognised and kept.

A source with text is never refused: when its title or date cannot be read it is ingested
with the best value found and listed in `content/.review.csv` (id, content file, source, reasons),
a spreadsheet the maintainers open to check those documents; a document leaves the list when a
later ingest reads it fully or when its content file has been edited by hand.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from archive.config import Config
from archive.departments import DepartmentTable
from archive.document import Document, FileError, dump_document, slug_from_name, validate_meta
from archive.ingest.metadata import extract_metadata
from archive.ingest.normalize import normalize_text
from archive.ingest.readers import SUPPORTED_SUFFIXES, SourceError, read_source
from archive.ingest.tasks import extract_task_table
from archive.topics import TopicRules

MANIFEST_NAME = ".ingest.json"
REVIEW_NAME = ".review.csv"
REVIEW_FIELDS = ("id", "content", "source", "reasons")

WRITTEN, UNCHANGED, KEPT, FAILED = "written", "unchanged", "kept", "failed"


@dataclass(frozen=True)
class IngestResult:
    source: Path
    status: str  # one of WRITTEN, UNCHANGED, KEPT, FAILED
    content: Path | None = None
    message: str = ""
    review: tuple[str, ...] = ()  # why a person should check what was read (title guessed, no date, ...)


class Manifest:
    """What ingest last wrote, so hand edits are recognised: id -> {source, source_sha256, written_sha256}."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict[str, str]] = {}
        if path.exists():
            try:
                self.entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                # A damaged manifest only costs the hand-edit check its memory: every existing
                # content file is then treated as edited and kept, which loses nothing.
                self.entries = {}

    def ids_by_source(self) -> dict[str, str]:
        return {entry.get("source", ""): doc_id for doc_id, entry in self.entries.items()}

    def save(self) -> None:
        text = json.dumps(self.entries, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        if not self.path.exists() or self.path.read_text(encoding="utf-8") != text:
            _write_atomically(self.path, text)


class ReviewList:
    """content/.review.csv: the documents ingested with a guessed title or no date."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = {row["source"]: row for row in read_review_list(path)}

    def update(self, result: IngestResult, source: str) -> None:
        if result.status in (WRITTEN, UNCHANGED) and result.review:
            self.rows[source] = {"id": result.content.stem, "content": result.content.name, "source": source,
                                 "reasons": "; ".join(result.review)}
        elif result.status != FAILED:
            # Read fully now, or edited by hand (a person has looked at it).
            self.rows.pop(source, None)

    def save(self) -> None:
        if not self.rows and not self.path.exists():
            return
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=REVIEW_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(self.rows.values(), key=lambda row: row["id"]))
        # With a byte-order mark, so that a spreadsheet opened by double-click reads the Chinese right.
        text = "\ufeff" + buffer.getvalue()
        if not self.path.exists() or self.path.read_text(encoding="utf-8") != text:
            _write_atomically(self.path, text)


def read_review_list(path: Path) -> list[dict[str, str]]:
    """The rows of a review list (empty when there is none or it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    return [row for row in csv.DictReader(io.StringIO(text)) if row.get("source")]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discover_sources(paths: Iterable[Path]) -> tuple[list[Path], list[IngestResult]]:
    """Source files under the given folders (supported kinds only, sorted) and the files named."""
    found: list[Path] = []
    failures: list[IngestResult] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts) \
                        and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.append(child)
        elif path.is_file():
            found.append(path)  # a file named on purpose: read_source says why if its kind is unsupported
        else:
            failures.append(IngestResult(path, FAILED, message="no such file or folder"))
    return found, failures


def _display_path(path: Path, root: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return resolved.as_posix()


def id_from_source_name(source: str) -> str:
    """A readable ASCII id from the file name when it has one, else a stable hash of the source path."""
    return slug_from_name(Path(source).stem) or "doc-" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


class Converter:
    """Turns one raw source into a Document, reading the department table and topic rules once."""

    def __init__(self, config: Config):
        self.departments = DepartmentTable.load(config.path("data.departments"))
        self.topics = TopicRules.load(config.path("data.topics"))
        self.root = config.root

    def convert(self, path: Path, raw: bytes, previous_id: str | None = None) -> tuple[Document, list[str]]:
        """(document, reasons to review it). previous_id: the id this source was given by an earlier
        ingest; it stays, so URLs stay stable."""
        source = read_source(path)
        tasks, text = extract_task_table(source.text, self.departments)
        markdown = normalize_text(text)
        review: list[str] = []
        meta, body = extract_metadata(markdown, source_name=path.name,
                                      departments=self.departments, topics=self.topics, review=review)
        if tasks:
            meta["tasks"] = tasks
            # Task cells also name groups (各街（镇）, 领导小组成员单位); only real bodies join `departments`.
            named = list(meta.get("departments", []))
            for task in tasks:
                named.extend(name for name in task.get("lead", []) + task.get("support", [])
                             if self._is_body(name))
            meta["departments"] = list(dict.fromkeys(named))
        if source.front_matter:
            problems = validate_meta(source.front_matter)
            if problems:
                raise SourceError(path, "front-matter: " + "; ".join(problems) + "; correct the value or remove the key")
            # What the author wrote wins over what was read from the text, and needs no review.
            meta.update(source.front_matter)
            given = set(source.front_matter) | ({"date"} if source.front_matter.get("publish_date") else set())
            review = [reason for reason in review if reason.split(":")[0] not in given]
        meta["source"] = _display_path(path, self.root)
        meta["source_sha256"] = sha256_bytes(raw)
        meta.setdefault("id", previous_id or id_from_source_name(meta["source"]))
        if not meta.get("title"):
            # Only a text with no line at all to call it by comes here (its words are all in tables).
            meta["title"] = path.stem
            review.append("title: none in the text, the file name is used")
        return Document(meta=meta, body=body), review

    def _is_body(self, name: str) -> bool:
        department = self.departments.get(name)
        return department is not None and not department.collective


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def ingest(paths: list[Path], content_dir: Path, config: Config, *, force: bool = False,
           on_result: Callable[[IngestResult], None] | None = None) -> list[IngestResult]:
    """Ingest every source under paths into content_dir; one IngestResult per source, in order."""
    sources, results = discover_sources(paths)
    for failure in results:
        if on_result:
            on_result(failure)
    converter = Converter(config)
    manifest = Manifest(content_dir / MANIFEST_NAME)
    review = ReviewList(content_dir / REVIEW_NAME)
    claimed: dict[str, str] = {doc_id: entry.get("source", "") for doc_id, entry in manifest.entries.items()}
    previous_ids = manifest.ids_by_source()
    for path in sources:
        previous_id = previous_ids.get(_display_path(path, config.root))
        result = _ingest_one(path, content_dir, converter, manifest, claimed, previous_id, force)
        review.update(result, _display_path(path, config.root))
        results.append(result)
        if on_result:
            on_result(result)
    manifest.save()
    review.save()
    return results


def _ingest_one(path: Path, content_dir: Path, converter: Converter, manifest: Manifest,
                claimed: dict[str, str], previous_id: str | None, force: bool) -> IngestResult:
    try:
        raw = path.read_bytes()
    except OSError as error:
        return IngestResult(path, FAILED, message=f"cannot be read ({error.strerror})")
    try:
        document, review = converter.convert(path, raw, previous_id)
    except FileError as error:
        where = f"line {error.line}: " if error.line else ""
        return IngestResult(path, FAILED, message=where + error.message)
    source = document.meta["source"]
    doc_id = document.meta["id"]
    if claimed.get(doc_id, source) != source:
        doc_id = f"{doc_id}-{hashlib.sha256(source.encode('utf-8')).hexdigest()[:6]}"
        document.meta["id"] = doc_id
    claimed[doc_id] = source
    target = content_dir / f"{doc_id}.md"
    text = dump_document(document)
    data = text.encode("utf-8")
    if target.exists():
        existing = target.read_bytes()
        if existing == data:
            manifest.entries[doc_id] = _entry(source, document, data)
            return IngestResult(path, UNCHANGED, target, _review_message(review), tuple(review))
        recorded = manifest.entries.get(doc_id, {}).get("written_sha256")
        if not force and recorded != sha256_bytes(existing):
            return IngestResult(path, KEPT, target, "edited by hand since the last ingest; kept (use --force to overwrite)")
    _write_atomically(target, text)
    manifest.entries[doc_id] = _entry(source, document, data)
    return IngestResult(path, WRITTEN, target, _review_message(review), tuple(review))


def _review_message(review: list[str]) -> str:
    return f"needs review ({'; '.join(review)}); listed in {REVIEW_NAME}" if review else ""


def _entry(source: str, document: Document, data: bytes) -> dict[str, str]:
    return {"source": source, "source_sha256": document.meta["source_sha256"], "written_sha256": sha256_bytes(data)}
