"""The search page and window.ArchiveSearch in headless Chromium, over http and from file://."""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "search"))
from support import ROOT, Oracle, build  # noqa: E402

from archive.search.tokenizer import fold  # noqa: E402
from archive.site.render import environment  # noqa: E402
from archive.site.urls import Links  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(tempfile.gettempdir()) / "archive-search-screenshots"
DOCUMENT_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>文件</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'">
</head><body><main><h1>会议纪要</h1><p>会议听取区国资委关于长宁国资布局<b>优化</b>调整方案情 况的汇报。</p>
<p>营商 环境</p></main><script src="../search/highlight.js" defer></script></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    site, site_dir, _ = build(tmp_path_factory.mktemp("browser"))
    page = environment(ROOT / "templates").get_template("search.html").render(
        url=Links("search.html"), config=site.config, page_url="search.html", root="")
    (site_dir / "search.html").write_text(page, encoding="utf-8")
    shutil.copytree(ROOT / "static", site_dir / "static")
    (site_dir / "2024").mkdir(exist_ok=True)
    (site_dir / "2024" / "hl-test.html").write_text(DOCUMENT_PAGE, encoding="utf-8")
    return site, site_dir


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site[1]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(chromium):
    # One Playwright per test session (tests/conftest.py): a second sync instance in the same
    # process refuses to start.
    context = chromium.new_context()
    yield context
    context.close()


def open_page(browser, url):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Browsers ask for /favicon.ico on their own; any other failed load is an error.
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(url)
    return page, errors


def test_the_search_page_shows_highlighted_results_over_http(browser, server):
    page, errors = open_page(browser, server + "search.html?q=" + quote("资布局优化"))
    page.wait_for_selector(".search-result")
    assert "找到 1 篇" in page.text_content("#search-status")
    assert page.text_content(".search-result-snippet mark") == "资布局优化"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1200, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "search-http.png"), full_page=True)
    assert errors == []
    page.close()


def department_lines(browser, server, site, query):
    """(the document's departments, its result's department line) for each result of a query."""
    page, errors = open_page(browser, server + "search.html?q=" + quote(query))
    page.wait_for_selector(".search-result")
    by_title = {entry.doc.title: entry.doc.meta.get("departments") or [] for entry in site[0].entries}
    lines = [(by_title[result.query_selector("a").text_content().strip()], result.query_selector(".search-result-departments"))
             for result in page.query_selector_all(".search-result")]
    return page, errors, lines


def test_a_result_naming_many_departments_lists_three_and_the_count(browser, server, site):
    page, errors, lines = department_lines(browser, server, site, "营商环境")
    checked = 0
    for names, line in lines:
        if len(names) > 3:
            assert line.text_content() == "、".join(names[:3]) + f" 等 {len(names)} 个部门"
            checked += 1
    assert checked and errors == []
    page.close()


def test_a_department_the_query_found_comes_first_under_a_result_and_is_marked(browser, server, site):
    # 財政 folds to 财政: results found by a department's name (上海市长宁区财政局 among dozens) show it.
    page, errors, lines = department_lines(browser, server, site, "財政")
    checked = 0
    for names, line in lines:
        found = [name for name in names if "财政" in fold(name)]
        if not found:
            continue
        assert [mark.text_content() for mark in line.query_selector_all("mark")] == found[:3]
        listed = found + [name for name in names if name not in found]
        assert line.text_content() == "、".join(listed[:3]) + (f" 等 {len(names)} 个部门" if len(names) > 3 else "")
        checked += 1
    assert checked and errors == []
    page.close()


def test_the_search_page_works_from_file_urls(browser, site):
    url = (site[1] / "search.html").as_uri() + "?q=" + quote("营商环境") + "&sort=date"
    page, errors = open_page(browser, url)
    page.wait_for_selector(".search-result")
    assert "找到" in page.text_content("#search-status")
    page.screenshot(path=str(SCREENSHOTS / "search-file.png"), full_page=True)
    assert errors == []
    page.close()


def test_the_javascript_api_returns_what_the_substring_scan_finds(browser, server, site):
    oracle = Oracle(site[0])
    page, _ = open_page(browser, server + "search.html")
    page.evaluate("ArchiveSearch.ready")
    for query in ["资布局优化", "2286.2", "长府[2020]8号", "2024 招商", "營商環境", "发改委", "的", '"营商环境" -招商']:
        result = page.evaluate("q => ArchiveSearch.search(q, {limit: null, facets: true})", query)
        assert {r["id"] for r in result["results"]} == oracle.ids(query), query
        assert result["total"] == len(oracle.ids(query))
        assert set(result["facets"]) == {"year", "department", "topic", "type"}
    page.close()


def test_filters_and_date_sort_keep_every_match(browser, server):
    page, _ = open_page(browser, server + "search.html")
    page.evaluate("ArchiveSearch.ready")
    everything = page.evaluate("ArchiveSearch.search('发展', {limit: null, facets: true})")
    by_date = page.evaluate("ArchiveSearch.search('发展', {limit: null, sort: 'date'})")
    assert sorted(r["id"] for r in everything["results"]) == sorted(r["id"] for r in by_date["results"])
    dates = [r["date"] or "" for r in by_date["results"] if r["date"]]
    assert dates == sorted(dates, reverse=True)
    for year, count in everything["facets"]["year"].items():
        filtered = page.evaluate("y => ArchiveSearch.search('发展', {limit: null, year: y})", year)
        assert filtered["total"] == count
        assert all((r["date"] or "undated").startswith(year) or year == "undated" for r in filtered["results"])
    page.close()


def test_a_first_query_transfers_little(browser, server):
    page = browser.new_page()
    sizes = []
    page.on("response", lambda response: sizes.append(len(response.body())) if "/search/" in response.url else None)
    page.goto(server + "search.html?q=" + quote("营商环境"))
    page.wait_for_selector(".search-result")
    page.wait_for_load_state("networkidle")
    # 146 KB with bucket entries cut to what tells them apart; 155 KB keeping 6 characters of each
    # (Limits.min_context), which spares larger archives a row and a text pack per segment.
    assert sum(sizes) < 160_000, (sum(sizes), sizes)
    page.close()


def test_a_thousand_character_query_answers(browser, server):
    page, errors = open_page(browser, server + "search.html")
    result = page.evaluate("ArchiveSearch.search('的'.repeat(400) + ' 营商环境 '.repeat(60) + 'x'.repeat(300))")
    assert result["total"] == 0 or result["results"]
    assert errors == []
    page.close()


def test_following_a_result_highlights_the_match_on_the_document_page(browser, server):
    page, errors = open_page(browser, server + "2024/hl-test.html?hl=" + quote("资布局优化 营商环境 -会议"))
    page.wait_for_selector("mark.search-hit")
    marks = page.eval_on_selector_all("mark.search-hit", "ms => ms.map(m => m.textContent)")
    assert "".join(marks[:2]) == "资布局优化"
    assert "营商 环境" in marks
    assert "会议" not in marks
    assert errors == []
    page.close()


def test_the_search_page_passes_axe(browser, server):
    axe = ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    page, _ = open_page(browser, server + "search.html?q=" + quote("营商环境"))
    page.wait_for_selector(".search-result")
    page.evaluate(axe.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []
    page.close()
