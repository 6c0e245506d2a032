"""The sample archive (content/) in Chromium as a visitor uses it: every link from file://, the 404
page at a nested address, the task table on a phone and a desktop, the font-size control, the
search page's chips, dates and help examples, and print."""

from __future__ import annotations

import threading
from urllib.parse import quote

import pytest

from archive.site.serve import SiteHandler, make_server
from conftest import REPO, site_config

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NOTICE = "2020/2020-02-26-key-work-goals.html"
REPORT = "2024/2024-01-16-government-work-report.html"


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    from archive.pipeline import build
    tmp = tmp_path_factory.mktemp("portal-browser")
    out = tmp / "site"
    report = build(site_config(tmp, **{"build.page_size": 50}), content_dir=REPO / "content", out_dir=out, progress=False)
    assert not report.errors
    return out


@pytest.fixture(scope="module")
def sample_server(sample_out):
    class Quiet(SiteHandler):
        def log_message(self, *args):
            pass
    import functools
    import http.server
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(sample_out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


# Every link of a page, resolved by the browser, and whether it names a folder or a missing file.
LINKS = """() => Array.from(document.querySelectorAll('a[href], link[href], script[src]'))
    .map(e => (e.href || e.src).split('#')[0].split('?')[0])"""


def test_every_link_of_every_page_opens_a_file_from_disk(chromium, sample_out):
    from pathlib import Path
    from urllib.parse import unquote, urlsplit
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    pages = sorted(p for p in sample_out.rglob("*.html") if p.name != "404.html")
    broken = []
    for path in pages:
        page.goto(path.as_uri())
        for link in set(page.evaluate(LINKS)):
            if not link.startswith("file://"):
                continue
            target = Path(unquote(urlsplit(link).path))
            if not target.is_file():
                broken.append(f"{path.relative_to(sample_out)}: {link} is {'a folder' if target.is_dir() else 'missing'}")
    context.close()
    assert len(pages) > 50 and not broken, "\n".join(broken)


def test_the_404_page_at_a_nested_address_is_styled_and_every_link_works(chromium, sample_server):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 and "no-such" not in r.url else None)
    response = page.goto(sample_server + "2024/no-such.html")
    page.wait_for_load_state("networkidle")
    assert response.status == 404 and page.locator("h1").inner_text() == "页面不存在"
    # The style sheet applied: the header's red band is there.
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).borderTopWidth") == "6px"
    links = set(page.evaluate(LINKS)) - {page.url}  # less the in-page anchors (#main)
    assert len(links) > 5
    for link in links:
        assert context.request.get(link).status == 200, link
    page.get_by_role("link", name="返回首页").click()
    assert page.url == sample_server + "index.html"
    context.close()
    assert failed == []


