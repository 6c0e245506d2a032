"""HTML and XML pages from the Site: one Jinja2 environment, compiled once, and markdown-it-py for bodies.

`Renderer(config, templates_dir).pages(site)` yields `Page(url, text)` one at a time, so a build of
100,000 documents never holds more than one rendered page. Every template gets the same base context:
`site`, `config`, `page_url`, `root` (relative prefix to the site root) and `url` (an urls.Links for
the page); templates never build paths themselves.

The pages that come one per document or per collection page are `plan()`ned first: each gets a
fingerprint of exactly the data its template reads (the document, the titles, dates and links of the
documents it lists, counts), and `render(site, planned)` makes one page. A rebuild renders only pages
whose fingerprint changed. The few pages that summarise the whole site (home, overviews, feed,
sitemaps, 404, search) come from `summary_pages()` and are rendered every build; none of them grows
with the number of documents, except the sitemap files, which are split per the sitemap protocol.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import jinja2
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape
from mdit_py_cjk_friendly import cjk_friendly

from archive.site import shown, urls
from archive.site.model import Collection, Entry, Site
from archive.site.shown import chinese_date

# Shown on the home page; the full list is on departments/index.html.
HOME_DEPARTMENTS = 12
# A document page lists this many of the documents citing it (newest first) and counts the rest:
# a much-cited document would otherwise list a growing share of the archive.
CITED_BY_SHOWN = 20
# The sitemap protocol's limit of URLs per sitemap file; sitemap.xml is an index of such files.
SITEMAP_URLS = 50_000
# Default policy for every page; no inline script or style anywhere on the site.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'")
_UNSAFE_SCHEME = re.compile(r"^\s*(javascript|vbscript|data|file):", re.IGNORECASE)
# A body with at least this many section headings gets a table of contents and a back-to-top link.
TOC_MIN_HEADINGS = 4
# The parts of an official document (GB/T 9704) that are set apart from its paragraphs, recognised by
# their text: 主送机关 (a short line ending in a colon, before the text), the 附件 note, the 成文日期,
# and the 发文机关署名 standing right above it.
_ADDRESSEE = re.compile(r"^[^。；！？]{2,120}[：:]$")
_ATTACHMENT_NOTE = re.compile(r"^附件[：:]")
_SIGN_DATE = re.compile(r"^[0-9〇零一二三四五六七八九]{4}年[0-9一二三四五六七八九十]{1,3}月[0-9一二三四五六七八九十]{1,3}日$")
_SIGNATURE = re.compile(r"^[^。；，,：:！？]{2,40}$")
ADDRESSEE_SEARCH = 2  # the 主送机关 is one of the first paragraphs, or there is none


@dataclass(frozen=True)
class Page:
    url: str  # relative to the site root; also the output path
    text: str


@dataclass(frozen=True)
class Planned:
    """A page to render: its URL, the fingerprint of its data, and what it shows:
    ("document", index in site.entries) or ("collection", index in site.collections(), page number)."""

    url: str
    fingerprint: str
    job: tuple


def markdown() -> MarkdownIt:
    """Markdown for document bodies: raw HTML off, script-capable and data: links dropped, and headings
    moved one level down because the page title is the only <h1>. CommonMark's flanking rules do
    not close `**着力提升招商服务能级。**主动…` (punctuation, then an ideograph): the CJK-friendly
    amendment does, and joins soft line breaks between ideographs without a space."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table").use(cjk_friendly)
    md.validateLink = lambda url: not _UNSAFE_SCHEME.match(url)

    def shift_headings(state: Any) -> None:
        for token in state.tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(6, int(token.tag[1]) + 1)}"

    md.core.ruler.push("shift_headings", shift_headings)
    md.core.ruler.push("link_citations", _link_citations)
    md.core.ruler.push("document_parts", _document_parts)
    md.core.ruler.push("section_ids", _section_ids)
    return md


