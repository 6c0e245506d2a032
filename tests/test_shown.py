"""Every string a document page shows finds that document: the sample archive is built, each
document page is read back as a visitor sees it (the text of its <article>, less the controls
marked data-ui), and every text run is searched for with the browser engine (under node, on the
built bundle), the staff index and, for the runs outside the body, headless Chromium over http and
from file://. The oracle is the rendered HTML, not archive.site.shown."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

import lxml.html
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "search"))
from support import NodeEngine  # noqa: E402

from archive.search.staff_search import search as staff_search  # noqa: E402
from archive.search.tokenizer import fold  # noqa: E402
from archive.site.cache import STAFF_INDEX, cache_dir  # noqa: E402
from conftest import REPO, site_config  # noqa: E402

CONTENT = REPO / "content"


def visible_runs(html: str) -> tuple[list[str], list[str]]:
    """(runs of the page's body text, runs of everything else in its <article>)."""
    tree = lxml.html.fromstring(html)
    (article,) = tree.xpath("//article[contains(@class, 'document')]")
    # Controls, and headings only screen readers get, are not what the page shows.
    for control in article.xpath(".//*[@data-ui] | .//*[contains(@class, 'visually-hidden')]"):
        control.drop_tree()
    body, other = [], []
    for node in article.iter():
        if not isinstance(node.tag, str):
            continue
        inside_body = bool(node.xpath("ancestor-or-self::*[contains(@class, 'doc-body')]"))
        for text in (node.text, node.tail if node is not article else None):
            # Runs of punctuation alone (the 、 between linked names) are nobody's query.
            if text and any(char.isalnum() for char in text):
                # A tail belongs to the parent's flow, but both sit in the same region here.
                (body if inside_body else other).append(" ".join(text.split()))
    return body, other


QUOTE_MARKS = '"“”＂'


def as_query(run: str) -> str:
    """The run as one exact term; a run holding quote marks cannot be typed as one, so its pieces
    between them are required terms instead."""
    if any(mark in run for mark in QUOTE_MARKS):
        return " ".join(f'"{piece}"' for piece in run.translate({ord(m): " " for m in QUOTE_MARKS}).split())
    return f'"{run}"'



@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    from archive.pipeline import build
    tmp = tmp_path_factory.mktemp("shown")
    out = tmp / "site"
    report = build(site_config(tmp), content_dir=CONTENT, out_dir=out, progress=False)
    assert not report.errors, report.errors
    pages = {}
    for path in sorted(CONTENT.glob("*.md")):
        doc_id = path.stem
        (page,) = out.rglob(f"{doc_id}.html")
        pages[doc_id] = visible_runs(page.read_text(encoding="utf-8"))
    return out, cache_dir(out) / STAFF_INDEX, pages


def test_every_page_shows_its_task_table_and_agenda_as_text_runs(sample_site):
    _, _, pages = sample_site
    other = {doc_id: runs for doc_id, (_, runs) in pages.items()}
    assert "东航飞机租赁" in "".join(other["2020-02-26-key-work-goals"])
    assert any(run.startswith("补充汇报：") for runs in other.values() for run in runs)
    assert not any("['" in run for runs in other.values() for run in runs)


def test_every_text_run_of_every_sample_page_finds_its_document(sample_site):
    out, staff_index, pages = sample_site
    engine = NodeEngine(out)
    missed = []
    try:
        for doc_id, (body, other) in pages.items():
            assert len(body) >= 5 and len(other) >= 10
            for run in dict.fromkeys(body + other):
                query = as_query(run)
                if doc_id not in engine.search(query, limit=None)["ids"]:
                    missed.append(("browser", doc_id, run))
                if doc_id not in {item["id"] for item in staff_search(staff_index, query, limit=None)["results"]}:
                    missed.append(("staff", doc_id, run))
    finally:
        engine.close()
    assert not missed, missed[:20]


@pytest.mark.parametrize("query", ["营商环境", "东航飞机租赁", "第一季度", "主责部门"])
def test_the_task_notice_is_found_by_what_only_its_table_shows(sample_site, query):
    out, staff_index, _ = sample_site
    engine = NodeEngine(out)
    try:
        assert "2020-02-26-key-work-goals" in engine.search(query, limit=None)["ids"]
    finally:
        engine.close()
    ids = {item["id"] for item in staff_search(staff_index, query, limit=None)["results"]}
    assert "2020-02-26-key-work-goals" in ids


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_runs_outside_the_body_find_their_document_in_chromium(sample_site, chromium, scheme):
    out, _, pages = sample_site
    if scheme == "http":
        handler = functools.partial(QuietHandler, directory=str(out))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/search.html"
    else:
        httpd, url = None, (out / "search.html").as_uri()
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("window.ArchiveSearch !== undefined")
        cases = [[doc_id, as_query(run)] for doc_id, (_, other) in pages.items() for run in dict.fromkeys(other)]
        missed = page.evaluate("""async (cases) => {
          const missed = [];
          for (const [id, query] of cases) {
            const result = await ArchiveSearch.search(query, {limit: null});
            if (!result.results.some((r) => r.id === id)) missed.push([id, query]);
          }
          return missed;
        }""", cases)
    finally:
        context.close()
        if httpd:
            httpd.shutdown()
    assert len(cases) > 300
    assert not missed, missed[:20]