def test_on_a_phone_each_task_is_a_card_with_labelled_fields(chromium, sample_server):
    from archive.site.shown import TASK_COLUMNS
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(sample_server + NOTICE + "#task-10")
    card = page.locator("#task-10")
    box = card.bounding_box()
    assert box["width"] <= PHONE["width"] and box["x"] >= 0
    labels = card.evaluate("""row => Array.from(row.querySelectorAll('td')).filter(td => td.offsetParent)
        .map(td => getComputedStyle(td, '::before').content.replace(/"/g, ''))""")
    assert labels[0] == TASK_COLUMNS[1] and TASK_COLUMNS[7] in labels
    assert card.locator("th").evaluate("th => getComputedStyle(th, '::before').content") == '"第 "'
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_on_a_desktop_the_task_header_stays_in_view_and_the_filter_narrows_the_rows(chromium, sample_server):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(sample_server + NOTICE + "#task-30")
    header_top = page.evaluate("document.querySelector('.task-table thead th').getBoundingClientRect().top")
    assert 0 <= header_top <= 1
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('.task-table tr[data-lead]'))
        .map(r => [r.id, r.dataset.lead.split('|'), r.dataset.support.split('|')])""")
    name = page.locator("#task-department option").nth(1).inner_text()
    page.select_option("#task-department", label=name)
    page.select_option("#task-role", value="lead")
    shown = page.evaluate("Array.from(document.querySelectorAll('.task-table tr[data-lead]:not([hidden])')).map(r => r.id)")
    assert shown == [row_id for row_id, lead, _ in rows if name in lead] and shown
    assert page.locator("#task-count").inner_text() == f"显示 {len(shown)} 项"
    page.select_option("#task-role", value="")
    both = page.evaluate("document.querySelectorAll('.task-table tr[data-lead]:not([hidden])').length")
    assert both == sum(1 for _, lead, support in rows if name in lead or name in support) > len(shown)
    context.close()


def test_the_font_size_chosen_on_one_page_holds_on_the_next(chromium, sample_server):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(sample_server + REPORT)
    before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.doc-body')).fontSize)")
    page.get_by_role("button", name="大").click()
    assert page.get_by_role("button", name="大").get_attribute("aria-pressed") == "true"
    larger = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.doc-body')).fontSize)")
    assert larger > before
    page.goto(sample_server + NOTICE)
    assert page.evaluate("document.documentElement.classList.contains('font-large')")
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.doc-body')).fontSize)") == larger
    context.close()


def test_dark_mode_follows_the_system_setting(chromium, sample_server):
    context = chromium.new_context(viewport=DESKTOP, color_scheme="dark")
    page = context.new_page()
    page.goto(sample_server + REPORT)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    context.close()
    assert background == "rgb(28, 27, 26)"


def test_every_help_example_finds_documents_in_the_sample(chromium, sample_server):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(sample_server + "search.html")
    examples = page.evaluate("Array.from(document.querySelectorAll('.search-example')).map(a => [a.textContent, a.href])")
    assert len(examples) >= 4
    for text, href in examples:
        page.goto(href)
        page.wait_for_selector(".search-result", timeout=15000)
        assert page.input_value("#search-q") == text, text
        assert page.locator(".search-result").count() > 0, text
        if text.startswith("标题:"):
            # The Chinese prefix restricts to titles: every result's title holds the term.
            titles = page.locator(".search-result-title").all_inner_texts()
            assert titles and all(text[3:] in title for title in titles), titles
    context.close()


def test_on_a_phone_active_filters_are_chips_above_the_results_that_remove_them(chromium, sample_server):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(sample_server + "search.html?q=" + quote("发展") + "&type=" + quote("纪要") + "&from=2024-04-01")
    page.wait_for_selector(".search-result")
    chips = page.locator(".search-chip")
    assert chips.evaluate_all("els => els.map(e => e.textContent)") == ["文种：纪要×", "起始日期：2024年4月1日×"]
    assert chips.first.bounding_box()["y"] < page.locator(".search-result").first.bounding_box()["y"]
    assert page.input_value("#search-from") == "2024-04-01"
    # Dates are written as the rest of the site writes them.
    assert page.locator(".search-result-meta").first.inner_text().startswith("2024年4月24日")
    chips.first.click()
    page.wait_for_selector(".search-result")
    assert "type=" not in page.url and "from=2024-04-01" in page.url
    assert page.locator(".search-chip").count() == 1
    context.close()


def test_facets_list_the_most_frequent_values_first_and_fold_the_rest(chromium, sample_server):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(sample_server + "search.html?q=" + quote("发展"))
    page.wait_for_selector(".search-facet")
    section = page.locator(".search-facet", has=page.locator("h2", has_text="部门"))
    texts = section.locator("ul > li").evaluate_all("els => els.map(e => e.textContent)")
    counts = [int(text.split()[-1]) for text in texts]
    assert counts == sorted(counts, reverse=True) and len(counts) > 8
    assert section.locator(":scope > ul > li").count() == 8
    assert section.locator("details summary").inner_text().startswith("其余 ")
    context.close()


def test_print_puts_the_task_table_on_landscape_pages_and_prints_the_address(chromium, sample_server):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(sample_server + NOTICE)
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.tasks')).page") == "wide"
    assert page.locator(".print-address").is_visible()
    assert not page.locator(".task-filter").is_visible() and not page.locator(".site-nav").is_visible()
    # What beforeprint does: every folded list opens, and the address is filled in.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("Array.from(document.querySelectorAll('details')).every(d => d.open)")
    assert page.locator(".print-address span").inner_text() == sample_server + NOTICE
    context.close()
