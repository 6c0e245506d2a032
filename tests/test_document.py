import hashlib

import pytest

from archive.document import Document, DocumentError, dump_document, parse_document, validate_meta


def test_a_document_round_trips_through_its_text():
    document = Document({"id": "changfu-2020-8", "title": "关于印发区政府2020年重点工作目标的通知",
                         "date": "2020-02-26", "departments": ["上海市长宁区财政局"],
                         "tasks": [{"number": 1, "quarters": ["25%", "50%", "75%", "100%"]}]}, "正文第一段。\n")
    text = dump_document(document)
    assert "date: 2020-02-26\n" in text  # unquoted, as an editor types it
    again = parse_document(text, "content/changfu-2020-8.md")
    assert again.meta == document.meta
    assert again.body == "正文第一段。\n"
    assert dump_document(again) == text


def test_front_matter_keys_are_written_in_the_schema_order_and_unknown_keys_kept_last():
    document = Document({"source": "sources/a.txt", "editor_note": "校对过", "title": "标题", "id": "a"}, "x")
    keys = [line.split(":")[0] for line in dump_document(document).splitlines()[1:5]]
    assert keys == ["id", "title", "source", "editor_note"]


def test_an_impossible_date_is_rejected_with_the_key_and_the_line():
    text = "---\nid: a\ntitle: 标题\ndate: 2024-13-45\n---\n正文\n"
    with pytest.raises(DocumentError) as raised:
        parse_document(text, "content/a.md")
    assert raised.value.line == 4
    assert "content/a.md:4: date: expected a real date written YYYY-MM-DD" in str(raised.value)


def test_departments_given_as_a_string_are_rejected():
    assert validate_meta({"departments": "区府办"}) == [
        "departments: expected a list of names, one per line starting with '- ', found '区府办'"]


def test_an_unknown_document_type_is_rejected():
    [problem] = validate_meta({"doc_type": "备忘录"})
    assert problem.startswith("doc_type: expected one of 决议 决定")


def test_an_id_that_could_climb_out_of_the_output_folder_is_rejected():
    [problem] = validate_meta({"id": "../../etc"})
    assert problem.startswith("id: expected lower-case ASCII letters")


def test_broken_yaml_names_the_line_of_the_problem():
    text = "---\nid: a\ntitle: [标题\n---\n正文\n"
    with pytest.raises(DocumentError) as raised:
        parse_document(text, "content/a.md")
    assert raised.value.line is not None and raised.value.line >= 3
    assert "front-matter is not valid YAML" in str(raised.value)


def test_a_file_without_front_matter_says_how_to_create_it():
    with pytest.raises(DocumentError, match="run `python build.py ingest`"):
        parse_document("# 标题\n正文\n", "content/a.md")


from hypothesis import given, settings, strategies as st  # noqa: E402

yaml_ish = st.text(alphabet=st.sampled_from(list("abc:-[]{}'\"#&*!|>%@`\n \t日期标题2024") + ["\u3000", "\ufeff"]), max_size=200)


@settings(max_examples=300, deadline=None)
@given(front=yaml_ish, body=st.text(max_size=100))
def test_any_front_matter_text_either_parses_or_raises_document_error(front, body):
    try:
        document = parse_document(f"---\n{front}\n---\n{body}", "content/fuzz.md")
    except DocumentError as error:
        assert str(error).startswith("content/fuzz.md")
    else:
        assert validate_meta(document.meta) == []


def test_the_information_disclosure_keys_are_written_after_the_date_and_validated():
    document = Document({"id": "a", "title": "标题", "keywords": ["住房", "公积金"], "validity": "有效",
                         "index_number": "000014349/2018-00222", "publish_date": "2018-12-29", "date": "2018-12-21"}, "x")
    keys = [line.split(":")[0] for line in dump_document(document).splitlines()[1:-3] if not line.startswith("- ")]
    assert keys == ["id", "title", "date", "publish_date", "index_number", "keywords", "validity"]
    assert validate_meta({"publish_date": "2018-12-32", "keywords": "住房", "validity": 1}) == [
        "validity: expected text, found 1",
        "publish_date: expected a real date written YYYY-MM-DD, found '2018-12-32'",
        "keywords: expected a list of names, one per line starting with '- ', found '住房'"]


# ── content written by hand without an id ──

@pytest.mark.parametrize("path, date, expected", [
    ("content/2024-05-06-Tree-Notice.md", None, "2024-05-06-tree-notice"),
    ("content/report_2024.md", "2024-01-16", "report-2024"),
    # A Chinese name: the date and a short hash of the name, the same every time.
    ("content/关于古树名录调整的通知.md", "2025-10-10", "2025-10-10-" + hashlib.sha256("关于古树名录调整的通知".encode()).hexdigest()[:8]),
    ("content/2024年工作要点.md", None, "doc-" + hashlib.sha256("2024年工作要点".encode()).hexdigest()[:8]),
])
def test_a_content_file_without_an_id_is_named_after_its_file(path, date, expected):
    front = f"title: 标题\ndate: {date}\n" if date else "title: 标题\n"
    document = parse_document(f"---\n{front}---\n正文\n", path)
    assert document.id == expected
    assert validate_meta(document.meta) == []


def test_a_content_file_without_a_title_is_still_an_error():
    with pytest.raises(DocumentError, match="title: missing"):
        parse_document("---\ndate: 2024-01-01\n---\n正文\n", "content/a-note.md")
