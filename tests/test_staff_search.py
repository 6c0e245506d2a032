"""Staff search (archive/staff_search.py): field queries and filters, against the reference scan."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "search"))
from support import CONTENT, Oracle, build  # noqa: E402

from archive.staff_search import SearchError, format_results, search  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site, _, index_dir = build(tmp_path_factory.mktemp("staff"))
    return site, index_dir, Oracle(site)


@pytest.mark.parametrize("query", ["title:重点工作", "doc_number:长府", "title:营商 -招商", "doc_number:[2020]", "title:不存在的标题"])
def test_field_queries_look_in_that_field_only(built, query):
    site, index_dir, oracle = built
    result = search(index_dir, query, limit=None)
    assert {item["id"] for item in result["results"]} == oracle.ids(query)
    field, _, text = query.split()[0].partition(":")
    for item in result["results"]:
        doc = next(entry.doc for entry in site.entries if entry.doc.id == item["id"])
        value = doc.title if field == "title" else doc.meta.get("doc_number", "")
        assert text.replace("[", "").replace("]", "") in value.replace("〔", "").replace("〕", "")


def test_filters_narrow_the_matches(built):
    site, index_dir, oracle = built
    everything = search(index_dir, "发展", limit=None)
    assert everything["total"] == len(oracle.ids("发展"))
    by_year = search(index_dir, "发展", year=2020, limit=None)
    assert by_year["total"] and all(item["date"].startswith("2020") for item in by_year["results"])
    ranged = search(index_dir, "发展", date_from="2024-01-01", date_to="2024-02-28", limit=None)
    assert all("2024-01-01" <= item["date"] <= "2024-02-28" for item in ranged["results"])
    department = everything["results"][0]["departments"][0]
    by_department = search(index_dir, "发展", department=department, limit=None)
    assert by_department["total"] and all(department in item["departments"] for item in by_department["results"])
    doc_type = everything["results"][0]["doc_type"]
    assert all(item["doc_type"] == doc_type for item in search(index_dir, "发展", doc_type=doc_type, limit=None)["results"])
    assert search(index_dir, "发展", limit=3)["total"] == everything["total"]
    assert len(search(index_dir, "发展", limit=3)["results"]) == 3
    assert "篇文件" in format_results(by_year)


def test_a_missing_index_is_a_search_error(tmp_path):
    with pytest.raises(SearchError):
        search(tmp_path / "nothing", "发展")


def test_the_whoosh_index_holds_every_document_and_ranks_a_title_hit_first(built):
    from whoosh import index as whoosh_index

    from archive.staff_search import WHOOSH_DIR
    site, index_dir, oracle = built
    with whoosh_index.open_dir(index_dir / WHOOSH_DIR).searcher() as searcher:
        assert {fields["id"] for fields in searcher.all_stored_fields()} == {entry.doc.id for entry in site.entries}
    result = search(index_dir, "营商环境", limit=None)
    assert result["total"] == len(oracle.ids("营商环境"))
    titled = [item for item in result["results"] if "营商环境" in item["title"]]
    assert len(titled) < result["total"]  # the body-only matches must be outranked
    assert titled and result["results"][0]["id"] == titled[0]["id"]
    assert result["results"][0]["score"] > 0


def _segment_files(folder):
    """{file kind: bytes} of the index's single segment, whatever its random name."""
    from whoosh import index as whoosh_index
    index = whoosh_index.open_dir(folder)
    (segment,) = index._segments()
    files = segment.open_compound_file(index.storage)
    return {name.split(".", 1)[1]: files.open_file(name).read() for name in files.list()}, segment._fieldlengths


def test_a_directly_written_segment_is_byte_for_byte_what_whooshs_writer_makes(tmp_path):
    from whoosh import index as whoosh_index

    from archive.staff_search import _schema, _update_whoosh
    # Enough documents for several posting blocks per common word, repeated words (frequencies),
    # an empty title and non-ASCII words whose byte order differs from insertion order.
    fresh = {}
    for number in range(300):
        title = " ".join(["营商", "环境"] * (number % 3) + [f"标题{number % 7}"]) if number % 11 else ""
        body = " ".join(["发展", f"词{number % 13}", f"word{number % 5}"] + ["建设"] * (number % 4) + ["ß", "z"])
        fresh[f"doc-{number:04d}"] = (title, body)
    _update_whoosh(tmp_path / "direct", rebuild=True, removed=[], fresh=fresh)
    (tmp_path / "whoosh").mkdir()
    writer = whoosh_index.create_in(tmp_path / "whoosh", _schema()).writer()
    for doc_id, (title, body) in sorted(fresh.items()):
        writer.add_document(id=doc_id, title=title, body=body)
    writer.commit()
    assert _segment_files(tmp_path / "direct") == _segment_files(tmp_path / "whoosh")


