"""output: the atomic output folder and the open-data files."""

import csv
import io
import json

import pytest

from archive import model, output
from archive.departments import DepartmentTable
from archive.topics import TopicRules
from conftest import REPO, SITE_FIXTURE, site_config


def test_a_committed_site_replaces_the_previous_one_whole(tmp_path):
    out = tmp_path / "site"
    first = output.SiteWriter(out)
    first.write("index.html", "一")
    first.write("old/page.html", "旧")
    first.commit()
    second = output.SiteWriter(out)
    second.write("index.html", "二")
    assert (out / "index.html").read_text(encoding="utf-8") == "一"
    second.commit()
    assert (out / "index.html").read_text(encoding="utf-8") == "二"
    assert not (out / "old").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_an_aborted_build_leaves_the_previous_site_untouched(tmp_path):
    out = tmp_path / "site"
    first = output.SiteWriter(out)
    first.write("index.html", "一")
    first.commit()
    failed = output.SiteWriter(out)
    failed.write("index.html", "坏")
    failed.abort()
    assert (out / "index.html").read_text(encoding="utf-8") == "一"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_leftovers_of_a_killed_build_are_cleared_by_the_next_one(tmp_path):
    out = tmp_path / "site"
    (tmp_path / "site.tmp-99999").mkdir()
    writer = output.SiteWriter(out)
    writer.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_folder_not_built_by_the_tool_is_never_replaced(tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(output.OutputError, match="not built by this tool"):
        output.SiteWriter(tmp_path / "precious")


@pytest.mark.parametrize("url", ["../escape.html", "/etc/passwd", "a/../../b", "政府.html", "a\\b.html", ""])
def test_a_url_that_could_leave_the_output_folder_is_refused(tmp_path, url):
    writer = output.SiteWriter(tmp_path / "site")
    with pytest.raises(output.OutputError):
        writer.write(url, "x")
    writer.abort()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    documents, _ = model.load_content(SITE_FIXTURE / "content")
    site = model.assemble(documents, site_config(tmp_path_factory.mktemp("output")),
                          DepartmentTable.load(REPO / "data/departments.yaml"), TopicRules.load(REPO / "data/topics.yaml"))
    return dict(output.open_data(site))


def test_the_catalog_lists_every_document_newest_first_in_json_and_csv(data):
    catalog = json.loads(data["data/catalog.json"])
    assert [r["id"] for r in catalog][:2] == ["cn-2024-follow-up-notice", "cn-2024-minutes-73"]
    assert len(catalog) == 8
    assert catalog[1]["url"] == "2024/cn-2024-minutes-73.html" and catalog[1]["doc_number"] == "长府会议纪要〔2024〕13号"
    text = data["data/catalog.csv"].decode("utf-8")
    assert text.startswith("\ufeffid,title,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["id"] for r in rows] == [r["id"] for r in catalog]
    assert rows[-1]["date"] == "" and rows[-1]["doc_type"] == "意见"


def test_each_document_front_matter_is_published_as_sorted_json(data):
    meta = json.loads(data["data/docs/cn-2020-key-work-goals.json"])
    assert meta["doc_number"] == "长府〔2020〕8号" and len(meta["tasks"]) == 3
    raw = data["data/docs/cn-2020-key-work-goals.json"].decode("utf-8")
    assert list(json.loads(raw)) == sorted(meta)
