"""pipeline.build end to end on the fixture root, and the local server."""

import threading
import urllib.request
from pathlib import Path

import pytest

from archive import pipeline
from archive.config import ConfigError
from archive.serve import make_server
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
    (content_copy / "bad.md").write_text("---\ntitle: 无编号\n---\n正文\n", encoding="utf-8")
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
