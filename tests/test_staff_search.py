"""Staff search (archive/search/staff_search.py): field queries and filters against the reference scan,
ranking by Whoosh, edits through Whoosh's writer, snippets around the match."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import whoosh.searching

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "search"))
from support import CONTENT, Oracle, build, load_site  # noqa: E402

from archive.search import staff_search  # noqa: E402
from archive.search.search_index import write_search_bundle  # noqa: E402
from archive.search.staff_search import SearchError, format_results, search, update_index  # noqa: E402
from archive.site.shown import shown_documents  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site, _, index_dir = build(tmp_path_factory.mktemp("staff"))
    return site, index_dir, Oracle(site)


def rebuild(site, out: Path) -> None:
    """What a build does after the site changed: the bundle first, then the staff index."""
    documents = shown_documents(site)
    write_search_bundle(documents, out / "site", site.config, out / "store")
    update_index(documents, site.config, out / "index", out / "store", out / "site")


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
    assert ranged["total"] and all("2024-01-01" <= item["date"] <= "2024-02-28" for item in ranged["results"])
    department = everything["results"][0]["departments"][0]
    by_department = search(index_dir, "发展", department=department, limit=None)
    assert by_department["total"] and all(department in item["departments"] for item in by_department["results"])
    doc_type = everything["results"][0]["doc_type"]
    typed = search(index_dir, "发展", doc_type=doc_type, limit=None)["results"]
    assert typed and all(item["doc_type"] == doc_type for item in typed)
    # Each filter keeps exactly the matches that pass it.
    docs = {entry.doc.id: entry.doc for entry in site.entries}
    assert {item["id"] for item in by_year["results"]} == {
        doc_id for doc_id in oracle.ids("发展") if str(docs[doc_id].meta.get("date", ""))[:4] == "2020"}
    assert search(index_dir, "发展", limit=3)["total"] == everything["total"]
    assert len(search(index_dir, "发展", limit=3)["results"]) == 3
    assert "篇文件" in format_results(by_year)


QUERIES = ["发展", "营商环境", "会", "通知", "发改委", "区政府", "2020", "工作 -招商", "建设", "的"]


def test_a_first_page_is_the_head_of_the_whole_ranking(built, monkeypatch):
    """A first page comes from Whoosh's top-N search per count of metadata hits; it is exactly the
    whole ranking's head, ties (newer first) and documents no query word occurs in included."""
    _, index_dir, _ = built
    asked = []
    search_with = whoosh.searching.Searcher.search
    monkeypatch.setattr(whoosh.searching.Searcher, "search",
                        lambda self, q, **kw: asked.append(kw.get("limit")) or search_with(self, q, **kw))
    for_pages = []
    # With a margin of 1 the last document asked for is the limit-th, a tie at the edge: the count
    # is scored whole.
    for margin in (staff_search.PAGE_MARGIN, 1):
        monkeypatch.setattr(staff_search, "PAGE_MARGIN", margin)
        for query in QUERIES:
            whole = [(item["id"], item["score"]) for item in search(index_dir, query, limit=None)["results"]]
            for limit in range(1, 13):
                asked.clear()
                page = search(index_dir, query, limit=limit)
                for_pages += asked
                assert [(item["id"], item["score"]) for item in page["results"]] == whole[:limit], (query, limit)
                assert page["total"] == len(whole)
    # Every way a page is made was taken: a count's best PAGE_MARGIN x limit, a count scored whole
    # when scores tie at its edge, and (会: no word) documents without a word filling the page.
    assert 2 in for_pages and None in for_pages
    assert {item["score"] for item in search(index_dir, "会", limit=3)["results"]} == {3.0}


def test_a_missing_index_is_a_search_error(tmp_path):
    with pytest.raises(SearchError):
        search(tmp_path / "nothing", "发展")


