"""The ingest stage end to end: sources -> content files, on the real samples."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive.config import load_config
from archive.document import load_document
from archive.ingest.convert import (FAILED, KEPT, REVIEW_NAME, UNCHANGED, WRITTEN, id_from_source_name, ingest,
                                    read_review_list)

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def config():
    return load_config(ROOT / "site.yaml")


@pytest.fixture
def sources(tmp_path):
    folder = tmp_path / "sources"
    shutil.copytree(SOURCES, folder)
    return folder


def statuses(results):
    return [result.status for result in results]


def test_each_sample_source_becomes_the_golden_content_file(config, tmp_path):
    """The golden files are the project's statement of what right looks like; regenerate them
    with UPDATE_GOLDEN=1 and read the diff line by line before committing."""
    content = tmp_path / "content"
    results = ingest([SOURCES], content, config)
    assert statuses(results) == [WRITTEN] * 5
    for result in results:
        produced = result.content.read_text(encoding="utf-8")
        golden = GOLDEN / result.content.name
        if os.environ.get("UPDATE_GOLDEN"):
            golden.write_text(produced, encoding="utf-8")
        assert produced == golden.read_text(encoding="utf-8"), f"{result.content.name} differs from its golden file"


def test_the_committed_content_folder_matches_what_ingest_produces(config, tmp_path):
    results = ingest([SOURCES], tmp_path / "content", config)
    for result in results:
        committed = ROOT / "content" / result.content.name
        assert committed.read_text(encoding="utf-8") == result.content.read_text(encoding="utf-8")


def test_ingesting_unchanged_sources_again_writes_nothing(config, sources, tmp_path):
    content = tmp_path / "content"
    ingest([sources], content, config)
    before = {path: path.stat().st_mtime_ns for path in content.iterdir()}
    results = ingest([sources], content, config)
    assert statuses(results) == [UNCHANGED] * 5
    assert {path: path.stat().st_mtime_ns for path in content.iterdir()} == before


def test_a_content_file_edited_by_hand_is_kept_unless_forced(config, sources, tmp_path):
    content = tmp_path / "content"
    first = ingest([sources], content, config)
    edited = first[0].content
    edited.write_text(edited.read_text(encoding="utf-8").replace("title: ", "title: 【已校对】"), encoding="utf-8")
    (sources / first[0].source.name).write_text(first[0].source.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    results = ingest([sources], content, config)
    assert results[0].status == KEPT
    assert "edited by hand" in results[0].message
    assert "【已校对】" in edited.read_text(encoding="utf-8")
    forced = ingest([sources], content, config, force=True)
    assert forced[0].status == WRITTEN
    assert "【已校对】" not in edited.read_text(encoding="utf-8")


def test_a_changed_source_is_rewritten_under_the_same_id(config, sources, tmp_path):
    content = tmp_path / "content"
    first = {r.source.name: r.content for r in ingest([sources], content, config)}
    source = sources / "2024-03-27-executive-meeting-70.txt"
    source.write_text(source.read_text(encoding="utf-8").replace("会议还研究了其他事项。", "会议还研究了其他有关事项。"), encoding="utf-8")
    second = ingest([sources], content, config)
    assert {r.source.name: r.status for r in second if r.status != UNCHANGED} == {source.name: WRITTEN}
    rewritten = next(r for r in second if r.status == WRITTEN)
    assert rewritten.content == first[source.name]
    assert "其他有关事项" in rewritten.content.read_text(encoding="utf-8")


def test_a_bad_source_fails_with_its_name_and_the_others_are_still_written(config, sources, tmp_path):
    (sources / "empty.txt").write_bytes(b"")
    (sources / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    results = ingest([sources], tmp_path / "content", config)
    failed = {r.source.name: r.message for r in results if r.status == FAILED}
    assert set(failed) == {"empty.txt", "scan.txt"}
    assert sum(r.status == WRITTEN for r in results) == 5


def test_ids_are_readable_ascii_from_the_file_name_or_a_stable_hash():
    assert id_from_source_name("sources/2020-02-26-key-work-goals.txt") == "2020-02-26-key-work-goals"
    chinese = id_from_source_name("laws/上海市优化营商环境条例(2020-04-10).md")
    assert chinese.startswith("doc-") and chinese == id_from_source_name("laws/上海市优化营商环境条例(2020-04-10).md")


def test_two_sources_with_the_same_name_in_different_folders_get_different_ids(config, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(SOURCES / "2024-03-27-executive-meeting-70.txt", tmp_path / folder / "minutes.txt")
    results = ingest([tmp_path / "a", tmp_path / "b"], tmp_path / "content", config)
    ids = [load_document(r.content).id for r in results]
    assert len(set(ids)) == 2


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True, cwd=cwd)


def test_the_ingest_command_prints_a_line_per_document_and_exits_1_when_one_failed(sources, tmp_path):
    (sources / "broken.md").write_text("---\ntitle: [未闭合\n---\n正文\n", encoding="utf-8")
    completed = run_cli("ingest", str(sources), "--content", str(tmp_path / "content"))
    assert completed.returncode == 1
    assert completed.stdout.count("written ") == 5
    assert "broken.md" in completed.stderr and "line" in completed.stderr
    assert "ingest: 6 documents: 5 written, 0 unchanged, 0 kept, 1 failed" in completed.stdout


def test_the_ingest_command_exits_2_on_a_usage_error():
    assert run_cli("ingest", "--no-such-flag").returncode == 2


# ── documents whose title or date cannot be read are ingested and listed for review ──

# As in ../shared/corpora/policy-dev/POL_53C7E4B020106C1FCB0B.txt: a headline, no 文种, no 成文日期.
NEWS_PAGE = "苏州公积金新政:余额可提取作为首付款,不影响后续贷款额度\n澎湃新闻记者计思敏\n2023-06-0116:57\n来源:澎湃新闻\n正文第一段。\n"
RECORD = "甘肃 | 甘肃住房公积金管理中心 | 《关于应对疫情实施住房公积金阶段性支持政策的通知》\n"


def test_a_document_with_text_is_never_refused_and_is_listed_for_review(config, sources, tmp_path):
    (sources / "news.txt").write_text(NEWS_PAGE, encoding="utf-8")
    (sources / "record.txt").write_text(RECORD, encoding="utf-8")
    content = tmp_path / "content"
    results = ingest([sources], content, config)
    assert statuses(results) == [WRITTEN] * 7
    by_name = {r.source.name: r for r in results}
    assert by_name["news.txt"].review == ("title: not recognised, the first line is used",)
    assert "needs review" in by_name["news.txt"].message and REVIEW_NAME in by_name["news.txt"].message
    assert load_document(by_name["news.txt"].content).title == "苏州公积金新政:余额可提取作为首付款,不影响后续贷款额度"
    assert load_document(by_name["record.txt"].content).title == "甘肃住房公积金管理中心"
    rows = read_review_list(content / REVIEW_NAME)
    assert [(row["content"], row["reasons"]) for row in rows] == [
        ("news.md", "title: not recognised, the first line is used"),
        ("record.md", "title: not recognised, a headline taken from a table row; date: none found")]
    # The five samples are read fully: not on the list. Opened as a spreadsheet, the file says it is UTF-8.
    assert (content / REVIEW_NAME).read_bytes().startswith("\ufeffid,content,source,reasons\n".encode("utf-8"))


def test_a_reviewed_document_leaves_the_list_when_edited_by_hand_or_read_fully(config, sources, tmp_path):
    (sources / "news.txt").write_text(NEWS_PAGE, encoding="utf-8")
    (sources / "record.txt").write_text(RECORD, encoding="utf-8")
    content = tmp_path / "content"
    ingest([sources], content, config)
    edited = content / "news.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("title: 苏州公积金新政", "title: 苏州公积金新政（澎湃新闻）"),
                      encoding="utf-8")
    (sources / "record.txt").write_text("关于应对疫情实施住房公积金阶段性支持政策的通知\n各单位:\n正文。\n甘肃住房公积金管理中心\n2020年2月20日\n",
                                        encoding="utf-8")
    results = ingest([sources], content, config)
    assert {r.source.name: r.status for r in results}["news.txt"] == KEPT
    assert read_review_list(content / REVIEW_NAME) == []


def test_the_ingest_command_names_the_documents_to_review_and_exits_0(sources, tmp_path):
    (sources / "news.txt").write_text(NEWS_PAGE, encoding="utf-8")
    completed = run_cli("ingest", str(sources), "--content", str(tmp_path / "content"))
    assert completed.returncode == 0, completed.stderr
    [line] = [line for line in completed.stdout.splitlines() if "news.txt" in line]
    assert line.startswith("written") and "needs review (title: not recognised" in line


def test_a_source_with_no_line_to_title_it_by_is_titled_by_its_file_name(config, tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "record-2024.txt").write_text("2024-02-03 00:00:00\n", encoding="utf-8")
    (tmp_path / "sources" / "dated.md").write_text("---\npublish_date: 2024-02-03\n---\n这是一段没有标题的正文。\n", encoding="utf-8")
    results = ingest([tmp_path / "sources"], tmp_path / "content", config)
    by_name = {r.source.name: r for r in results}
    assert load_document(by_name["record-2024.txt"].content).title == "record-2024"
    assert by_name["record-2024.txt"].review == ("title: none in the text, the file name is used",)
    # The author gave a date (publish_date): only the title is left to review.
    assert by_name["dated.md"].review == ("title: not recognised, the first line is used",)
