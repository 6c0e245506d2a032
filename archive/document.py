"""The Document: YAML front-matter plus a Markdown body, as stored in content/*.md.

This module owns the front-matter schema (key order, types, allowed document types) and the
only code that reads and writes content files' text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from archive.config import SAFE_DUMPER, SAFE_LOADER

# The fifteen 公文 types of 《党政机关公文处理工作条例》(2012), plus the work report.
DOC_TYPES = (
    "决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知",
    "通报", "报告", "请示", "批复", "议案", "函", "纪要", "政府工作报告",
)

# Front-matter keys in the order they are written; unknown keys an editor adds are kept after these.
KEY_ORDER = (
    "id", "title", "doc_type", "date", "publish_date", "doc_number", "index_number", "issuer",
    "departments", "topics", "keywords", "validity",
    "meeting", "agenda", "tasks", "attachments", "cc", "printer", "print_date",
    "source", "source_sha256",
)

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
DATE_PATTERN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class FileError(Exception):
    """A file cannot be used; str() names the file, the line where known, and what to do."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class DocumentError(FileError):
    """A content file cannot be read."""


@dataclass
class Document:
    meta: dict[str, Any]
    body: str
    path: Path | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def title(self) -> str:
        return self.meta.get("title") or ""

    @property
    def date(self) -> str | None:
        return self.meta.get("date")

    # Both are read for every list a document is in (half a million times at 10,000 documents) and
    # follow from front-matter nothing changes once a document is read (ingest sets only its id).
    @cached_property
    def sort_date(self) -> str | None:
        """What lists order by: the 成文日期, else the 发布日期 a web page printed."""
        return self.meta.get("date") or self.meta.get("publish_date")

    @cached_property
    def year(self) -> int | None:
        """The year it is listed under (and its page's folder): that of sort_date."""
        return int(self.sort_date[:4]) if self.sort_date else None


class OfDocument:
    """For a view of one document (the site's Entry, search's Shown): its id, title, dates and
    front-matter, read through to the Document in its `doc` attribute."""

    doc: Document

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
    def sort_date(self) -> str | None:
        return self.doc.sort_date

    @property
    def meta(self) -> dict[str, Any]:
        return self.doc.meta


