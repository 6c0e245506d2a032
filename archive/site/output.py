"""Writing the site: an output folder built aside and swapped in whole, and the open-data files.

`SiteWriter(out_dir)` writes into a sibling folder (site.tmp-<pid>) and `commit()` swaps it in:
the old site is renamed aside, the new one renamed in, the old one deleted. A build that fails or
is killed before the swap leaves the previous site as it was. A file that would come out the same
as in the previous site is hard-linked from it (`reuse`), so a rebuild writes only what changed;
files are never written in place, so the previous site's files stay as they were until the swap.
The open-data files (catalog JSON and CSV, one JSON file of front-matter per document) are produced
here as bytes; sorted keys and site order make two builds byte-identical.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any, Iterator

from archive.document import ordered_meta
from archive.site import urls
from archive.site.model import Site
from archive.site.shown import identity

# Present in every folder this module built; a folder without it is never replaced or deleted,
# so a mistyped --out cannot wipe someone's files.
MARKER = ".archive-site"
CATALOG_FIELDS = ("id", "title", "date", "doc_type", "doc_number", "issuer", "departments", "topics", "url", "data")


class OutputError(Exception):
    """The output folder cannot be used; the message names it and says what to do."""


class SiteWriter:
    def __init__(self, out_dir: Path):
        self.out = Path(out_dir).resolve()
        self.path = self.out.with_name(f"{self.out.name}.tmp-{os.getpid()}")
        self._old = self.out.with_name(f"{self.out.name}.old-{os.getpid()}")
        if self.out.exists() and not (self.out / MARKER).exists() and any(self.out.iterdir()):
            raise OutputError(f"{self.out}: exists and was not built by this tool; choose another output folder or empty it")
        self._remove_leftovers()
        self.path.mkdir(parents=True)
        (self.path / MARKER).write_bytes(b"")
        self.files = 0
        self._deleting: threading.Thread | None = None
        # Plain strings below: a rebuild takes tens of thousands of files, and pathlib is slow at that.
        self._new = str(self.path)
        self._previous = str(self.out)
        self._folders: set[str] = {self._new}

    def _remove_leftovers(self) -> None:
        """Folders aside from a build that was killed before it could clean up (one build per output folder)."""
        for stale in self.out.parent.glob(f"{self.out.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        for stale in self.out.parent.glob(f"{self.out.name}.old-*"):
            if (stale / MARKER).exists():
                shutil.rmtree(stale, ignore_errors=True)

    def _target(self, url: str) -> str:
        target = os.path.join(self._new, *_safe_parts(url))
        folder = os.path.dirname(target)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        return target

    def write(self, url: str, data: str | bytes) -> None:
        """Write one file at its site URL; a URL that could leave the output folder is refused."""
        target = self._target(url)
        try:
            handle = open(target, "xb")
        except FileExistsError:
            # Replace, never overwrite: the file there may be a hard link into the previous site.
            os.unlink(target)
            handle = open(target, "xb")
        with handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        self.files += 1

    def reuse(self, url: str) -> bool:
        """Take the file at url from the previous site (a hard link, or a copy where the file system
        has none); False when the previous site has no such file."""
        target = self._target(url)
        source = self._previous + target[len(self._new):]
        try:
            os.link(source, target)
        except FileNotFoundError:
            return False
        except OSError:
            try:
                shutil.copyfile(source, target)
            except FileNotFoundError:
                return False
        self.files += 1
        return True

    def mark(self, token: str) -> None:
        """Name this build in the marker file (cache.PageManifest matches it against its token)."""
        (self.path / MARKER).write_text(token, encoding="ascii")

    def copy_tree(self, source: Path, prefix: str) -> None:
        """Copy a folder's files verbatim under prefix (static assets), in a stable order."""
        for path in sorted(p for p in Path(source).rglob("*") if p.is_file()):
            self.write(prefix + path.relative_to(source).as_posix(), path.read_bytes())

    def commit(self, wait: bool = True) -> None:
        """Swap the new site in. The previous one is deleted then, or, with wait=False, in a thread
        while the caller goes on (its search index files alone can take seconds to delete); close()
        waits for that. A deletion cut short is finished by the next build (_remove_leftovers)."""
        if self.out.exists():
            self.out.rename(self._old)
        try:
            self.path.rename(self.out)
        except OSError:
            if self._old.exists():
                self._old.rename(self.out)
            raise
        self._deleting = threading.Thread(target=shutil.rmtree, args=(self._old,), kwargs={"ignore_errors": True})
        self._deleting.start()
        if wait:
            self.close()

    def close(self) -> None:
        """Wait until the previous site is deleted."""
        if self._deleting is not None:
            self._deleting.join()
            self._deleting = None

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def read_marker(out_dir: Path) -> str | None:
    """The token of the site in out_dir (see SiteWriter.mark), or None."""
    try:
        return (Path(out_dir) / MARKER).read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _safe_parts(url: str) -> list[str]:
    parts = url.split("/")
    if not url.isascii() or "\\" in url or any(part in ("", ".", "..") for part in parts):
        raise OutputError(f"{url!r}: refusing to write outside the output folder")
    return parts