def test_a_missing_site_is_a_search_error_naming_it(built, tmp_path):
    _, index_dir, _ = built
    with pytest.raises(SearchError, match="base.js"):
        search(index_dir, "发展", site_dir=tmp_path / "no-site")


def test_the_whoosh_index_holds_every_document_and_ranks_a_title_hit_first(built):
    from whoosh import index as whoosh_index

    site, index_dir, oracle = built
    with whoosh_index.open_dir(index_dir / staff_search.WHOOSH_DIR).searcher() as searcher:
        assert {fields["id"] for fields in searcher.all_stored_fields()} == {entry.doc.id for entry in site.entries}
    result = search(index_dir, "营商环境", limit=None)
    assert result["total"] == len(oracle.ids("营商环境"))
    titled = [item for item in result["results"] if "营商环境" in item["title"]]
    assert len(titled) < result["total"]  # the body-only matches must be outranked
    assert titled and result["results"][0]["id"] == titled[0]["id"]
    assert result["results"][0]["score"] > 0
    assert all(item["path"].endswith(f"{item['id']}.md") for item in result["results"])


def test_the_query_is_ranked_by_every_jieba_word_it_holds_without_cutting_it(built):
    """The words found in the index for a query include every word jieba cuts from it that the
    index holds (what the query was ranked by when it was cut with jieba)."""
    from whoosh import index as whoosh_index

    from archive.search.bundle_reader import Bundle
    from archive.departments import DepartmentTable
    from archive.search.tokenizer import segmenter
    site, index_dir, _ = built
    tokenizer = segmenter(DepartmentTable.load(site.config.path("data.departments")).names_for_dictionary())
    bundle = Bundle(index_dir / search_head(index_dir)["site"])
    with whoosh_index.open_dir(index_dir / staff_search.WHOOSH_DIR).searcher() as searcher:
        reader = searcher.reader()
        for query in ["营商环境", "进一步优化营商环境", "重点工作目标的通知", "区发展改革委", "电动自行车 发展"]:
            evaluation = bundle.evaluate_all(bundle.parse(query))
            found = {word for _, word in staff_search._query_words(reader, evaluation, bundle.group)}
            cut = {word for word in tokenizer.words(query) if ("body", word) in reader or ("title", word) in reader}
            assert cut and cut <= found, query


def search_head(index_dir: Path) -> dict:
    from archive.site.cache import read_pickle
    return read_pickle(index_dir / staff_search.STORE)


def test_an_edited_index_returns_what_one_rebuilt_from_empty_returns(tmp_path):
    site = load_site(CONTENT)
    rebuild(site, tmp_path / "edited")
    site.entries[3].doc.body += "\n\n营商环境持续优化，营商环境建设取得成效。"
    site.entries[7].doc.meta["title"] += "（营商环境）"
    site.entries.pop(11)
    rebuild(site, tmp_path / "edited")
    shutil.copytree(tmp_path / "edited" / "store", tmp_path / "rebuilt" / "store")  # the same bundle
    rebuild(site, tmp_path / "rebuilt")
    oracle = Oracle(site)
    for query in ["营商环境", "发展", "title:重点工作", "建设 -招商"]:
        edited = search(tmp_path / "edited" / "index", query, limit=None)
        rebuilt = search(tmp_path / "rebuilt" / "index", query, limit=None)
        assert {item["id"] for item in edited["results"]} == oracle.ids(query)
        # Whoosh counts a replaced document in its old segment's statistics until that segment is
        # merged away, so BM25F scores drift a little between rebuilds (and near-ties may swap).
        mine = {item["id"]: item["score"] for item in edited["results"]}
        theirs = {item["id"]: item["score"] for item in rebuilt["results"]}
        assert mine == pytest.approx(theirs, rel=0.05)
        assert {item["id"]: item["snippet"] for item in edited["results"]} == {
            item["id"]: item["snippet"] for item in rebuilt["results"]}