class _Loader(SAFE_LOADER):
    """Safe loader that leaves dates as text, so an impossible date is a validation message, not a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def split_front_matter(text: str, path: Path | str) -> tuple[dict[str, Any] | None, str, int]:
    """Split '---' YAML front-matter from the body. Returns (meta or None, body, body's first line number)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("---") or text[3:4] not in ("\n", "\r"):
        return None, text, 1
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") in ("---", "..."):
            yaml_text = "".join(lines[1:index])
            body = "".join(lines[index + 1:])
            break
    else:
        raise DocumentError(path, "front-matter starts with '---' but has no closing '---' line; add one after the last key", 1)
    try:
        meta = yaml.load(yaml_text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else None
        problem = getattr(error, "problem", None) or str(error)
        raise DocumentError(path, f"front-matter is not valid YAML ({problem}); fix the line or remove the front-matter", line) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise DocumentError(path, f"front-matter must be a mapping of keys to values, found {type(meta).__name__}", 2)
    return {str(k): v for k, v in meta.items()}, body, index + 2


def validate_meta(meta: dict[str, Any]) -> list[str]:
    """Problems with front-matter values, each a sentence saying which key, what was found, and what is expected."""
    problems = []

    def expect(condition: bool, key: str, expected: str) -> None:
        if not condition:
            problems.append(f"{key}: expected {expected}, found {meta.get(key)!r}")

    def is_str_list(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    if "id" in meta:
        expect(isinstance(meta["id"], str) and bool(ID_PATTERN.match(meta["id"])), "id",
               "lower-case ASCII letters, digits and hyphens (it becomes the page's file name)")
    if "title" in meta:
        expect(isinstance(meta["title"], str) and meta["title"].strip() != "", "title", "non-empty text")
    if meta.get("doc_type") is not None:
        expect(meta["doc_type"] in DOC_TYPES, "doc_type", "one of " + " ".join(DOC_TYPES))
    if meta.get("date") is not None:
        expect(isinstance(meta["date"], str) and is_valid_date(meta["date"]), "date", "a real date written YYYY-MM-DD")
    for key in ("doc_number", "issuer", "printer", "index_number", "validity"):
        if meta.get(key) is not None:
            expect(isinstance(meta[key], str), key, "text")
    for key in ("print_date", "publish_date"):
        if meta.get(key) is not None:
            expect(isinstance(meta[key], str) and is_valid_date(meta[key]), key, "a real date written YYYY-MM-DD")
    for key in ("departments", "topics", "cc", "attachments", "keywords"):
        if meta.get(key) is not None:
            expect(is_str_list(meta[key]), key, "a list of names, one per line starting with '- '")
    for key in ("agenda", "tasks"):
        if meta.get(key) is not None:
            expect(isinstance(meta[key], list) and all(isinstance(item, dict) for item in meta[key]), key, "a list of mappings")
    if meta.get("meeting") is not None:
        expect(isinstance(meta["meeting"], dict), "meeting", "a mapping with number and chair")
    return problems


def is_valid_date(text: str) -> bool:
    match = DATE_PATTERN.match(text)
    if not match:
        return False
    try:
        dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return True


_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


def slug_from_name(stem: str) -> str | None:
    """A file name's lower-case ASCII letters, digits and hyphens, when it has a word's worth (three
    letters: 2024-03-27-minutes, Report-2024); None for a Chinese name (关于…的通知, 2024年工作要点)."""
    slug = _SLUG_UNSAFE.sub("-", stem.lower()).strip("-")[:80].strip("-")
    return slug if len(re.sub(r"[^a-z]", "", slug)) >= 3 else None


def id_from_file_name(name: str, date: Any = None) -> str:
    """The id of a content file written without one, as static site generators name pages after
    their file: its slug, else its date (when valid) and a short stable hash of the name."""
    stem = Path(name).stem
    slug = slug_from_name(stem)
    if slug:
        return slug
    digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
    return f"{date}-{digest}" if isinstance(date, str) and is_valid_date(date) else f"doc-{digest}"


def parse_document(text: str, path: Path | str) -> Document:
    """Parse a content file's text; raises DocumentError on unreadable or invalid front-matter.
    A file without `id` is given one from its file name (id_from_file_name)."""
    meta, body, body_line = split_front_matter(text, path)
    if meta is None:
        raise DocumentError(path, "has no front-matter; content files start with a '---' YAML block (run `python build.py ingest` to create one)", 1)
    if "id" not in meta:
        meta["id"] = id_from_file_name(Path(path).name, meta.get("date"))
    problems = validate_meta(meta)
    if "title" not in meta:
        problems.insert(0, "title: missing; every content file needs one")
    if problems:
        raise DocumentError(path, "; ".join(problems), _line_of_key(text, problems[0].split(":")[0]))
    return Document(meta=meta, body=body.lstrip("\n"), path=Path(path))


def _line_of_key(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


def load_document(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DocumentError(path, f"is not UTF-8 text (byte {error.start}); content files must be UTF-8") from None
    except OSError as error:
        raise DocumentError(path, f"cannot be read ({error.strerror})") from None
    return parse_document(text, path)


class _Dumper(SAFE_DUMPER):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if DATE_PATTERN.match(value) and is_valid_date(value):
        # Dates are written unquoted (date: 2024-03-27), as editors would type them.
        return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value)
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def ordered_meta(meta: dict[str, Any]) -> dict[str, Any]:
    ordered = {key: meta[key] for key in KEY_ORDER if meta.get(key) not in (None, [], {})}
    ordered.update({key: value for key, value in meta.items() if key not in ordered and key not in KEY_ORDER})
    return ordered


def dump_document(document: Document) -> str:
    """The content file's text: front-matter in KEY_ORDER, then the body ending in one newline."""
    front = yaml.dump(ordered_meta(document.meta), Dumper=_Dumper, allow_unicode=True,
                      sort_keys=False, width=1000, default_flow_style=False)
    return f"---\n{front}---\n\n{document.body.strip()}\n"
