"""pipeline.build end to end on the fixture root, and the local server."""

import threading
import time
import types
import urllib.request
from pathlib import Path

import pytest

from archive import pipeline
from archive.config import ConfigError
from archive.departments import DepartmentTable
from archive.search.bundle_reader import Bundle
from archive.site import cache, model, shown
from archive.site.serve import make_server
from archive.topics import TopicRules
from conftest import SITE_FIXTURE, site_config


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_fixture_root_builds_with_its_two_expected_warnings_and_no_errors(built_site):
    out, report = built_site
    assert report.errors == [] and report.exit_code == 0 and report.written
    assert report.documents == 8 and report.pages > 40
    assert len(report.warnings) == 2
    assert "8 documents" in report.summary()
    for url in ("index.html", "404.html", "sitemap.xml", "feed.xml", "data/catalog.json", "data/catalog.csv",
                "data/docs/cn-2024-minutes-73.json", "2024/cn-2024-minutes-73.html", "departments/index.html",
                "topics/index.html", "static/style.css", "search/highlight.js"):
        assert (out / url).is_file(), url


def test_two_builds_are_byte_identical(built_site, tmp_path):
    out, _ = built_site
    again = tmp_path / "again"
    pipeline.build(site_config(tmp_path), content_dir=SITE_FIXTURE / "content", out_dir=again, progress=False)
    assert tree(again) == tree(out)


def test_strict_makes_warnings_fatal_and_leaves_the_previous_site(tmp_path, built_site):
    out = tmp_path / "site"
    out.mkdir()
    report = pipeline.build(site_config(tmp_path), content_dir=SITE_FIXTURE / "content", out_dir=out,
                            strict=True, progress=False)
    assert report.exit_code == 1 and not report.written
    assert "not written" in report.summary() and "error: " in report.summary()
    assert list(out.iterdir()) == []


def test_a_bad_document_fails_the_build_but_the_rest_is_published(tmp_path, content_copy):
    (content_copy / "bad.md").write_text("---\ntitle: 日期有误\ndate: 2024-13-45\n---\n正文\n", encoding="utf-8")
    out = tmp_path / "site"
    report = pipeline.build(site_config(tmp_path), content_dir=content_copy, out_dir=out, progress=False)
    assert report.exit_code == 1 and report.written
    assert any("bad.md" in e for e in report.errors)
    assert (out / "2024" / "cn-2024-minutes-73.html").is_file()


def test_a_build_that_fails_midway_keeps_the_previous_site_whole(tmp_path, content_copy, monkeypatch):
    out = tmp_path / "site"
    config = site_config(tmp_path)
    pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    before = tree(out)

    def explode(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "catalog", explode)
    with pytest.raises(RuntimeError):
        pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("site")) == ["site", "site.cache"]


def test_a_missing_content_folder_is_a_usage_error(tmp_path):
    with pytest.raises(ConfigError, match="content folder not found"):
        pipeline.build(site_config(tmp_path), content_dir=tmp_path / "nowhere", out_dir=tmp_path / "site")