def test_a_first_build_in_batches_ranks_as_one_written_at_once(tmp_path, monkeypatch):
    """A first build writes its documents in batches, each a Whoosh segment of its own; with a
    batch of a few documents' words the fixture makes many segments, and an edit still updates
    across them. BM25F's statistics are the whole index's, so the scores are those of one batch."""
    from whoosh import index as whoosh_index

    site = load_site(CONTENT)
    rebuild(site, tmp_path / "whole")
    monkeypatch.setattr(staff_search, "BATCH_POSTINGS", 1_500)
    rebuild(site, tmp_path / "batched")
    with whoosh_index.open_dir(tmp_path / "batched" / "index" / staff_search.WHOOSH_DIR).reader() as reader:
        assert len(reader.leaf_readers()) >= 4
    oracle = Oracle(site)
    for query in ["营商环境", "发展", "title:重点工作", "建设 -招商"]:
        whole = search(tmp_path / "whole" / "index", query, limit=None)["results"]
        batched = search(tmp_path / "batched" / "index", query, limit=None)["results"]
        assert {item["id"] for item in batched} == oracle.ids(query)
        assert [(item["id"], item["score"]) for item in batched] == [(item["id"], item["score"]) for item in whole]
    site.entries[3].doc.body += "\n\n营商环境持续优化。"
    site.entries.pop(11)
    rebuild(site, tmp_path / "batched")
    oracle = Oracle(site)
    assert {item["id"] for item in search(tmp_path / "batched" / "index", "营商环境", limit=None)["results"]} == oracle.ids("营商环境")


def test_an_update_written_in_the_background_is_put_in_place_when_finished(tmp_path, monkeypatch):
    """What a build does: start the update (here in a process of its own), publish the site, then
    finish. Until then the previous index answers; a rebuild written aside replaces it whole."""
    site = load_site(CONTENT)
    rebuild(site, tmp_path)
    before = search(tmp_path / "index", "营商环境", limit=None)
    site.entries[3].doc.body += "\n\n这是刚刚加入的独特语句。"
    documents = shown_documents(site)
    write_search_bundle(documents, tmp_path / "site", site.config, tmp_path / "store")
    monkeypatch.setattr(staff_search, "BACKGROUND_MIN", 1)
    monkeypatch.setattr(staff_search, "SCHEMA_VERSION", staff_search.SCHEMA_VERSION + "-new")  # a rebuild
    with staff_search.StaffUpdate(documents, site.config, tmp_path / "index", tmp_path / "store",
                                  tmp_path / "site") as update:
        update.start()
        assert update.rebuild and update.in_background
        assert (tmp_path / "index" / staff_search.WHOOSH_DIR).is_dir()  # the old index is still there
        update.finish()
    assert not (tmp_path / "index" / staff_search.ASIDE_DIR).exists()
    oracle = Oracle(site)
    for query in ["营商环境", "独特语句", "发展 -招商"]:
        assert {item["id"] for item in search(tmp_path / "index", query, limit=None)["results"]} == oracle.ids(query)
    assert search(tmp_path / "index", "营商环境", limit=None)["results"][0]["id"] == before["results"][0]["id"]


def test_a_build_that_fails_before_finishing_leaves_the_previous_index(tmp_path, monkeypatch):
    site = load_site(CONTENT)
    rebuild(site, tmp_path)
    before = search(tmp_path / "index", "发展", limit=None)
    monkeypatch.setattr(staff_search, "BACKGROUND_MIN", 1)
    monkeypatch.setattr(staff_search, "SCHEMA_VERSION", staff_search.SCHEMA_VERSION + "-new")
    with pytest.raises(RuntimeError):
        with staff_search.StaffUpdate(shown_documents(site), site.config, tmp_path / "index", tmp_path / "store",
                                      tmp_path / "site") as update:
            update.start()
            raise RuntimeError("the render failed")
    monkeypatch.undo()
    assert not (tmp_path / "index" / staff_search.ASIDE_DIR).exists()
    assert search(tmp_path / "index", "发展", limit=None) == before


