"""output: the atomic output folder and the open-data files; a build that runs out of disk space."""

import csv
import io
import json
import shutil
import subprocess

import pytest

from archive.departments import DepartmentTable
from archive.site import model, output
from archive.topics import TopicRules
from conftest import REPO, SITE_FIXTURE, site_config
from project import run, write_config


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


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB file system (tmpfs) at tmp_path/disk: room for the fixture site once, not twice."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here (needs root): {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def _snapshot(folder):
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_full_disk_stops_the_build_in_one_line_and_keeps_the_old_site(tmp_path, small_disk):
    content = tmp_path / "content"
    shutil.copytree(SITE_FIXTURE / "content", content)
    config = write_config(tmp_path, content, output=small_disk / "site")
    assert run(config, "build").returncode == 0
    old = _snapshot(small_disk / "site")
    free = shutil.disk_usage(small_disk).free
    subprocess.run(["fallocate", "-l", str(free - 64 * 1024), str(small_disk / "filler")], check=True)
    for path in content.glob("*.md"):  # every page changes, so the rebuild must write them all
        path.write_text(path.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: 修订 ", 1), encoding="utf-8")
    result = run(config, "build")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: {small_disk / 'site'}: cannot write: the disk is full; "
                                          "free space or fix the permissions, then run again (the site there is as it was)"]
    assert _snapshot(small_disk / "site") == old
    assert sorted(path.name for path in small_disk.iterdir()) == ["filler", "site", "site.cache", "site.cache.lock", "site.lock"]


def test_a_read_only_file_system_is_one_line_naming_the_folder(tmp_path, small_disk):
    config = write_config(tmp_path, SITE_FIXTURE / "content", output=small_disk / "site")
    assert run(config, "build").returncode == 0
    old = _snapshot(small_disk / "site")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run(config, "build")
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: {small_disk}: cannot write: the file system is read-only;")
    assert _snapshot(small_disk / "site") == old
