"""read_source on well-formed sources of every supported format."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from docx import Document as WordDocument

from archive.ingest.readers import SUPPORTED_SUFFIXES, SourceError, SourceText, read_source

FIXTURES = Path(__file__).parent / "fixtures" / "readers"
SAMPLE = (FIXTURES / "sample.txt").read_bytes().decode("utf-8")


@pytest.mark.parametrize(("name", "encoding"), [
    ("sample.txt", "utf-8"),
    ("gb18030.txt", "gb18030"),
    ("utf16-le-bom.txt", "utf-16"),
    ("utf16-be-bom.txt", "utf-16"),
    ("utf8-bom.txt", "utf-8-sig"),
    ("crlf.txt", "utf-8"),
    ("cr.txt", "utf-8"),
])
def test_every_text_encoding_and_line_ending_reads_as_the_same_lf_text(name, encoding):
    source = read_source(FIXTURES / name)
    assert source == SourceText(text=SAMPLE, kind="text", front_matter=None, encoding=encoding)


def test_gb18030_file_is_decoded_without_mojibake():
    text = read_source(FIXTURES / "gb18030.txt").text
    assert "长府〔2020〕8号" in text
    assert "上海市长宁区人民政府关于印发" in text


def test_byte_order_mark_is_not_part_of_the_text():
    for name in ("utf8-bom.txt", "utf16-le-bom.txt", "utf16-be-bom.txt"):
        assert not read_source(FIXTURES / name).text.startswith("\ufeff")


def test_source_text_is_immutable():
    source = read_source(FIXTURES / "sample.txt")
    with pytest.raises(dataclasses.FrozenInstanceError):
        source.text = ""


def test_suffixes_are_matched_case_insensitively(tmp_path):
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"} == set(SUPPORTED_SUFFIXES)
    shutil.copy(FIXTURES / "sample.txt", tmp_path / "SAMPLE.TXT")
    shutil.copy(FIXTURES / "gov-page.html", tmp_path / "page.HTM")
    assert read_source(tmp_path / "SAMPLE.TXT").kind == "text"
    assert read_source(tmp_path / "page.HTM").kind == "html"


def test_unsupported_suffix_names_the_supported_ones_and_how_to_convert_a_doc(tmp_path):
    path = tmp_path / "notice.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(SourceError) as caught:
        read_source(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert ".docx" in message and ".pdf" in message and "save it as .docx" in message


def test_missing_file_is_a_source_error_naming_it(tmp_path):
    with pytest.raises(SourceError, match="missing.txt: cannot be read"):
        read_source(tmp_path / "missing.txt")


def test_source_error_names_file_and_line():
    error = SourceError(Path("sources/a.md"), "front-matter is not valid YAML", 4)
    assert str(error) == "sources/a.md:4: front-matter is not valid YAML"
    assert (error.path, error.line, error.message) == ("sources/a.md", 4, "front-matter is not valid YAML")


# --- Markdown ---------------------------------------------------------------------------------

def test_markdown_front_matter_is_split_from_the_body():
    source = read_source(FIXTURES / "front-matter.md")
    assert source.kind == "markdown"
    assert source.encoding == "utf-8"
    assert source.front_matter == {
        "title": "上海市长宁区人民政府关于印发区政府2020年重点工作目标的通知",
        "doc_number": "长府〔2020〕8号",
        "date": "2020-02-26",
    }
    assert source.text.strip() == SAMPLE.strip()
    assert "\r" not in source.text


def test_markdown_without_front_matter_keeps_all_text_and_has_none(tmp_path):
    path = tmp_path / "plain.markdown"
    path.write_text("# 区政府第70次常务会议\n\n会议听取区府办的汇报。\n", encoding="utf-8")
    source = read_source(path)
    assert source.front_matter is None
    assert source.text == "# 区政府第70次常务会议\n\n会议听取区府办的汇报。\n"


def test_markdown_with_only_front_matter_has_nothing_to_ingest(tmp_path):
    path = tmp_path / "meta-only.md"
    path.write_text("---\ntitle: 区政府第70次常务会议\n---\n\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no text after it"):
        read_source(path)


# --- HTML -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gov_page() -> SourceText:
    return read_source(FIXTURES / "gov-page.html")


def test_html_declared_gb2312_is_decoded_as_gb18030(gov_page):
    assert gov_page.kind == "html"
    assert gov_page.encoding == "gb18030"
    assert "上海市长宁区人民政府关于印发区政府2020年重点工作目标的通知" in gov_page.text


def test_html_metadata_table_becomes_key_value_lines_at_the_top(gov_page):
    blocks = gov_page.text.split("\n\n")
    assert blocks[:7] == [
        "索引号：SY0026300120200008",
        "主题分类：综合政务",
        "发文机关：上海市长宁区人民政府",
        "成文日期：2020-02-26",
        "标题：上海市长宁区人民政府关于印发区政府2020年重点工作目标的通知",
        "发文字号：长府〔2020〕8号",
        "发布日期：2020-03-02",
    ]


def test_html_keeps_the_article_title_as_a_heading_before_the_body(gov_page):
    blocks = gov_page.text.split("\n\n")
    assert blocks[7] == "# 上海市长宁区人民政府关于印发区政府2020年重点工作目标的通知"
    assert blocks[8] == "长府〔2020〕8号"
    assert "## 一、重点工作目标" in blocks


def test_html_drops_navigation_header_footer_scripts_styles_and_share_links(gov_page):
    for noise in ("首页", "政务公开", "当前位置", "请输入关键字", "分享到", "微信", "打印本页", "关闭窗口",
                  "ICP", "版权所有", "统计代码", "_hmt", "text-indent", "正文结束"):
        assert noise not in gov_page.text


def test_html_paragraphs_are_separated_by_blank_lines_without_indentation(gov_page):
    assert ("\n\n现将《上海市长宁区人民政府2020年重点工作目标》印发给你们，请认真贯彻执行。\n\n"
            in gov_page.text)
    assert "\n\n上海市长宁区人民政府\n\n2020年2月26日\n" in gov_page.text


def test_html_data_table_becomes_a_pipe_table_with_escaped_pipes(gov_page):
    assert ("| 序号 | 工作任务 | 主责部门 |\n"
            "| --- | --- | --- |\n"
            "| 1 | 推进“一网通办”\\|“一网统管”建设 | 区府办 |\n"
            "| 2 | 优化营商环境 | 区发展改革委 |") in gov_page.text


def test_html_utf8_page_mislabelled_gb2312_is_read_as_utf8(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes('<html><head><meta charset="gb2312"></head><body><div class="pages_content">'
                     '<p>会议听取区府办关于制订《行政规范性文件管理实施办法》相关情况的汇报。</p>'
                     '</div></body></html>'.encode("utf-8"))
    source = read_source(path)
    assert source.encoding == "utf-8"
    assert source.text == "会议听取区府办关于制订《行政规范性文件管理实施办法》相关情况的汇报。\n"


def test_html_without_known_container_takes_the_largest_block_of_paragraphs(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text(
        "<html><body><div id='left'><p>相关链接</p><p>专题专栏</p></div>"
        "<div id='wrap'><p>会议听取区府办关于制订《行政规范性文件管理实施办法》相关情况的汇报。</p>"
        "<p>会议指出，行政规范性文件是行政机关依法履行职能的重要依据。</p></div></body></html>",
        encoding="utf-8")
    assert read_source(path).text == ("会议听取区府办关于制订《行政规范性文件管理实施办法》相关情况的汇报。\n\n"
                                      "会议指出，行政规范性文件是行政机关依法履行职能的重要依据。\n")


def test_html_layout_tables_are_read_as_paragraphs_not_pipe_tables(tmp_path):
    path = tmp_path / "old-portal.html"
    path.write_text(
        "<html><body><table><tr><td><table><tr><td class='content'>"
        "<p>会议听取区府办关于 2024 年度区政府重大行政决策事项申报工作情况的汇报。</p>"
        "</td></tr></table></td></tr></table></body></html>", encoding="utf-8")
    text = read_source(path).text
    assert text == "会议听取区府办关于 2024 年度区政府重大行政决策事项申报工作情况的汇报。\n"


def test_html_metadata_values_keep_their_own_colons_and_title_in_body_is_not_repeated(tmp_path):
    path = tmp_path / "meeting.html"
    path.write_text(
        "<html><body><h1>区政府第70次常务会议</h1><table>"
        "<tr><td>发布日期：2024-03-28 10:30</td><td>信息来源：区府办</td></tr></table>"
        "<div class='article-content'><p>区 政 府 第 70 次 常 务 会 议</p>"
        "<p>2024年3月27日下午，区长侯继军主持召开区政府第70次常务会议。</p></div></body></html>",
        encoding="utf-8")
    assert read_source(path).text == ("发布日期：2024-03-28 10:30\n\n信息来源：区府办\n\n"
                                      "区 政 府 第 70 次 常 务 会 议\n\n"
                                      "2024年3月27日下午，区长侯继军主持召开区政府第70次常务会议。\n")


def test_html_declaring_a_non_text_codec_falls_back_to_detection(tmp_path):
    path = tmp_path / "odd.html"
    path.write_bytes('<html><head><meta charset="base64"></head><body><div class="zoom">'
                     '<p>会议听取区府办关于制订《行政规范性文件管理实施办法》相关情况的汇报。</p>'
                     '</div></body></html>'.encode("gbk"))
    source = read_source(path)
    assert source.encoding == "gb18030"
    assert "行政规范性文件管理实施办法" in source.text


def test_html_page_with_no_text_has_nothing_to_ingest(tmp_path):
    path = tmp_path / "blank.html"
    path.write_text("<html><head><script>var a = 1;</script></head><body><div class='nav'>首页</div></body></html>",
                    encoding="utf-8")
    with pytest.raises(SourceError, match="is empty; nothing to ingest"):
        read_source(path)


# --- Word -------------------------------------------------------------------------------------

def make_docx(path: Path) -> Path:
    """A small 通知 as Word writes it: title, heading, paragraphs, a task table between paragraphs."""
    document = WordDocument()
    document.add_heading("上海市长宁区人民政府关于印发区政府2020年重点工作目标的通知", level=1)
    document.add_paragraph("区政府各委、办、局，各街道办事处，新泾镇政府:")
    document.add_paragraph("现将《上海市长宁区人民政府2020年重点工作目标》印发给你们，请认真贯彻执行。")
    document.add_paragraph("")
    document.add_heading("一、重点工作目标", level=2)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("序号", "工作任务", "主责部门"),
                                       ("1", "推进“一网通办”|“一网统管”建设", "区府办"),
                                       ("2", "优化营商环境", "")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    merged = table.cell(2, 1).merge(table.cell(2, 2))
    merged.text = "优化营商环境（区发展改革委牵头）"
    document.add_paragraph("上海市长宁区人民政府")
    document.save(path)
    return path


def test_docx_paragraphs_headings_and_tables_come_out_in_document_order(tmp_path):
    source = read_source(make_docx(tmp_path / "notice.docx"))
    assert source.kind == "docx"
    assert source.encoding is None and source.front_matter is None
    assert source.text == (
        "# 上海市长宁区人民政府关于印发区政府2020年重点工作目标的通知\n\n"
        "区政府各委、办、局，各街道办事处，新泾镇政府:\n\n"
        "现将《上海市长宁区人民政府2020年重点工作目标》印发给你们，请认真贯彻执行。\n\n"
        "## 一、重点工作目标\n\n"
        "| 序号 | 工作任务 | 主责部门 |\n"
        "| --- | --- | --- |\n"
        "| 1 | 推进“一网通办”\\|“一网统管”建设 | 区府办 |\n"
        "| 2 | 优化营商环境（区发展改革委牵头） |  |\n\n"
        "上海市长宁区人民政府\n"
    )


def test_docx_title_style_becomes_a_top_level_heading(tmp_path):
    document = WordDocument()
    document.add_heading("区政府第70次常务会议纪要", level=0)
    document.add_heading("一、会议议题", level=3)
    document.add_paragraph("会议听取区府办的汇报。")
    document.save(tmp_path / "minutes.docx")
    assert read_source(tmp_path / "minutes.docx").text == (
        "# 区政府第70次常务会议纪要\n\n### 一、会议议题\n\n会议听取区府办的汇报。\n")


def test_docx_with_only_empty_paragraphs_has_nothing_to_ingest(tmp_path):
    document = WordDocument()
    document.add_paragraph("   ")
    document.save(tmp_path / "blank.docx")
    with pytest.raises(SourceError, match="is empty; nothing to ingest"):
        read_source(tmp_path / "blank.docx")


# --- PDF --------------------------------------------------------------------------------------

def test_pdf_text_layer_is_read_with_radicals_mapped_back_to_ideographs():
    source = read_source(FIXTURES / "meeting.pdf")
    assert source.kind == "pdf" and source.encoding is None
    text = source.text
    assert "2024年3月27日下午，区长侯继军主持召开区政府第70" in text
    assert "为深入践行全过程人民民主，进一步" in text
    assert "行政规范性文件是行政机关依法履行职能的" in text
    assert not any("\u2e80" <= char <= "\u2fdf" for char in text)
    assert text.endswith("形象。\n") and "\f" not in text and "\r" not in text


def test_stray_control_characters_in_text_are_dropped(tmp_path):
    path = tmp_path / "export.txt"
    text = SAMPLE * 3
    path.write_bytes(text.replace("印发", "印\x07发", 1).encode("utf-8"))
    assert read_source(path).text == text