def test_an_output_folder_that_is_not_a_site_is_a_usage_error(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_bytes(b"x")
    with pytest.raises(ConfigError, match="not built by this tool"):
        pipeline.build(site_config(tmp_path), content_dir=SITE_FIXTURE / "content", out_dir=tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.docx").exists()


@pytest.mark.parametrize("url, content_type", [
    ("index.html", "text/html; charset=utf-8"),
    ("static/style.css", "text/css; charset=utf-8"),
    ("search/highlight.js", "text/javascript; charset=utf-8"),
    ("data/catalog.json", "application/json; charset=utf-8"),
    ("data/catalog.csv", "text/csv; charset=utf-8"),
    ("feed.xml", "application/xml; charset=utf-8"),
])
def test_the_local_server_sends_each_file_with_its_content_type(site_server, url, content_type):
    with urllib.request.urlopen(site_server + url) as response:
        assert response.headers["Content-Type"] == content_type


def test_the_local_server_answers_a_missing_page_with_the_site_404_page(site_server):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(site_server + "2024/missing.html")
    assert error.value.code == 404 and "页面不存在" in error.value.read().decode("utf-8")


def test_the_local_server_listens_on_loopback_only(built_site):
    server = make_server(built_site[0], 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def _edit(content: Path) -> None:
    """Retitle one document: its neighbours, the lists that show it and what cites it change too."""
    path = content / "cn-2024-minutes-73.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\ntitle: ", "\ntitle: 改题后的", 1), encoding="utf-8")


def _add(content: Path) -> None:
    """A new document citing another, in the middle of the time line."""
    (content / "cn-2022-new.md").write_text(
        "---\nid: cn-2022-new\ntitle: 关于新增文件的通知\ndoc_type: 通知\ndate: 2022-06-01\n"
        "departments:\n- 上海市长宁区财政局\n---\n\n根据长府〔2020〕8号，现通知如下。\n", encoding="utf-8")


def _delete(content: Path) -> None:
    (content / "cn-2024-minutes-70.md").unlink()


@pytest.mark.parametrize("change", [_edit, _add, _delete], ids=["edit", "add", "delete"])
def test_a_rebuild_after_a_change_equals_a_clean_build_and_renders_only_what_changed(tmp_path, content_copy, change):
    config = site_config(tmp_path)
    out = tmp_path / "site"
    pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    unchanged = pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    assert unchanged.reused > 0 and unchanged.rendered < 20  # the summary pages only
    change(content_copy)
    report = pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    clean = tmp_path / "clean"
    pipeline.build(site_config(tmp_path / "other"), content_dir=content_copy, out_dir=clean, progress=False)
    pages = [{name: data for name, data in tree(site).items() if not name.startswith("search/data/")} for site in (out, clean)]
    assert pages[0] == pages[1]
    # The search bundle is laid out by its history (segments kept with a dead place, tiers), so
    # its files differ from a clean build's; its answers may not.
    for query in ("改题后的", "长府〔2020〕8号", "新增文件", "营商环境", "会议", "2024"):
        assert _answers(out, query) == _answers(clean, query), query
    assert 0 < report.rendered < report.reused


def _answers(site: Path, query: str) -> list[dict]:
    bundle = Bundle(site)
    return [bundle.row(doc) for doc in bundle.matching(bundle.evaluate_all(bundle.parse(query)))]


def test_the_previous_site_keeps_its_own_files_when_pages_are_reused(tmp_path, content_copy):
    config = site_config(tmp_path)
    out = tmp_path / "site"
    pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    page = out / "2020" / "cn-2020-key-work-goals.html"
    before = page.read_bytes()
    kept = tmp_path / "kept.html"
    kept.hardlink_to(page)  # the same file, as a visitor's server might still be sending it
    _edit(content_copy)
    pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    assert kept.read_bytes() == before


def test_a_manifest_that_does_not_describe_the_site_in_the_output_folder_is_ignored(tmp_path, content_copy):
    config = site_config(tmp_path)
    out = tmp_path / "site"
    pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    (out / ".archive-site").write_text("another build", encoding="ascii")
    report = pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    assert report.reused == 0


def test_a_broken_cache_costs_a_full_build_and_changes_nothing(tmp_path, content_copy):
    config = site_config(tmp_path)
    out = tmp_path / "site"
    pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    before = tree(out)
    for path in (tmp_path / "site.cache").rglob("*.pickle"):
        path.write_bytes(b"not a pickle")
    report = pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    assert report.reused == 0 and report.exit_code == 0
    assert tree(out) == before


def test_worker_processes_build_the_same_site(tmp_path, content_copy, monkeypatch):
    serial = tmp_path / "serial"
    pipeline.build(site_config(tmp_path), content_dir=content_copy, out_dir=serial, progress=False, workers=1)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setattr(pipeline, "RENDER_CHUNK", 3)
    monkeypatch.setattr(model, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(model, "PARALLEL_MIN_RELATED", 1)
    monkeypatch.setattr(model, "RELATED_CHUNK", 3)
    parallel = tmp_path / "parallel"
    report = pipeline.build(site_config(tmp_path), content_dir=content_copy, out_dir=parallel, progress=False, workers=2)
    assert report.exit_code == 0
    assert tree(parallel) == tree(serial)


CHUNK_LOG: list[Path] = []  # where slow_chunk records each chunk's run (set by the test below)


def slow_chunk(start: int) -> int:
    """A render chunk that takes a while and records when it ran (in a worker process)."""
    began = time.monotonic()
    time.sleep(0.15)
    (CHUNK_LOG[0] / str(start)).write_text(f"{began} {time.monotonic()}")
    return 1


def test_the_render_runs_no_more_chunks_at_once_than_the_cores_left_free(tmp_path, monkeypatch):
    """While the staff index's writer holds a core the pages render one chunk at a time; once it is
    done, on every core."""
    CHUNK_LOG[:] = [tmp_path]
    monkeypatch.setattr(pipeline, "_produce_chunk", slow_chunk)
    monkeypatch.setattr(pipeline, "RENDER_CHUNK", 1)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_PAGES", 1)
    asked = []

    def free() -> int:
        asked.append(1)
        return 1 if len(asked) <= 4 else 2  # the writer is done after the fifth chunk started

    site = types.SimpleNamespace(entries=[], collections=lambda: [])
    pipeline._produce(site, None, None, list(range(10)), 2, free, progress=False)
    runs = {int(p.name): tuple(map(float, p.read_text().split())) for p in tmp_path.iterdir()}
    assert sorted(runs) == list(range(10))

    def overlap(a: int, b: int) -> bool:
        return runs[a][0] < runs[b][1] and runs[b][0] < runs[a][1]

    assert not any(overlap(a, b) for a in range(5) for b in range(a + 1, 5))
    assert any(overlap(a, b) for a in range(4, 10) for b in range(a + 1, 10))


def test_a_rebuild_works_out_the_shown_text_of_changed_documents_only(tmp_path, content_copy, monkeypatch):
    config = site_config(tmp_path)
    out = tmp_path / "site"
    pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    texts: list[str] = []
    plain_text = shown.plain_text
    monkeypatch.setattr(shown, "plain_text", lambda body: texts.append(body) or plain_text(body))
    pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    assert texts == []
    _edit(content_copy)
    pipeline.build(config, content_dir=content_copy, out_dir=out, progress=False)
    # The edited document's (for its new key, then for its analysis and segment), no other.
    assert len(set(texts)) == 1 and "第73次常务会议" in texts[0]
    # The keys a rebuild took from the last build are the ones a clean build works out.
    loaded, _ = model.read_content(content_copy)
    tables = DepartmentTable.load(config.path("data.departments")), TopicRules.load(config.path("data.topics"))
    site = model.assemble([doc for doc, _ in loaded], config, *tables, {doc.id: found for doc, found in loaded})
    fresh = {doc.id: doc.key for doc in shown.shown_documents(site)}
    known = cache.Memo(cache.configured_cache_dir(config, out), "shown-keys").load(cache.site_recipe(config))
    reused = {doc.id: doc.key for doc in shown.shown_documents(site, known)}
    assert len(known) == len(fresh) and reused == fresh
