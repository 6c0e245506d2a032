"""cache: parsed documents and page fingerprints kept between builds."""

import os
import shutil

from archive.site import cache, model
from conftest import SITE_FIXTURE


def age(folder, seconds=60):
    """Date every file back, as if written long before the build (files written within
    model.RACY_NS of a build are parsed again next time)."""
    for path in folder.rglob("*.md"):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 1_000_000_000))


def cached_copy(tmp_path, touched=None):
    """A copy of the fixture's content, dated back (but for `touched`), read once into a saved cache."""
    content = tmp_path / "content"
    shutil.copytree(SITE_FIXTURE / "content", content)
    age(content)
    if touched:
        (content / touched).touch()
    documents = cache.DocumentCache(tmp_path / "cache")
    model.read_content(content, documents)
    documents.save()
    return content


def count_parses(monkeypatch):
    parsed = []
    original = model._parse

    def counting(path):
        parsed.append(path)
        return original(path)

    monkeypatch.setattr(model, "_parse", counting)
    return parsed


def test_unchanged_files_are_not_parsed_again_and_load_the_same(tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(SITE_FIXTURE / "content", content)
    age(content)
    first, problems = model.read_content(content, cache.DocumentCache(tmp_path / "cache"))
    documents = cache.DocumentCache(tmp_path / "cache")
    model.read_content(content, documents)
    documents.save()
    parsed = count_parses(monkeypatch)
    again, _ = model.read_content(content, cache.DocumentCache(tmp_path / "cache"))
    assert parsed == [] and problems == []
    assert [(doc.meta, doc.body, str(doc.path), found) for doc, found in again] == \
           [(doc.meta, doc.body, str(doc.path), found) for doc, found in first]


def test_an_edited_added_or_deleted_file_is_seen(tmp_path, monkeypatch):
    content = cached_copy(tmp_path)
    edited = content / "cn-2019-circular.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: 改", 1), encoding="utf-8")
    shutil.copy(content / "cn-2018-work-report.md", content / "zz-added.md")
    (content / "cn-2024-minutes-70.md").unlink()
    parsed = count_parses(monkeypatch)
    documents = cache.DocumentCache(tmp_path / "cache")
    loaded, problems = model.read_content(content, documents)
    assert sorted(os.path.basename(path) for path in parsed) == ["cn-2019-circular.md", "zz-added.md"]
    assert any(doc.title.startswith("改") for doc, _ in loaded)
    assert all(doc.id != "cn-2024-minutes-70" for doc, _ in loaded)
    assert problems and "zz-added.md" in problems[0]  # the copy reuses an id
    documents.save()
    assert not any("cn-2024-minutes-70" in key for shard in documents._shards.values() for key in shard)


def test_a_file_written_just_now_is_parsed_again_next_time(tmp_path, monkeypatch):
    content = cached_copy(tmp_path, touched="cn-2019-circular.md")
    parsed = count_parses(monkeypatch)
    model.read_content(content, cache.DocumentCache(tmp_path / "cache"))
    assert [os.path.basename(path) for path in parsed] == ["cn-2019-circular.md"]


def test_a_cache_written_by_other_code_or_broken_is_ignored(tmp_path, monkeypatch):
    content = cached_copy(tmp_path)
    monkeypatch.setattr(cache, "parser_recipe", lambda: "other code")
    parsed = count_parses(monkeypatch)
    model.read_content(content, cache.DocumentCache(tmp_path / "cache"))
    assert len(parsed) == 8
    for shard in (tmp_path / "cache" / "documents").iterdir():
        shard.write_bytes(b"\x80\x05garbage")
    parsed.clear()
    model.read_content(content, cache.DocumentCache(tmp_path / "cache"))
    assert len(parsed) == 8


def test_a_manifest_applies_only_to_the_site_and_recipe_it_was_saved_for(tmp_path):
    manifest = cache.PageManifest(tmp_path)
    pages = {"index.html": "a", "2024/x.html": "b"}
    token = cache.PageManifest.token("recipe", pages)
    assert token == cache.PageManifest.token("recipe", dict(reversed(pages.items())))
    manifest.save("recipe", token, pages)
    assert manifest.load("recipe", token) == pages
    assert manifest.load("recipe", "another site") == {}
    assert manifest.load("another recipe", token) == {}
    assert manifest.load("recipe", None) == {}


def test_the_cache_folder_sits_beside_the_output_folder(tmp_path):
    assert cache.cache_dir(tmp_path / "site") == (tmp_path / "site.cache").resolve()