def _document_parts(state: Any) -> None:
    """Class the top-level paragraphs that an official document sets apart, so that they can be aligned
    as printed: 主送 flush left, 附件 note, signature and date to the right."""
    paragraphs = [(i, state.tokens[i + 1].content.strip()) for i, token in enumerate(state.tokens)
                  if token.type == "paragraph_open" and token.level == 0]
    for position, (index, text) in enumerate(paragraphs):
        kind = None
        if position < ADDRESSEE_SEARCH and _ADDRESSEE.match(text):
            kind = "addressee"
        elif _ATTACHMENT_NOTE.match(text):
            kind = "attachment-note"
        elif _SIGN_DATE.match(text):
            kind = "sign-date"
            # The 发文机关署名: one or two short lines (a joint document) right above the date.
            for before, previous in reversed(paragraphs[max(0, position - 2):position]):
                if not _SIGNATURE.match(previous) or state.tokens[before].attrGet("class"):
                    break
                state.tokens[before].attrSet("class", "signature")
        if kind:
            state.tokens[index].attrSet("class", kind)


def _section_ids(state: Any) -> None:
    """Give each body heading an id (s-1, s-2 …) and list them in env["toc"] as (level, id, text)."""
    toc = state.env.setdefault("toc", []) if isinstance(state.env, dict) else []
    for index, token in enumerate(state.tokens):
        if token.type == "heading_open":
            anchor = f"s-{len(toc) + 1}"
            token.attrSet("id", anchor)
            toc.append((int(token.tag[1]), anchor, state.tokens[index + 1].content))


