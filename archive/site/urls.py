"""Every URL of the built site, and nothing else: the only module that knows URL patterns.

A URL here is a path relative to the site root, ASCII only, with no leading slash
("2024/cn-2024-13.html"). Pages link to each other with relative hrefs
(`Links(page_url).document(doc)`), so the site works under any base path and from file://.
Each URL is also the output file's path under the site folder.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit
from typing import Any

from archive.document import DOC_TYPES, Document

HOME = "index.html"
SEARCH = "search.html"
NOT_FOUND = "404.html"
SITEMAP = "sitemap.xml"  # a sitemap index over the sitemap-<n>.xml files
FEED = "feed.xml"
CATALOG_JSON = "data/catalog.json"
CATALOG_CSV = "data/catalog.csv"
STATIC = "static/"
YEARS = "years/index.html"
DEPARTMENTS = "departments/index.html"
TOPICS = "topics/index.html"
TYPES = "types/index.html"

# Labels a visitor sees for documents that lack a date or a known type.
UNDATED_LABEL = "日期不详"
OTHER_TYPE_LABEL = "其他"
UNDATED_KEY = "undated"

# One ASCII slug per document type; the label stays the visible name.
TYPE_SLUGS: dict[str, str] = {
    "决议": "resolution", "决定": "decision", "命令": "order", "公报": "communique",
    "公告": "announcement", "通告": "public-notice", "意见": "opinion", "通知": "notice",
    "通报": "circular", "报告": "report", "请示": "request", "批复": "reply",
    "议案": "motion", "函": "letter", "纪要": "minutes", "政府工作报告": "work-report",
    OTHER_TYPE_LABEL: "other",
}
assert set(TYPE_SLUGS) == set(DOC_TYPES) | {OTHER_TYPE_LABEL}, "every DOC_TYPES entry needs a slug"

SEGMENT = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


class UnsafePathError(ValueError):
    """A path segment taken from content (an id or slug) could escape the site folder or is not ASCII."""


def segment(value: Any) -> str:
    """The value as a path segment, refusing anything but lower-case ASCII letters, digits and hyphens:
    ids and slugs come from editable files, and '..', '/' or non-ASCII must never reach the file system."""
    if not isinstance(value, str) or not SEGMENT.match(value):
        raise UnsafePathError(f"{value!r} cannot be used in a URL: expected lower-case ASCII letters, digits and hyphens")
    return value


def hashed_slug(prefix: str, name: str) -> str:
    """A stable ASCII slug for a name that has no slug in the data files (same name, same slug, every build)."""
    return f"{prefix}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:10]}"


def type_slug(label: str) -> str:
    return TYPE_SLUGS[label]


def year_key(year: int | None) -> str:
    return str(year) if year is not None else UNDATED_KEY


def _paged(base: str, page: int) -> str:
    # Later pages sit next to the first one, at the same depth, so relative links need no special case.
    return f"{base}.html" if page == 1 else f"{base}-page-{page}.html"


def document_url(doc: Document) -> str:
    """The document's page, e.g. "2024/cn-2024-13.html"; undated documents live under "undated/"."""
    return f"{year_key(doc.year)}/{segment(doc.id)}.html"


def document_data_url(doc: Document) -> str:
    """The document's front-matter as JSON (open data)."""
    return f"data/docs/{segment(doc.id)}.json"


def tasks_csv_url(doc: Document) -> str:
    """The document's key-work-goals table as CSV (open data)."""
    return f"data/tasks/{segment(doc.id)}.csv"


def not_found_root(base_url: str) -> str:
    """The site root as an absolute path, for the 404 page: the path of base_url, or "/"."""
    path = urlsplit(base_url).path if base_url else ""
    return path.rstrip("/") + "/"


def year_url(key: str, page: int = 1) -> str:
    return _paged(f"years/{segment(key)}", page)


def department_url(slug: str, page: int = 1) -> str:
    return _paged(f"departments/{segment(slug)}", page)


def topic_url(slug: str, page: int = 1) -> str:
    return _paged(f"topics/{segment(slug)}", page)


def type_url(slug: str, page: int = 1) -> str:
    return _paged(f"types/{segment(slug)}", page)


_COLLECTION_URLS = {"year": year_url, "department": department_url, "topic": topic_url, "type": type_url}
COLLECTION_KINDS = tuple(_COLLECTION_URLS)


def collection_url(kind: str, slug: str, page: int = 1) -> str:
    """The index page of a year, department, topic or type collection."""
    return _COLLECTION_URLS[kind](slug, page)


def sitemap_part_url(number: int) -> str:
    """One sitemap file of the index; at the site root, because a sitemap may only list URLs at or
    below its own folder."""
    return f"sitemap-{number}.xml"


def static_url(name: str) -> str:
    return STATIC + name


def root_prefix(url: str) -> str:
    """The relative path from the page at `url` back to the site root: "" at the root, "../" one level down."""
    return "../" * url.count("/")


class Links:
    """Relative hrefs as seen from one page; templates get one as `url` and never join paths themselves.

    `root` overrides the prefix for a page that is shown at other addresses than its own: a server
    answers a missing /2024/x.html with 404.html, where relative hrefs would resolve below /2024/."""

    def __init__(self, page_url: str, root: str | None = None):
        self.page = page_url
        self.root = root_prefix(page_url) if root is None else root

    def to(self, url: str) -> str:
        return self.root + url

    def home(self) -> str:
        # Never "./": opened from disk, a folder address shows a file listing, not the home page.
        return self.to(HOME)

    def document(self, doc: Document) -> str:
        return self.to(document_url(doc))

    def document_data(self, doc: Document) -> str:
        return self.to(document_data_url(doc))

    def collection(self, collection: Any, page: int = 1) -> str:
        """The index page of a model Collection (anything with .kind and .slug)."""
        return self.to(collection_url(collection.kind, collection.slug, page))

    def year(self, year: int | None) -> str:
        """The list of one year's documents."""
        return self.to(year_url(year_key(year)))

    def static(self, name: str) -> str:
        return self.to(static_url(name))

    def search(self) -> str:
        return self.to(SEARCH)

    def years(self) -> str:
        return self.to(YEARS)

    def departments(self) -> str:
        return self.to(DEPARTMENTS)

    def topics(self) -> str:
        return self.to(TOPICS)

    def types(self) -> str:
        return self.to(TYPES)

    def feed(self) -> str:
        return self.to(FEED)

    def catalog_json(self) -> str:
        return self.to(CATALOG_JSON)

    def catalog_csv(self) -> str:
        return self.to(CATALOG_CSV)

    def tasks_csv(self, doc: Document) -> str:
        return self.to(tasks_csv_url(doc))