def dumps(value: Any) -> bytes:
    """JSON as written to the site: sorted keys, Chinese kept readable, one trailing newline."""
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def _record(entry: Any) -> dict[str, Any]:
    meta = entry.meta
    return {
        "id": entry.id,
        "title": entry.title,
        "date": entry.date,
        "doc_type": entry.doc_type,
        "doc_number": meta.get("doc_number"),
        "issuer": meta.get("issuer"),
        "departments": list(meta.get("departments") or []),
        "topics": list(meta.get("topics") or []),
        "url": entry.url,
        "data": urls.document_data_url(entry.doc),
    }


def open_data(site: Site) -> Iterator[tuple[str, bytes]]:
    """(url, bytes) of the catalog (JSON and CSV, every document's metadata, newest first) and of
    each document's front-matter as JSON."""
    yield from catalog(site)
    for entry in site.entries:
        yield urls.document_data_url(entry.doc), document_data(entry)


def document_data(entry: Any) -> bytes:
    """One document's front-matter as JSON."""
    return dumps(ordered_meta(entry.meta))


def catalog_lines(site: Site, known: dict[str, tuple[str, str]] | None = None) -> dict[str, tuple[str, str]]:
    """Each document's catalog line as JSON and row as CSV, newest first, by shown.identity (they
    follow from the document alone); those in known, from the last build, are not made again: all
    of them were 3.6 s of a rebuild at 100,000 documents."""
    known = known or {}
    lines: dict[str, tuple[str, str]] = {}
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for entry in site.entries:
        key = identity(entry)
        line = known.get(key)
        if line is None:
            record = _record(entry)
            writer.writerow(["；".join(v) if isinstance(v, list) else (v or "") for v in (record[f] for f in CATALOG_FIELDS)])
            line = (_CATALOG_JSON.encode(record), text.getvalue())
            text.seek(0)
            text.truncate()
        lines[key] = line
    return lines


# The whole catalog is written every build: json's C encoder does it only without indent.
_CATALOG_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def catalog(site: Site, lines: dict[str, tuple[str, str]] | None = None) -> Iterator[tuple[str, bytes]]:
    """(url, bytes) of the catalog as JSON (one document a line) and as CSV, from catalog_lines."""
    made = list((lines if lines is not None else catalog_lines(site)).values())
    yield urls.CATALOG_JSON, ("[\n" + ",\n".join(line for line, _ in made) + "\n]\n").encode("utf-8")
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(CATALOG_FIELDS)
    # The byte-order mark makes spreadsheet programs on Windows read the Chinese as UTF-8.
    yield urls.CATALOG_CSV, ("\ufeff" + header.getvalue() + "".join(row for _, row in made)).encode("utf-8")