def _link_citations(state: Any) -> None:
    """Turn each text the model recognised as a citation (a 《title》 or a 发文字号) into a link to the
    cited document. The hrefs come in through the render env: {"citations": {text: href}}."""
    citations = state.env.get("citations") if isinstance(state.env, dict) else None
    if not citations:
        return
    pattern = re.compile("|".join(re.escape(text) for text in sorted(citations, key=len, reverse=True)))
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children = []
        inside_link = False
        for token in block.children:
            inside_link = (inside_link or token.type == "link_open") and token.type != "link_close"
            if token.type != "text" or inside_link or not pattern.search(token.content):
                children.append(token)
                continue
            position = 0
            for match in pattern.finditer(token.content):
                children.append(_text(token.content[position:match.start()]))
                opening = Token("link_open", "a", 1)
                opening.attrs = {"href": citations[match.group(0)], "class": "citation"}
                children += [opening, _text(match.group(0)), Token("link_close", "a", -1)]
                position = match.end()
            children.append(_text(token.content[position:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def page_window(number: int, count: int) -> list[int | None]:
    """Page numbers a pager shows: first, last, and two either side of the current one; None marks a gap.
    The pager stays the same size however many pages a collection has."""
    shown = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    window: list[int | None] = []
    for n in shown:
        if window and n - window[-1] > 1:
            window.append(None)
        window.append(n)
    return window


# Departments and topics as links to their pages: Python rather than template macros, because a work
# report names dozens of bodies and a task table two per row, and a macro call costs tens of times more.

@jinja2.pass_context
def terms(context: Any, items: list[Any], short: bool = False) -> Markup:
    """Terms joined with 、, each a link to its page when it has one; with short, the display short
    name is shown and the full name goes in the title attribute."""
    links = context["url"]
    shown = []
    for item in items:
        label = item.short if short else item.label
        title = Markup(' title="%s"') % item.label if label != item.label else ""
        if item.collection is not None:
            shown.append(Markup('<a href="%s"%s>%s</a>') % (links.collection(item.collection), title, label))
        elif title:
            shown.append(Markup("<span%s>%s</span>") % (title, label))
        else:
            shown.append(escape(label))
    return Markup("、").join(shown)


@jinja2.pass_context
def term(context: Any, item: Any) -> Markup:
    return terms(context, [item])


@jinja2.pass_context
def short_terms(context: Any, items: list[Any]) -> Markup:
    return terms(context, items, short=True)


def environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cndate"] = chinese_date
    env.globals["page_window"] = page_window
    env.globals["term"] = term
    env.globals["terms"] = terms
    env.globals["short_terms"] = short_terms
    env.globals["CSP"] = Markup(CONTENT_SECURITY_POLICY)
    # What a document page shows is defined once, in archive.site.shown: its rows and labels.
    env.globals["shown"] = shown
    return env


class Renderer:
    def __init__(self, config: Any, templates_dir: Path | None = None):
        self.config = config
        self.env = environment(templates_dir or config.path("paths.templates"))
        self.md = markdown()
        self.page_size = config.get("build.page_size")
        self.feed_size = config.get("build.feed_size")
        base = config.get("site.base_url")
        self.base_url = base.rstrip("/") + "/" if base else ""

    def pages(self, site: Site) -> Iterator[Page]:
        """Every page of the site: the summary pages, then documents and collection indexes."""
        yield from self.summary_pages(site)
        collections = list(site.collections())
        for planned in self.plan(site):
            yield self.render(site, planned, collections)

    def plan(self, site: Site) -> list[Planned]:
        """The document pages and collection index pages, each with the fingerprint of its data."""
        # Each document as lists show it, worked out once: most documents appear on a dozen pages.
        brief = {id(entry): _brief(entry) for entry in site.entries}
        planned = [Planned(entry.url, _fingerprint(self._document_view(entry, brief)), ("document", index))
                   for index, entry in enumerate(site.entries)]
        planned += [Planned(urls.tasks_csv_url(entry.doc), _fingerprint(("tasks", entry.digest)), ("tasks", index))
                    for index, entry in enumerate(site.entries) if entry.tasks]
        for index, collection in enumerate(site.collections()):
            for number in range(1, collection.page_count(self.page_size) + 1):
                view = self._collection_view(collection, number, brief)
                planned.append(Planned(collection.url(number), _fingerprint(view), ("collection", index, number)))
        return planned

    def render(self, site: Site, planned: Planned, collections: list[Collection] | None = None) -> Page:
        """One planned page; pass list(site.collections()) when rendering many."""
        kind, index, *rest = planned.job
        if kind == "document":
            return self._document_page(site, site.entries[index])
        if kind == "tasks":
            return Page(planned.url, task_csv(site.entries[index]))
        collection = (collections if collections is not None else list(site.collections()))[index]
        return self._collection_page(site, collection, rest[0])

    def summary_pages(self, site: Site) -> Iterator[Page]:
        """Home, overviews, search, 404, feed and sitemaps: rendered every build (a few, all small)."""
        yield self._render("home.html", urls.HOME, site, latest=site.entries[:self.feed_size],
                           departments=sorted(site.departments, key=lambda c: -len(c.entries))[:HOME_DEPARTMENTS])
        for url, kind, collections in ((urls.YEARS, "year", site.years), (urls.DEPARTMENTS, "department", site.departments),
                                       (urls.TOPICS, "topic", site.topics), (urls.TYPES, "type", site.types)):
            yield self._render("overview.html", url, site, kind=kind, collections=collections)
        if self._has_template("search.html"):
            yield self._render("search.html", urls.SEARCH, site)
        # Served for any missing address, at any depth: its links start from the site's absolute root.
        yield self._render("404.html", urls.NOT_FOUND, site, links=urls.Links(urls.NOT_FOUND, urls.not_found_root(self.base_url)))
        yield self._render("feed.xml", urls.FEED, site, latest=site.entries[:self.feed_size],
                           feed_id=self._atom_id(urls.HOME), entry_id=lambda entry: self._atom_id(entry.url))
        page_urls = list(self._sitemap_urls(site))
        parts = [page_urls[start:start + SITEMAP_URLS] for start in range(0, len(page_urls), SITEMAP_URLS)]
        yield self._render("sitemap-index.xml", urls.SITEMAP, site,
                           sitemaps=[urls.sitemap_part_url(number) for number in range(1, len(parts) + 1)])
        for number, part in enumerate(parts, start=1):
            yield self._render("sitemap.xml", urls.sitemap_part_url(number), site, page_urls=part)

    def _document_page(self, site: Site, entry: Entry) -> Page:
        links = urls.Links(entry.url)
        citations = {text: links.document(target.doc) for text, target in entry.citation_texts.items()}
        env: dict[str, Any] = {"citations": citations}
        body = Markup(self.md.render(entry.doc.body, env))
        toc = env["toc"] if len(env["toc"]) >= TOC_MIN_HEADINGS else []
        return self._render("document.html", entry.url, site, entry=entry, cited_by_shown=CITED_BY_SHOWN,
                            body=body, toc=toc, task_departments=task_departments(entry))

    def _collection_page(self, site: Site, collection: Collection, number: int) -> Page:
        start = (number - 1) * self.page_size
        return self._render("collection.html", collection.url(number), site, collection=collection,
                            entries=collection.entries[start:start + self.page_size],
                            page_number=number, page_count=collection.page_count(self.page_size),
                            first_rank=start + 1)

    # A page's labels, term links and short names, its year and type follow from its own document
    # (entry.digest) and the data tables, and a change of table or code changes the recipe that every
    # fingerprint is compared under (cache.site_recipe): the views below hold only what other
    # documents contribute.

    @staticmethod
    def _document_view(entry: Entry, brief: dict[int, str]) -> tuple:
        """Everything document.html reads, as plain values (Renderer.plan's fingerprint)."""
        return ("document", entry.digest,
                sorted((text, target.url) for text, target in entry.citation_texts.items()),
                [brief[id(e)] for e in entry.cites], len(entry.cited_by),
                [brief[id(e)] for e in entry.cited_by[:CITED_BY_SHOWN]], [brief[id(e)] for e in entry.related],
                entry.previous and brief[id(entry.previous)], entry.next and brief[id(entry.next)])

    def _collection_view(self, collection: Collection, number: int, brief: dict[int, str]) -> tuple:
        """Everything collection.html reads for one page (Renderer.plan's fingerprint)."""
        start = (number - 1) * self.page_size
        view = ("collection", collection.kind, collection.slug, collection.label, collection.group,
                len(collection.entries), number, collection.page_count(self.page_size),
                [brief[id(e)] for e in collection.entries[start:start + self.page_size]])
        if number == 1:
            view += (collection.per_year(), len(collection.agenda), [(item.subject, brief[id(e)]) for e, item in collection.agenda[:self.page_size]],
                     len(collection.tasks), [(role, row.task, row.number, brief[id(e)])
                                             for e, row, role in collection.tasks[:self.page_size]])
        return view

    def _sitemap_urls(self, site: Site) -> Iterator[str]:
        yield urls.HOME
        yield from (entry.url for entry in site.entries)
        for collection in site.collections():
            yield from (collection.url(n) for n in range(1, collection.page_count(self.page_size) + 1))
        yield from (urls.YEARS, urls.DEPARTMENTS, urls.TOPICS, urls.TYPES)

    def _atom_id(self, url: str) -> str:
        """Atom ids must be absolute: the page's address when base_url is set, else a UUID derived from the
        URL (the same every build)."""
        if self.base_url:
            return self.base_url + url
        return uuid.uuid5(uuid.NAMESPACE_URL, "archive:" + url).urn

    def _has_template(self, name: str) -> bool:
        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            return False
        return True

    def _render(self, template: str, url: str, site: Site, links: urls.Links | None = None, **context: Any) -> Page:
        links = links or urls.Links(url)
        text = self.env.get_template(template).render(
            site=site, config=self.config, page_url=url, root=links.root, url=links,
            page_size=self.page_size, base_url=self.base_url, **context)
        return Page(url, text)


def task_departments(entry: Entry) -> list[str]:
    """The departments named in a document's task table, most tasks first, for its department filter."""
    counts: dict[str, int] = {}
    for row in entry.tasks:
        for term in {term.label: term for term in row.lead + row.support}.values():
            counts[term.label] = counts.get(term.label, 0) + 1
    return sorted(counts, key=lambda name: (-counts[name], name))


# Columns of the task table as open data: the page's (archive.site.shown), with each row's area (领域) spelled out.
TASK_CSV_COLUMNS = (shown.TASK_COLUMNS[0], "领域", *shown.TASK_COLUMNS[1:])


def task_csv(entry: Entry) -> str:
    """A document's key-work-goals table as CSV (one row per task; departments by full name, joined
    with ；), with a byte-order mark so that spreadsheet programs read the Chinese as UTF-8."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(TASK_CSV_COLUMNS)
    for row in entry.tasks:
        writer.writerow([row.number, row.area, row.project, row.task, *row.quarters,
                         "；".join(term.label for term in row.lead), "；".join(term.label for term in row.support)])
    return "\ufeff" + text.getvalue()


def _fingerprint(view: tuple) -> str:
    return hashlib.blake2b(repr(view).encode("utf-8"), digest_size=16).hexdigest()


def _brief(entry: Entry) -> str:
    """What a list of documents shows of each one, as a short hash: the views of 100,000 documents'
    collection pages were 200 MB of text to hash with each entry written out."""
    return _fingerprint((entry.url, entry.title, entry.date, entry.meta.get("doc_number"), entry.doc_type))