def test_documents_whose_cached_words_are_gone_are_cut_again(tmp_path):
    from archive.search.search_index import BUNDLE_CACHE, SEGMENT_WORDS

    site = load_site(CONTENT)
    documents = shown_documents(site)
    write_search_bundle(documents, tmp_path / "site", site.config, tmp_path / "store")
    for words in (tmp_path / "store" / BUNDLE_CACHE).glob(f"*/{SEGMENT_WORDS}"):
        words.unlink()
    update_index(documents, site.config, tmp_path / "index", tmp_path / "store", tmp_path / "site")
    rebuild(site, tmp_path / "cached")
    oracle = Oracle(site)
    for query in ["营商环境", "发展"]:
        cut = search(tmp_path / "index", query, limit=None)["results"]
        cached = search(tmp_path / "cached" / "index", query, limit=None)["results"]
        assert {item["id"] for item in cut} == oracle.ids(query)
        assert [(item["id"], item["score"]) for item in cut] == [(item["id"], item["score"]) for item in cached]


def test_edits_merge_their_own_small_segments_and_leave_the_batches(tmp_path, monkeypatch):
    """Each edit leaves a small Whoosh segment; once SMALL_SEGMENTS exist they are merged, and the
    first build's batches are never rewritten (Whoosh's default policy merged most of them at every
    edit of a 100,000-document index)."""
    from collections import Counter

    from whoosh import index as whoosh_index

    monkeypatch.setattr(staff_search, "BATCH_POSTINGS", 4_000)
    monkeypatch.setattr(staff_search, "SMALL_DOCS", 2)
    monkeypatch.setattr(staff_search, "SMALL_SEGMENTS", 3)

    def sizes() -> Counter:
        with whoosh_index.open_dir(tmp_path / "index" / staff_search.WHOOSH_DIR).reader() as reader:
            return Counter(leaf.doc_count_all() for leaf, _ in reader.leaf_readers())

    site = load_site(CONTENT)
    rebuild(site, tmp_path)
    batches = Counter({size: count for size, count in sizes().items() if size >= 2})
    assert sum(batches.values()) >= 3
    small_seen = []
    for number in range(6):
        site.entries[number].doc.body += f"\n\n第{number}次修改营商环境。"
        rebuild(site, tmp_path)
        now = sizes()
        small_seen.append(sum(count for size, count in now.items() if size < 2))
        assert not batches - now  # every batch segment is still there
    assert max(small_seen) == 3 and small_seen[-1] < 3  # reached the limit, then merged
    oracle = Oracle(site)
    for query in ["营商环境", "发展", "修改营商环境"]:
        assert {item["id"] for item in search(tmp_path / "index", query, limit=None)["results"]} == oracle.ids(query)


def test_segments_are_written_as_plain_files_not_compound_ones(tmp_path):
    """Whoosh's reader copies every part of a compound segment file it opens into memory (postings
    included, on every search); plain files are read where a search asks."""
    site = load_site(CONTENT)
    rebuild(site, tmp_path)
    site.entries[2].doc.body += "\n\n一处修改。"
    rebuild(site, tmp_path)  # an edit's segment too
    files = [path.name for path in (tmp_path / "index" / staff_search.WHOOSH_DIR).iterdir()]
    assert not [name for name in files if name.endswith(".seg")]
    assert len([name for name in files if name.endswith(".pst")]) >= 2


def test_batches_hold_whole_documents_up_to_the_posting_budget(monkeypatch):
    monkeypatch.setattr(staff_search, "BATCH_POSTINGS", 10)
    documents = [(f"d{n}", ("a b", " ".join("w" * (n + 1) for _ in range(n)), "")) for n in range(1, 12)]
    batches = list(staff_search._batches(documents))
    assert [doc for batch in batches for doc in batch] == documents
    for batch in batches:
        words = sum(len(title.split()) + len(body.split()) for _, (title, body, _) in batch)
        assert len(batch) == 1 or words <= 10
    assert list(staff_search._batches([])) == [[]]


