"""The public site as a 政府信息公开 portal, on the sample archive (content/) as a visitor meets it:
no raw markup anywhere, links that work from disk, the document page's parts, the task table, the
per-year chart, the departments index and the footer. Browser checks are in test_portal_browser.py."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import pytest

from archive.departments import DepartmentTable
from archive.ingest.normalize import normalize_text
from archive.ingest.readers import read_source
from archive.site import model, render
from archive.topics import TopicRules
from conftest import REPO, site_config

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SAMPLE = REPO / "content"
# What must never reach a visitor: Markdown that was not rendered, and Python values printed as text.
RAW = [("**", "unrendered bold"), ("__", "unrendered emphasis"), ("['", "a Python list"), ("{'", "a Python dict"),
       ("None", "a Python None"), ("](", "an unrendered link"), ("`", "an unrendered code mark")]
RAW_LINE = re.compile(r"^\s*(#{1,6}\s|[-*+]\s|>\s|\|.*\|\s*$)")  # a heading, list, quote or table row as text


class _Text(html.parser.HTMLParser):
    """The text nodes a reader sees (script and style left out), one string per node."""

    def __init__(self):
        super().__init__()
        self.runs: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.runs.append(data)


def visible_text(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return parser.runs


class _Sample(tuple):
    """(site, {url: text}); shown briefly in failure reports, where a Site's repr walks every document."""

    def __repr__(self) -> str:
        return f"<the sample archive: {len(self[1])} pages>"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample archive assembled and every page rendered: (site, {url: text})."""
    config = site_config(tmp_path_factory.mktemp("portal"))
    documents, problems = model.load_content(SAMPLE)
    assert problems == [] and len(documents) >= 5
    site = model.assemble(documents, config, DepartmentTable.load(REPO / "data/departments.yaml"),
                          TopicRules.load(REPO / "data/topics.yaml"))
    return _Sample((site, {page.url: page.text for page in render.Renderer(config).pages(site)}))


def test_no_page_shows_raw_markdown_or_python_values(sample):
    _, pages = sample
    found = []
    for url, text in pages.items():
        if not url.endswith(".html"):
            continue
        for run in visible_text(text):
            found += [f"{url}: {what}: {run.strip()[:60]!r}" for mark, what in RAW if mark in run]
            found += [f"{url}: a Markdown line: {line[:60]!r}" for line in run.splitlines() if RAW_LINE.match(line)]
    assert not found, "\n".join(found)


def test_the_check_would_have_caught_the_defects_it_is_for():
    # The two defects the issue measured, as they were printed.
    runs = visible_text("<p>**着力提升招商服务能级。**主动</p><p>补充说明：['华阳路街道', '长宁区临空公司']</p>")
    assert [mark for run in runs for mark, _ in RAW if mark in run] == ["**", "['"]


def test_every_run_in_bold_head_of_the_samples_renders_bold(sample):
    site, pages = sample
    md = render.markdown()
    heads = 0
    for entry in site.entries:
        expected = re.findall(r"\*\*([^*\n]+)\*\*", entry.doc.body)
        strong = re.findall(r"<strong>([^<]*)</strong>", md.render(entry.doc.body))
        assert strong == expected, entry.id
        heads += len(expected)
    # The 2024 work report alone has 45 run-in heads, 44 of which were shown with literal ** before.
    assert heads >= 45
    assert "**" not in pages[site.by_id["2024-01-16-government-work-report"].url]


@pytest.mark.skipif(not (SHARED / "corpora" / "policy-dev").is_dir(), reason="../shared/corpora/policy-dev is not present")
def test_run_in_heads_of_the_shared_policy_corpus_render_bold():
    md = render.markdown()
    heads = 0
    for path in sorted((SHARED / "corpora" / "policy-dev").glob("*.txt")):
        markdown = normalize_text(read_source(path).text)
        if "**" in markdown:
            heads += markdown.count("**") // 2
            assert "**" not in md.render(markdown), path.name
    assert heads > 0, "the corpus no longer has run-in heads to check"


def test_the_parts_of_an_official_document_are_set_apart(sample):
    site, pages = sample
    page = pages[site.by_id["2020-02-26-key-work-goals"].url]
    assert '<p class="addressee">区政府各委、办、局，各街道办事处，新泾镇政府:</p>' in page
    assert '<p class="attachment-note">附件：' in page
    assert '<p class="signature">上海市长宁区人民政府</p>\n<p class="sign-date">2020年2月26日</p>' in page


def test_a_long_document_has_a_table_of_contents_to_every_section_and_a_way_back_up(sample):
    site, pages = sample
    page = pages[site.by_id["2024-01-16-government-work-report"].url]
    toc = page[page.index('class="doc-toc"'):page.index("</nav>", page.index('class="doc-toc"'))]
    targets = re.findall(r'href="#(s-\d+)"', toc)
    assert len(targets) >= render.TOC_MIN_HEADINGS
    assert all(f'id="{anchor}"' in page for anchor in targets)
    assert '<a href="#main">返回顶部</a>' in page
    # A short document has neither.
    short = pages[site.by_id["2024-04-24-executive-meeting-73"].url]
    assert "doc-toc" not in short and "返回顶部" not in short


def test_department_pages_link_each_task_to_its_row(sample):
    site, pages = sample
    notice = site.by_id["2020-02-26-key-work-goals"]
    page = pages[notice.url]
    dept = next(c for c in site.departments if c.slug == "fagaiwei")
    dept_page = pages[dept.url()]
    links = re.findall(r'href="\.\./2020/2020-02-26-key-work-goals\.html#(task-\d+)">第 (\d+) 项</a>', dept_page)
    # (Counts, never model objects, in asserts: an Entry's repr walks the whole site.)
    listed, tasks = len(links), len(dept.tasks)
    assert listed == min(tasks, site.config.get("build.page_size")) and listed > 0
    for anchor, number in links:
        assert anchor == f"task-{number}" and f'<tr id="{anchor}"' in page
    # The list is not numbered 1, 2, 3 … beside the tasks' own numbers.
    section = dept_page[dept_page.index('class="dept-tasks"'):]
    assert '<ul class="item-list">' in section and '<ol class="item-list">' not in section


def test_the_task_table_is_open_data_as_csv(sample):
    site, pages = sample
    notice = site.by_id["2020-02-26-key-work-goals"]
    csv_url = "data/tasks/2020-02-26-key-work-goals.csv"
    assert f'href="../{csv_url}"' in pages[notice.url]
    import csv
    import io
    rows = list(csv.reader(io.StringIO(pages[csv_url].lstrip("\ufeff"))))
    assert rows[0] == list(render.TASK_CSV_COLUMNS)
    count = len(notice.tasks)
    assert len(rows) - 1 == count == 55
    first = notice.meta["tasks"][0]
    assert rows[1][:4] == [str(first["number"]), first["area"], first["project"], first["task"]]
    assert rows[1][8] == "；".join(first["lead"])


def test_topics_are_separate_links_even_when_a_label_contains_the_list_comma(sample):
    site, pages = sample
    minutes = site.by_id["2024-04-24-executive-meeting-73"]
    page = pages[minutes.url]
    labels = [t.label for t in minutes.topics]
    assert any("、" in label for label in labels)
    for label in labels:
        assert re.search(rf'<li><a href="[^"]+">{re.escape(label)}</a></li>', page), label


def test_the_departments_index_is_grouped_under_chinese_headings_in_order(sample):
    site, pages = sample
    page = pages["departments/index.html"]
    headings = re.findall(r"<h2 id=\"group-\d+\">([^（<]+)（\d+）</h2>", page)
    assert headings == [group for group, _ in site.department_groups()]
    assert headings[:3] == list(model.DEPARTMENT_GROUPS[:3])
    assert all(re.search(r"[a-zA-Z]", heading) is None for heading in headings)
    grouped = {c.label: group for group, members in site.department_groups() for c in members}
    assert grouped["上海市长宁区财政局"] == "区政府工作部门" and grouped["华阳路街道"] == "街道和镇"
    assert grouped["上海市长宁区人民政府"] == model.DEPARTMENT_GROUPS[0]
    assert grouped["上海市发展和改革委员会"] == "市级机关"


def test_documents_per_year_chart_is_a_table_with_a_bar_per_year_linking_to_its_list(sample):
    site, pages = sample
    for url, counts in [("index.html", site.per_year()),
                        (next(c for c in site.departments if c.slug == "quzhengfu").url(), None)]:
        page = pages[url]
        chart = page[page.index('class="year-chart"'):page.index("</section>", page.index('class="year-chart"'))]
        rows = re.findall(r'<th scope="row">(?:<a href="([^"]+)">)?(\d{4})年', chart)
        shown = re.findall(r'<span class="count">(\d+) 件</span>', chart)
        if counts is not None:
            assert [(int(year), int(n)) for (_, year), n in zip(rows, shown)] == counts[::-1]
        assert len(rows) >= 2 and rows[0][0]  # newest year first, with its list linked
        for href, year in rows:
            assert (href != "") == (chart.count(f'>{year}年</a>') == 1)
            if href:
                assert href.endswith(f"years/{year}.html") and f'<a class="bar" href="{href}"' in chart
        assert chart.count("<svg") == sum(1 for href, _ in rows if href)


def test_the_footer_shows_each_configured_line_and_leaves_out_the_rest(tmp_path):
    values = {"footer.organizer": "上海市长宁区人民政府办公室", "footer.icp": "沪ICP备12345678号"}
    config = site_config(tmp_path, **values)
    documents, _ = model.load_content(SAMPLE)
    site = model.assemble(documents, config, DepartmentTable.load(REPO / "data/departments.yaml"),
                          TopicRules.load(REPO / "data/topics.yaml"))
    home = next(page.text for page in render.Renderer(config).summary_pages(site) if page.url == "index.html")
    footer = home[home.index('<footer class="site-footer">'):]
    assert "<span>主办单位：上海市长宁区人民政府办公室</span>" in footer and "<span>沪ICP备12345678号</span>" in footer
    assert "联系方式" not in footer and "网站标识码" not in footer


def test_pages_link_home_to_index_html_and_the_404_page_links_from_the_root(sample):
    _, pages = sample
    for url in ("index.html", "search.html", "years/2024.html"):
        assert 'href="./"' not in pages[url] and ('href="index.html"' in pages[url] or 'href="../index.html"' in pages[url])
    not_found = pages["404.html"]
    assert 'href="/static/style.css"' in not_found and 'href="/index.html"' in not_found
    assert re.search(r'(?:href|src)="(?!/|#|https?:)', not_found) is None
