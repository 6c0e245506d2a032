"""render: Markdown bodies, Jinja2 pages, and what every page carries."""

import re

import pytest

from archive.departments import DepartmentTable
from archive.site import model, render
from archive.topics import TopicRules
from conftest import REPO, SITE_FIXTURE, site_config


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    config = site_config(tmp_path_factory.mktemp("render"))
    documents, _ = model.load_content(SITE_FIXTURE / "content")
    site = model.assemble(documents, config, DepartmentTable.load(REPO / "data/departments.yaml"),
                          TopicRules.load(REPO / "data/topics.yaml"))
    return {page.url: page.text for page in render.Renderer(config).pages(site)}


def test_markdown_drops_script_and_data_links_and_keeps_raw_html_as_text():
    html = render.markdown().render("[a](javascript:alert(1)) [b](DATA:text/html,x) [c](vbscript:x) "
                                    "[d](https://example.org/) <b onclick=x>b</b>")
    assert "javascript:" not in html.split("[a]")[0] and 'href="javascript' not in html
    assert 'href="DATA' not in html and 'href="vbscript' not in html
    assert 'href="https://example.org/"' in html
    assert "<b onclick" not in html and "&lt;b onclick=x&gt;" in html


def test_body_headings_start_below_the_page_title():
    html = render.markdown().render("# 一、回顾\n\n## （一）经济")
    assert '<h2 id="s-1">一、回顾</h2>' in html and '<h3 id="s-2">（一）经济</h3>' in html and "<h1>" not in html


def test_dates_read_the_way_documents_print_them():
    assert render.chinese_date("2024-03-07") == "2024年3月7日"
    assert render.chinese_date(None) == ""


def test_the_pager_shows_a_bounded_window_of_page_numbers():
    assert render.page_window(1, 1) == [1]
    assert render.page_window(1, 3) == [1, 2, 3]
    assert render.page_window(50, 2000) == [1, None, 48, 49, 50, 51, 52, None, 2000]


def test_every_html_page_has_one_h1_the_csp_and_chinese_language(pages):
    html_pages = {url: text for url, text in pages.items() if url.endswith(".html")}
    assert len(html_pages) > 40
    for url, text in html_pages.items():
        assert '<html lang="zh-CN">' in text, url
        assert text.count("<h1") == 1, url
        assert f'content="{render.CONTENT_SECURITY_POLICY}"' in text, url
        assert "<script>" not in text and " style=" not in text and re.search(r" on[a-z]+=", text) is None, url
        assert 'href="#main"' in text and 'id="main"' in text, url


def test_links_from_a_document_page_go_up_one_level(pages):
    text = pages["2024/cn-2024-minutes-73.html"]
    assert 'href="../departments/lvhua-shirongju.html"' in text
    assert 'href="../static/style.css"' in text
    assert '<script src="../search/highlight.js" defer></script>' in text
    assert 'href="/' not in text


def test_a_document_page_shows_the_disclosure_metadata_block(pages):
    text = pages["2020/cn-2020-key-work-goals.html"]
    for label in ("发文机关", "发文字号", "成文日期", "文　　种", "主题分类", "涉及部门"):
        assert f"<dt>{label}</dt>" in text
    assert "长府〔2020〕8号" in text and "2020年2月26日" in text
    assert 'href="../types/notice.html"' in text and 'href="../years/2020.html"' in text


def test_the_task_table_is_a_real_table_with_headers_and_department_links(pages):
    text = pages["2020/cn-2020-key-work-goals.html"]
    table = text[text.index('<table class="task-table">'):text.index("</table>")]
    assert table.count("<th scope=\"col\">") == 9
    assert table.count("<tr") == 5 and table.count("task-area") == 1
    # Each task row is an anchor that department pages link to.
    assert [f'<tr id="task-{n}"' in table for n in (1, 2, 3)] == [True] * 3
    # Short names in the cells keep the table narrow; the full name is the link's title.
    assert '<a href="../departments/caizhengju.html" title="上海市长宁区财政局">财政局</a>' in table
    assert "各街道（镇）" in table and 'href="../departments/ge-jiezhen' not in table


def test_minutes_list_agenda_items_linking_the_reporting_department(pages):
    text = pages["2024/cn-2024-minutes-73.html"]
    agenda = text[text.index('id="agenda-heading"'):]
    assert agenda.count('class="agenda-subject"') == 4
    assert '汇报部门：<a href="../departments/waishiban.html" title="' in agenda


def test_a_document_lists_what_it_cites_and_what_cites_it(pages):
    assert "本文引用" in pages["2024/cn-2024-follow-up-notice.html"]
    cited = pages["2024/cn-2024-minutes-73.html"]
    assert "被以下文件引用" in cited and 'href="../2024/cn-2024-follow-up-notice.html"' in cited


def test_hostile_markdown_in_a_body_renders_harmless(pages):
    text = pages["undated/cn-undated-opinion.html"]
    assert 'href="javascript' not in text and 'href="data:' not in text
    assert "&lt;script&gt;" in text


def test_indexes_are_paginated_and_link_their_pages(pages):
    assert "years/2024-page-2.html" in pages
    first = pages["years/2024.html"]
    assert first.count('class="doc-title"') == 3
    assert 'href="../years/2024-page-2.html"' in first
    assert pages["years/2024-page-2.html"].count('class="doc-title"') == 1