def test_an_edit_rewrites_only_the_changed_documents(tmp_path, monkeypatch):
    site = load_site(CONTENT)
    rebuild(site, tmp_path)
    written = []
    update_whoosh = staff_search._update_whoosh

    def recorded(folder, fresh, **kwargs):
        fresh = list(fresh)
        written.append(dict(kwargs, fresh=[doc_id for doc_id, _ in fresh]))
        update_whoosh(folder, fresh=fresh, **kwargs)

    monkeypatch.setattr(staff_search, "_update_whoosh", recorded)
    removed = site.entries.pop(11).doc.id
    site.entries[3].doc.body += "\n\n补充一段。"
    rebuild(site, tmp_path)
    ((change,),) = [written]
    assert not change["rebuild"] and change["removed"] == [removed]
    assert list(change["fresh"]) == [site.entries[3].doc.id]


def test_a_site_swapped_in_before_its_staff_index_is_updated_is_searched_as_it_is(tmp_path):
    """The pipeline publishes the new site before it updates the staff index: meanwhile the set and
    the ids come from the new bundle (ids from the results' rows, not the index's stale list)."""
    site = load_site(CONTENT)
    rebuild(site, tmp_path)
    site.entries.pop(0)
    site.entries[5].doc.body += "\n\n这是刚刚加入的独特语句。"
    write_search_bundle(shown_documents(site), tmp_path / "site", site.config, tmp_path / "store")
    oracle = Oracle(site)
    for query in ["发展", "独特语句", "营商环境 -招商"]:
        assert {item["id"] for item in search(tmp_path / "index", query, limit=None)["results"]} == oracle.ids(query)


def test_a_snippet_shows_the_match_wherever_it_is_in_the_document(tmp_path):
    site = load_site(CONTENT)
    doc = site.entries[4].doc
    doc.body += "\n\n" + "本段为填充文字。" * 600 + "\n\n试点推行首席数据官制度。"
    rebuild(site, tmp_path)
    (item,) = search(tmp_path / "index", "首席数据官", limit=None)["results"]
    assert item["id"] == doc.id and "【首席数据官】制度" in item["snippet"]
    (item,) = search(tmp_path / "index", "首席數據官", limit=None)["results"]  # traditional query
    assert "【首席数据官】" in item["snippet"]
    titled = search(tmp_path / "index", f"title:{doc.title[:4]}", limit=None)["results"]
    assert titled and all(item["snippet"] for item in titled)


def test_splitting_on_whitespace_gives_the_staff_analyzers_tokens():
    text = " ".join(chr(code) + "字" for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    assert [token.text for token in staff_search._SPACE_SEPARATED(text)] == text.split()


def test_a_lost_whoosh_index_is_rebuilt_whole_by_the_next_update(tmp_path):
    site = load_site(CONTENT)
    rebuild(site, tmp_path)
    before = search(tmp_path / "index", "营商环境", limit=None)
    shutil.rmtree(tmp_path / "index" / staff_search.WHOOSH_DIR)
    with pytest.raises(SearchError):
        search(tmp_path / "index", "营商环境")
    rebuild(site, tmp_path)
    assert search(tmp_path / "index", "营商环境", limit=None) == before


def test_an_unchanged_archive_loaded_again_leaves_the_staff_index_untouched(tmp_path):
    rebuild(load_site(CONTENT), tmp_path)
    written = {path: path.stat().st_mtime_ns for path in (tmp_path / "index").rglob("*")}
    rebuild(load_site(CONTENT), tmp_path)
    assert {path: path.stat().st_mtime_ns for path in (tmp_path / "index").rglob("*")} == written
    assert (tmp_path / "index" / staff_search.STORE) in written