@pytest.mark.parametrize("direct_write_min", [1, 100])
def test_an_edited_index_returns_what_one_rebuilt_from_empty_returns(tmp_path, monkeypatch, direct_write_min):
    from support import load_site

    from archive import staff_search
    # 1: the edits are written as a segment of their own (as a large batch of edits would be);
    # 100: through Whoosh's writer.
    monkeypatch.setattr(staff_search, "DIRECT_WRITE_MIN", direct_write_min)
    site = load_site(CONTENT)
    staff_search.update_index(site, tmp_path / "edited", tmp_path / "store")
    site.entries[3].doc.body += "\n\n营商环境持续优化，营商环境建设取得成效。"
    site.entries[7].doc.meta["title"] += "（营商环境）"
    site.entries.pop(11)
    staff_search.update_index(site, tmp_path / "edited", tmp_path / "store")
    staff_search.update_index(site, tmp_path / "rebuilt", tmp_path / "store")
    for query in ["营商环境", "发展", "title:重点工作", "建设 -招商"]:
        edited = search(tmp_path / "edited", query, limit=None)
        rebuilt = search(tmp_path / "rebuilt", query, limit=None)
        # Whoosh counts a replaced document in its old segment's statistics until that segment is
        # merged away, so BM25F scores drift a little between rebuilds (and near-ties may swap).
        mine = {item["id"]: item["score"] for item in edited["results"]}
        theirs = {item["id"]: item["score"] for item in rebuilt["results"]}
        assert mine == pytest.approx(theirs, rel=0.05)


def test_the_store_holds_each_documents_folded_fields_as_archive_query_computes_them(built):
    from archive.query import folded_fields
    from archive.shown import shown_documents
    from archive.staff_search import SHARDS, _read_shard
    site, index_dir, _ = built
    stored = {}
    for shard in range(SHARDS):
        stored.update(_read_shard(index_dir, shard))
    assert {doc_id: tuple(entry["folded"]) for doc_id, entry in stored.items()} == {
        doc.id: folded_fields(doc) for doc in shown_documents(site)}


def test_splitting_on_whitespace_gives_the_staff_analyzers_tokens():
    from archive.staff_search import _SPACE_SEPARATED
    text = " ".join(chr(code) + "字" for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    assert [token.text for token in _SPACE_SEPARATED(text)] == text.split()


def test_a_lost_store_shard_is_written_again_by_the_next_update(tmp_path):
    from support import load_site

    from archive import staff_search
    site = load_site(CONTENT)
    staff_search.update_index(site, tmp_path / "index", tmp_path / "store")
    before = search(tmp_path / "index", "发展", limit=None)
    lost = next(shard for shard in range(staff_search.SHARDS)
                if staff_search._read_shard(tmp_path / "index", shard))
    staff_search._shard_path(tmp_path / "index", lost).unlink()
    with pytest.raises(SearchError):
        search(tmp_path / "index", "发展")
    staff_search.update_index(site, tmp_path / "index", tmp_path / "store")
    after = search(tmp_path / "index", "发展", limit=None)
    assert {item["id"] for item in after["results"]} == {item["id"] for item in before["results"]}


def test_a_lost_whoosh_index_is_rebuilt_whole_by_the_next_update(tmp_path):
    import shutil

    from support import load_site

    from archive import staff_search
    site = load_site(CONTENT)
    staff_search.update_index(site, tmp_path / "index", tmp_path / "store")
    before = search(tmp_path / "index", "营商环境", limit=None)
    shutil.rmtree(tmp_path / "index" / staff_search.WHOOSH_DIR)
    staff_search.update_index(site, tmp_path / "index", tmp_path / "store")
    assert search(tmp_path / "index", "营商环境", limit=None) == before


def test_an_unchanged_archive_loaded_again_leaves_the_staff_index_untouched(tmp_path):
    from support import load_site

    from archive.staff_search import STORE, update_index
    update_index(load_site(CONTENT), tmp_path / "index", tmp_path / "store")
    written = {path: path.stat().st_mtime_ns for path in (tmp_path / "index").rglob("*")}
    update_index(load_site(CONTENT), tmp_path / "index", tmp_path / "store")
    assert {path: path.stat().st_mtime_ns for path in (tmp_path / "index").rglob("*")} == written
    assert (tmp_path / "index" / STORE) in written