def test_the_home_page_has_a_search_form_and_browsing_by_every_facet(pages):
    home = pages["index.html"]
    assert re.search(r'<form[^>]*action="search.html" method="get"', home)
    assert 'name="q"' in home
    for href in ('href="years/2024.html"', 'href="types/minutes.html"', 'href="topics/zonghe-zhengwu.html"',
                 'href="departments/qufuban.html"', 'href="departments/index.html"'):
        assert href in home


def test_the_feed_and_sitemap_are_well_formed_xml(pages):
    import xml.etree.ElementTree as ET
    feed = ET.fromstring(pages["feed.xml"])
    atom = "{http://www.w3.org/2005/Atom}"
    assert len(feed.findall(f"{atom}entry")) == 8
    assert feed.find(f"{atom}updated").text == "2024-05-20T00:00:00Z"
    sitemap_ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    index = ET.fromstring(pages["sitemap.xml"])
    assert index.tag == f"{sitemap_ns}sitemapindex"
    assert [loc.text for loc in index.iter(f"{sitemap_ns}loc")] == ["sitemap-1.xml"]
    part = ET.fromstring(pages["sitemap-1.xml"])
    locs = [loc.text for loc in part.iter(f"{sitemap_ns}loc")]
    assert "2024/cn-2024-minutes-73.html" in locs and len(locs) == len(set(locs))
    assert set(locs) == {url for url in pages if url.endswith(".html") and url not in ("search.html", "404.html")}


def test_the_sitemap_is_split_into_files_of_at_most_the_protocol_limit(tmp_path, monkeypatch):
    import xml.etree.ElementTree as ET
    monkeypatch.setattr(render, "SITEMAP_URLS", 7)
    config = site_config(tmp_path)
    documents, _ = model.load_content(SITE_FIXTURE / "content")
    site = model.assemble(documents, config, DepartmentTable.load(REPO / "data/departments.yaml"),
                          TopicRules.load(REPO / "data/topics.yaml"))
    pages = {page.url: page.text for page in render.Renderer(config).summary_pages(site)}
    sitemap_ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    parts = [loc.text for loc in ET.fromstring(pages["sitemap.xml"]).iter(f"{sitemap_ns}loc")]
    assert len(parts) > 2 and parts[0] == "sitemap-1.xml"
    counts = [len(ET.fromstring(pages[part]).findall(f"{sitemap_ns}url")) for part in parts]
    assert max(counts) == 7 and min(counts) >= 1


def test_a_much_cited_document_lists_only_the_latest_citing_documents(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "CITED_BY_SHOWN", 1)
    config = site_config(tmp_path)
    documents, _ = model.load_content(SITE_FIXTURE / "content")
    site = model.assemble(documents, config, DepartmentTable.load(REPO / "data/departments.yaml"),
                          TopicRules.load(REPO / "data/topics.yaml"))
    from archive.document import Document
    cited = site.by_id["cn-2024-minutes-73"]
    extra = [Document({"id": f"cite-{n}", "title": f"第{n}个引用文件的标题", "date": f"2024-06-0{n}"},
                      f"根据{cited.meta['doc_number']}办理。") for n in (1, 2, 3)]
    site = model.assemble(documents + extra, config, DepartmentTable.load(REPO / "data/departments.yaml"),
                          TopicRules.load(REPO / "data/topics.yaml"))
    renderer = render.Renderer(config)
    planned = next(p for p in renderer.plan(site) if p.url == "2024/cn-2024-minutes-73.html")
    text = renderer.render(site, planned).text
    cited_section = text[text.index('id="cited-heading"'):text.index("</section>", text.index('id="cited-heading"'))]
    assert "共 4 件，列出最近 1 件" in cited_section
    assert cited_section.count('class="doc-title"') == 1 and "cite-3.html" in cited_section


def test_a_citation_in_the_body_links_to_the_cited_document(pages):
    text = pages["2024/cn-2024-follow-up-notice.html"]
    assert '<a href="../2024/cn-2024-minutes-73.html" class="citation">长府会议纪要〔2024〕13号</a>' in text
    assert ('<a href="../2020/cn-2020-key-work-goals.html" class="citation">'
            '《上海市长宁区人民政府关于印发区政府2020年重点工作目标的通知》</a>') in text


def test_pages_that_summarise_the_archive_do_not_grow_with_it(tmp_path):
    from archive.document import Document
    tables = DepartmentTable.load(REPO / "data/departments.yaml"), TopicRules.load(REPO / "data/topics.yaml")
    names = [d.name for d in tables[0] if not d.collective][:20]
    labels = [t.label for t in tables[1].topics]
    config = site_config(tmp_path)
    sizes = []
    for count in (200, 2000):
        documents = [Document({"id": f"d{i}", "title": f"关于第{i}项工作的通知", "doc_type": "通知",
                               "date": f"{2001 + i % 20}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                               "departments": [names[i % 20]], "topics": [labels[i % len(labels)]]},
                              "根据会议要求，现通知如下。") for i in range(count)]
        site = model.assemble(documents, config, *tables)
        pages = {page.url: page.text for page in render.Renderer(config).summary_pages(site)}
        sizes.append({url: len(text) for url, text in pages.items() if not url.startswith("sitemap-")})
    for url in sizes[0]:
        # Counts gain a digit; nothing else may grow.
        assert sizes[1][url] - sizes[0][url] < 400, url
