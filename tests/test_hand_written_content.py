"""Content files written by hand (no ingest): an id from the file name, and clashes named."""

from pathlib import Path

from archive.config import load_config
from archive.departments import DepartmentTable
from archive.site import model
from archive.topics import TopicRules

REPO = Path(__file__).resolve().parent.parent


def test_hand_written_files_without_ids_load_and_two_that_make_the_same_id_are_one_error_naming_both(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "tree-notice.md").write_text("---\ntitle: 古树名录\n---\n正文\n", encoding="utf-8")
    (tmp_path / "关于古树名录调整的通知.md").write_text("---\ntitle: 关于古树名录调整的通知\ndate: 2025-10-10\n---\n正文\n",
                                                encoding="utf-8")
    loaded, problems = model.read_content(tmp_path)
    ids = sorted(doc.id for doc, _ in loaded)
    assert len(ids) == 2 and ids[0].startswith("2025-10-10-") and ids[1] == "tree-notice"
    [problem] = problems
    assert str(tmp_path / "b" / "tree-notice.md") in problem and str(tmp_path / "a" / "tree-notice.md") in problem


def test_a_thousand_hand_written_files_without_ids_build_without_errors(tmp_path):
    for number in range(1000):
        (tmp_path / f"note-{number}.md").write_text(f"---\ntitle: 第{number}号便签\n---\n正文\n", encoding="utf-8")
    loaded, problems = model.read_content(tmp_path)
    assert problems == [] and len(loaded) == 1000


def test_lists_order_a_document_with_only_a_publication_date_by_it(tmp_path):
    for name, front in (("old", "date: 2020-01-01"), ("web-page", "publish_date: 2023-04-19"), ("new", "date: 2024-03-27"),
                        ("undated", "")):
        (tmp_path / f"{name}.md").write_text(f"---\ntitle: {name}\n{front}\n---\n正文\n", encoding="utf-8")
    documents, problems = model.load_content(tmp_path)
    assert problems == []
    site = model.assemble(documents, load_config(None, root=REPO), DepartmentTable.load(REPO / "data" / "departments.yaml"),
                          TopicRules.load(REPO / "data" / "topics.yaml"))
    assert [entry.id for entry in site.entries] == ["new", "web-page", "old", "undated"]
    assert site.by_id["web-page"].date is None  # not shown as its 成文日期
    assert [entry.id for entry in next(year for year in site.years if year.label == "2023年").entries] == ["web-page"]
