"""The browser bundle (archive/search/search_index.py): byte-identical builds, incremental rebuilds equal
to clean ones, and the JavaScript query parser against archive/search/query.py."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "search"))
from support import CONTENT, NodeEngine, PythonEngine, load_site  # noqa: E402

from archive.departments import DepartmentTable  # noqa: E402
from archive.search import search_index  # noqa: E402
from archive.search.bundle_format import day_runs, decode_doc_list, stored_days  # noqa: E402
from archive.search.query import department_aliases, parse_query  # noqa: E402
from archive.search.search_index import doc_list, segments_of, write_search_bundle  # noqa: E402
from archive.search.tokenizer import fold, plain_text  # noqa: E402
from archive.site.shown import shown_documents  # noqa: E402


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def bundle(content: Path, out: Path, store: Path, limits=search_index.Limits()) -> dict[str, bytes]:
    site = load_site(content)
    write_search_bundle(shown_documents(site), out, site.config, store, limits)
    return tree(out / "search")


def test_two_builds_are_byte_identical(tmp_path):
    first = bundle(CONTENT, tmp_path / "a", tmp_path / "store-a")
    second = bundle(CONTENT, tmp_path / "b", tmp_path / "store-b")
    assert first == second


def test_segments_built_in_worker_processes_equal_segments_built_in_one(tmp_path, monkeypatch):
    if len(search_index.os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: segments are never built in worker processes")
    # Segments of at most 8 documents: the fixture's 61 make several, so a pool builds them; the
    # workers build with the limits they are given (a paged root at 300 characters).
    limits = search_index.Limits(segment_max=8, page=300, frequent=4)
    pooled = bundle(CONTENT, tmp_path / "pooled", tmp_path / "store-pooled", limits)
    assert len({name.split("/")[1] for name in pooled if name.count("/") == 2}) >= 8
    assert any(name.split("/")[-1].startswith("p") for name in pooled)
    monkeypatch.setattr(search_index.os, "sched_getaffinity", lambda pid: {0})
    single = bundle(CONTENT, tmp_path / "single", tmp_path / "store-single", limits)
    assert pooled == single


def test_a_segment_built_in_small_chunks_is_the_segment_built_whole(tmp_path):
    # The fixture's texts fit in one chunk of either kind; chunks of a few dozen rows and
    # positions cut through many roots and gram ranges.
    whole = bundle(CONTENT, tmp_path / "whole", tmp_path / "store-whole")
    chunked = bundle(CONTENT, tmp_path / "chunked", tmp_path / "store-chunked",
                     search_index.Limits(root_chunk=50, gram_chunk=300))
    assert chunked == whole


def test_a_segment_with_more_distinct_characters_than_int32_pairs_allow_finds_its_pairs(tmp_path):
    # 20,902 common and 42,720 extension-B ideographs: character pairs no longer fit 32 bits.
    common = "".join(map(chr, range(0x4E00, 0x9FA6)))
    rare = "".join(map(chr, range(0x20000, 0x2A6E0)))
    content = tmp_path / "content"
    content.mkdir()
    (content / "2024-01-01-01.md").write_text(
        "---\nid: 2024-01-01-01\ntitle: 字表\ndoc_type: 函\ndate: 2024-01-01\n---\n\n" + common + rare + "\n",
        encoding="utf-8")
    site = load_site(content)
    write_search_bundle(shown_documents(site), tmp_path / "site", site.config, tmp_path / "store")
    node = NodeEngine(tmp_path / "site")
    try:
        assert node.search(chr(0x2A6DE) + chr(0x2A6DF))["total"] == 1
        assert node.search(chr(0x9FA5) + chr(0x20000))["total"] == 1
        assert node.search(chr(0x2A6DF) + chr(0x2A6DE))["total"] == 0
    finally:
        node.close()


def test_the_bundle_leaves_every_documents_words_for_the_staff_index(tmp_path):
    site = load_site(CONTENT)
    write_search_bundle(shown_documents(site), tmp_path / "site", site.config, tmp_path / "store")
    table = DepartmentTable.load(site.config.path("data.departments"))
    tokenizer = search_index.segmenter(table.names_for_dictionary())
    salt = search_index.analysis_salt(tokenizer, search_index.alias_groups(table))
    docs = shown_documents(site)
    words = list(search_index.cached_words(tmp_path / "store", salt, [doc.key for doc in docs]))
    assert len(words) == len(docs) and None not in words
    for doc, cached in zip(docs[:3], words):
        assert cached == " ".join(sorted(set(tokenizer.words(search_index.word_text(doc.fields, doc.text)))))
    assert list(search_index.cached_words(tmp_path / "store", salt + "-other", [docs[0].key])) == [None]


def copied_fixture(tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the fixture content, and a store for its builds' caches."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    return content, tmp_path / "store"


# Segments of about 8 documents (the fixture's 61 make several), tiers of ~300-character files.
TIERED = search_index.Limits(segment_docs=8, segment_max=16, gram_shards=16, root_shards=64, alias_shards=4,
                             tier_target=300)


def change_content(content: Path, change: str, seed: int = 0) -> None:
    paths = sorted(content.glob("*.md"))
    if change == "edit":
        path = paths[5 + seed]
        path.write_text(path.read_text(encoding="utf-8") + f"\n新增一段关于城市更新的文字{seed}。\n", encoding="utf-8")
    elif change == "add":
        text = paths[3].read_text(encoding="utf-8").replace(f"id: {paths[3].stem}", f"id: 2030-01-01-{seed:02d}", 1)
        (content / f"2030-01-01-{seed:02d}.md").write_text(text, encoding="utf-8")
    else:
        paths[7 + seed].unlink()


def base_of(files: dict[str, bytes]) -> dict:
    return json.loads(files["data/base.js"].decode()[len('ArchiveSearch.register("base",'):-3])


@pytest.mark.parametrize("change", ["edit", "add", "delete"])
def test_an_incremental_rebuild_writes_the_changed_document_alone_and_answers_as_a_clean_build(tmp_path, change):
    content, store = copied_fixture(tmp_path)
    before = bundle(content, tmp_path / "before", store, TIERED)
    change_content(content, change)
    after = bundle(content, tmp_path / "after", store, TIERED)
    clean = bundle(content, tmp_path / "clean", tmp_path / "store-clean", TIERED)
    tiers = base_of(after)["tiers"]
    # The tier built before is kept byte for byte; an edit or an addition adds a tier holding one
    # segment of the one changed document, a deletion no index file at all.
    first = {name for name in after if name.startswith(f"data/{tiers[0][0]}/")}
    assert first and all(after[name] == before[name] for name in first)
    folders = [{name.split("/")[1] for name in files if name.count("/") == 2} for files in (before, after)]
    new = folders[1] - folders[0]
    if change == "delete":
        assert len(tiers) == 1 and not new
        # Only the shared files change: the numbering in base.js, the facet lists.
        assert set(after) == set(before)
        assert {n for n in after if after[n] != before[n]} <= {"data/base.js", *(f"data/f-{f}.js" for f in ("type", "department", "topic"))}
    else:
        assert len(tiers) == 2
        recent_segment = (new - {tiers[1][0]}).pop()
        assert sorted(n for n in after if n.startswith(f"data/{recent_segment}/m")) == [f"data/{recent_segment}/m0.js"]
    engines = NodeEngine(tmp_path / "after"), NodeEngine(tmp_path / "clean")
    try:
        for query in ["城市更新", "发展", "营商环境", "会议", "区政府", "关于", "长府", "2024", "新增一段"]:
            answers = [engine.search(query, limit=None) for engine in engines]
            assert answers[0]["ids"] == answers[1]["ids"], query
            assert answers[0]["results"] == answers[1]["results"], query
    finally:
        for engine in engines:
            engine.close()
    # The Python reader agrees (the dead place of the old version is never returned).
    readers = PythonEngine(tmp_path / "after"), PythonEngine(tmp_path / "clean")
    for query in ["城市更新", "新增一段", "发展", "营商环境"]:
        assert readers[0].search(query) == readers[1].search(query), query


def test_an_edit_analyses_the_edited_document_only(tmp_path, monkeypatch):
    content, store = copied_fixture(tmp_path)
    bundle(content, tmp_path / "before", store, TIERED)
    analysed = []
    analyse = search_index._analyse
    monkeypatch.setattr(search_index, "_analyse", lambda item: analysed.append(item) or analyse(item))
    change_content(content, "edit")
    bundle(content, tmp_path / "after", store, TIERED)
    # The other documents keep their segment, and their analyses with it.
    assert len(analysed) == 1 and "城市更新的文字0" in analysed[0][1]


def test_tiers_merge_so_a_query_reads_a_bounded_number_of_files(tmp_path):
    content, store = copied_fixture(tmp_path)
    limits = search_index.Limits(**{**TIERED.__dict__, "max_tiers": 3})
    bundle(content, tmp_path / "site", store, limits)
    for seed in range(6):
        change_content(content, "edit", seed)
        files = bundle(content, tmp_path / f"site{seed}", store, limits)
        tiers = json.loads(files["data/base.js"].decode()[len('ArchiveSearch.register("base",'):-3])["tiers"]
        assert 1 <= len(tiers) <= 3
    node = NodeEngine(tmp_path / "site5")
    try:
        assert node.search("城市更新的文字5")["total"] == 1
        assert node.search("城市更新的文字")["total"] == 6
    finally:
        node.close()


def test_plan_segments_keeps_segments_while_half_their_documents_live():
    limits = search_index.Limits(segment_docs=8, segment_max=16, small_segments=2)
    ids = [f"doc-{n:03d}" for n in range(40)]
    slots = [f"slot-{n}" for n in range(40)]
    previous = [("s1", slots[:16]), ("s2", slots[16:32]), ("s3", slots[32:])]
    assert search_index.plan_segments(previous, slots, ids, limits) == [
        ("s1", list(range(16))), ("s2", list(range(16, 32))), ("s3", list(range(32, 40)))]
    # Document 20 edited, document 3 deleted, one added after it: their places are dead, the
    # segments kept (numbers shift), and the two changed documents make one new segment.
    now = slots[:3] + slots[4:20] + ["slot-20-edited"] + slots[21:25] + ["slot-new"] + slots[25:]
    plan = search_index.plan_segments(previous, now, [f"id-{slot}" for slot in now], limits)
    assert plan == [("s1", [0, 1, 2, -1] + list(range(3, 15))), ("s2", [15, 16, 17, 18, -1] + list(range(20, 24)) + list(range(25, 32))),
                    (None, [19, 24]), ("s3", list(range(32, 40)))]
    # Under half live: the segment is built again with the changed documents.
    half_gone = [f"new-{n}" for n in range(9)] + slots[9:]
    plan = search_index.plan_segments(previous, half_gone, ids, limits)
    assert [key for key, _ in plan if key] == ["s2", "s3"]
    assert sorted(n for key, numbers in plan if key is None for n in numbers) == list(range(16))
    # A document in two kept segments (an edit undone) is held by the first; more than
    # small_segments small segments are built again together.
    small = [(f"e{n}", [slots[n]]) for n in range(3)]
    plan = search_index.plan_segments([("s1", slots[:16])] + small, slots[:16], ids[:16], limits)
    assert plan == [("s1", list(range(16)))]
    plan = search_index.plan_segments(small, slots[:3], ids[:3], limits)
    assert plan == [(None, [0, 1, 2])]
    plan = search_index.plan_segments(small[:2], slots[:2], ids[:2], limits)
    assert plan == [(None, [0, 1])]
    assert search_index.plan_segments(small[:1], slots[:2], ids[:2], limits) == [("e0", [0]), (None, [1])]


def test_many_edits_and_an_undone_edit_answer_as_a_clean_build(tmp_path):
    content, store = copied_fixture(tmp_path)
    limits = search_index.Limits(**{**TIERED.__dict__, "small_segments": 2})
    bundle(content, tmp_path / "site", store, limits)
    path = sorted(content.glob("*.md"))[5]
    original = path.read_text(encoding="utf-8")
    for seed in range(4):
        change_content(content, "edit", seed)
        files = bundle(content, tmp_path / f"site{seed}", store, limits)
        sizes = [sum(count for _, count in zip(runs[::2], runs[1::2])) for runs in (s[1] for s in base_of(files)["segments"])]
        assert sum(size < 2 for size in sizes) <= 2
    path.write_text(original, encoding="utf-8")  # the first edit undone
    bundle(content, tmp_path / "undone", store, limits)
    bundle(content, tmp_path / "clean", tmp_path / "store-clean", limits)
    engines = NodeEngine(tmp_path / "undone"), NodeEngine(tmp_path / "clean")
    readers = PythonEngine(tmp_path / "undone"), PythonEngine(tmp_path / "clean")
    try:
        for query in ["城市更新的文字", "城市更新的文字0", "城市更新的文字3", "发展", "营商环境", "关于"]:
            answers = [engine.search(query, limit=None) for engine in engines]
            assert answers[0]["ids"] == answers[1]["ids"], query
            assert readers[0].search(query) == readers[1].search(query), query
        assert answers[0]["total"] > 0 and engines[0].search("城市更新的文字")["total"] == 3
    finally:
        for engine in engines:
            engine.close()


def test_plan_tiers_keeps_tiers_while_half_their_documents_live_and_merges_the_smallest():
    base = {"segments": [["a", 100], ["b", 100], ["c", 100]]}
    # b edited into b2: the base tier keeps b's records unread; b2 gets a tier of its own.
    plan = search_index.plan_tiers([base], [("a", 100), ("b2", 100), ("c", 100)], 4)
    assert [t["segments"] for t in plan] == [base["segments"], [["b2", 100]]]
    # Less than half of a tier live: its live segments are written anew with the fresh ones.
    plan = search_index.plan_tiers([base], [("a", 100), ("b2", 100), ("c2", 100)], 4)
    assert [t["segments"] for t in plan] == [[["a", 100], ["b2", 100], ["c2", 100]]]
    # More tiers than allowed: the two smallest merge, from their live segments, in number order.
    tiers = [base, {"segments": [["d", 5]]}, {"segments": [["e", 3], ["x", 3]]}]
    plan = search_index.plan_tiers(tiers, [("a", 100), ("b", 100), ("c", 100), ("e", 3), ("d", 5), ("f", 1)], 3)
    assert sorted(map(str, (t["segments"] for t in plan))) == sorted(map(str, [
        base["segments"], [["e", 3], ["x", 3]], [["d", 5], ["f", 1]]]))


def test_segment_boundaries_do_not_move_when_a_document_is_added():
    ids = [f"doc-{n:05d}" for n in range(20000)]
    before = segments_of(ids)
    after = segments_of(ids[:100] + ["new-doc"] + ids[100:])
    ends_before = {ids[end - 1] for _, end in before}
    ends_after = {([*ids[:100], "new-doc", *ids[100:]])[end - 1] for _, end in after}
    assert len(ends_before ^ ends_after) <= 2


@given(st.lists(st.integers(0, 999), unique=True).map(sorted))
def test_document_lists_round_trip(numbers):
    assert decode_doc_list(doc_list(numbers, 1000)) == numbers


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    site = load_site(CONTENT)
    write_search_bundle(shown_documents(site), out / "site", site.config, out / "store")
    node = NodeEngine(out / "site")
    yield site, node
    node.close()


def python_terms(site, query):
    aliases = department_aliases(DepartmentTable.load(site.config.path("data.departments")))
    return [{"text": t.text, "alternatives": list(t.alternatives), "exclude": t.exclude, "phrase": t.phrase,
             "field": t.field} for t in parse_query(query, aliases)]


def js_terms(node, query):
    terms = node.ask({"parse": query})["terms"]
    return [{key: term[key] for key in ("text", "alternatives", "exclude", "phrase", "field")} for term in terms]


@pytest.mark.parametrize("query", ["营商环境", '"2024 招商" -会议', "title:重点 doc_number:长府", "發改委", "－招商 “公园城市”",
                                   "标题:重点 文号：长府", "发文字号:长府 标题：", ":标题:重点", "标题：:重点",
                                   "ＡＢＣ　abc", '"未闭合', "-", "title:", "a\u200bb"])
def test_javascript_parses_queries_as_python_does(engine, query):
    site, node = engine
    assert js_terms(node, query) == python_terms(site, query)


def shape(terms):
    # The browser's fold table holds only mappings into the archive's characters (a query character
    # folding to anything else cannot match), so texts may differ in such characters, never in length.
    return [(t["exclude"], t["phrase"], t["field"], len(t["text"]), len(t["alternatives"])) for t in terms]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
       | st.text(alphabet='"“”-－: \u3000title_docnumber营商环境发改委', max_size=40))
def test_the_javascript_parser_takes_any_string(engine, query):
    site, node = engine
    assert shape(js_terms(node, query)) == shape(python_terms(site, query))


def only_search(content: Path, out: Path, query: str) -> list[dict]:
    """The browser engine's results for one query over the bundle of a content folder."""
    site = load_site(content)
    write_search_bundle(shown_documents(site), out / "site", site.config, out / "store")
    node = NodeEngine(out / "site")
    try:
        return node.search(query)["results"]
    finally:
        node.close()


def test_a_snippet_shows_a_match_near_the_end_of_a_long_document(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    bodies = [path.read_text(encoding="utf-8").split("---", 2)[2] for path in sorted(CONTENT.glob("*.md"))[:12]]
    ending = "最后一段写明长文档末尾的独有句子。"
    (content / "2030-01-01-01.md").write_text(
        "---\nid: 2030-01-01-01\ntitle: 长文档\ndoc_type: 通知\ndate: 2030-01-01\n---\n\n"
        + "\n\n".join(bodies) + "\n\n" + ending + "\n", encoding="utf-8")
    (long_doc,) = [doc for doc in shown_documents(load_site(content)) if doc.id == "2030-01-01-01"]
    assert long_doc.text.index(ending) > search_index.OPENING + 8_000  # far past the opening, in its pack
    (result,) = only_search(content, tmp_path, "独有句子")
    marked = "".join(part for part, mark in result["snippet"] if mark)
    assert result["id"] == "2030-01-01-01" and marked == "独有句子"
    assert "长文档末尾" in "".join(part for part, _ in result["snippet"])


def test_a_match_in_metadata_a_result_does_not_list_is_shown_from_the_text(tmp_path):
    # 财政 is a topic of the document (主题分类: not listed under a result) and is in its text
    # past an opening that does not hold it: its snippet is cut there, not from the opening.
    content = tmp_path / "content"
    content.mkdir()
    (content / "2030-01-02-01.md").write_text(
        "---\nid: 2030-01-02-01\ntitle: 工作要点\ndoc_type: 通知\ndate: 2030-01-02\ntopics:\n- 财政、金融、审计\n---\n\n"
        + "会议听取了工作汇报。" * 250 + "\n\n提升财政资金使用效益。\n", encoding="utf-8")
    (result,) = only_search(content, tmp_path, "財政")
    assert search_index.OPENING < 2_500
    marked = [part for part, mark in result["snippet"] if mark]
    assert marked and set(marked) == {"财政"} and "资金" in "".join(part for part, _ in result["snippet"])


def test_a_document_matched_by_its_number_alone_shows_its_opening(engine):
    site, node = engine
    doc = next(entry.doc for entry in site.entries if entry.doc.meta.get("doc_number") == "长府〔2020〕8号")
    (result,) = node.search("长府〔2020〕8号")["results"]
    opening = "".join("".join(text for text, _ in result["snippet"]).split())
    assert result["id"] == doc.id and "".join(plain_text(doc.body).split()).startswith(opening[:30].lstrip("…"))


def test_snippets_kept_for_a_repeated_query_are_its_own(engine):
    _, node = engine
    first = node.search("营商环境")["results"]
    assert node.search("营商环境")["results"] == first
    # The same documents for another term: their snippets show that term, not the first one's.
    marked = [{text for text, mark in result["snippet"] if mark} for result in node.search("会议 营商环境")["results"]]
    assert all(any(fold(text) in term for term in ("营商环境", "会议")) for marks in marked for text in marks)
    assert any("会议" in marks for marks in marked)
    assert node.search("营商环境")["results"] == first


def test_a_thousand_character_query_answers(engine):
    _, node = engine
    answer = node.search("的" * 400 + " 营商环境 " * 60 + "x" * 300)
    assert "error" not in answer
    long_phrase = node.search("为" * 1000)
    assert "error" not in long_phrase and long_phrase["total"] == 0


def test_documents_dated_before_1970_build_sort_and_filter(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    dates = {"1954-09-20": "宪法草案", "1969-12-31": "年末通知", "1970-01-01": "元旦通知", "2024-04-24": "常务会议", None: "无日期"}
    for number, (date, title) in enumerate(dates.items()):
        dated = f"date: {date}\n" if date else ""
        (content / f"doc-{number}.md").write_text(
            f"---\nid: doc-{number}\ntitle: {title}共同文字\ndoc_type: 通知\n{dated}---\n\n正文共同文字。\n", encoding="utf-8")
    site = load_site(content)
    write_search_bundle(shown_documents(site), tmp_path / "site", site.config, tmp_path / "store")
    node = NodeEngine(tmp_path / "site")
    try:
        by_date = node.search("共同文字", limit=None, sort="date")
        assert [r["date"] for r in by_date["results"]] == ["2024-04-24", "1970-01-01", "1969-12-31", "1954-09-20", None]
        assert node.search("共同文字", limit=None, year=1954)["ids"] == ["doc-0"]
        assert node.search("共同文字", limit=None, year=1969)["ids"] == ["doc-1"]
        assert node.search("共同文字", limit=None, year="undated")["ids"] == ["doc-4"]
        span = node.search("共同文字", limit=None, sort="date", **{"from": "1950-01-01", "to": "1970-01-01"})
        assert span["ids"] == ["doc-2", "doc-1", "doc-0"]
    finally:
        node.close()


def test_date_runs_never_hand_varints_a_negative_number():
    origin, runs = search_index.date_runs(["1970-01-01", "1969-12-31", "1969-12-31", None, "1949-10-01"])
    assert origin == search_index.day_number("1949-10-01") < 0
    # Stored days -origin + 1, -origin (twice), 0 (undated), 1: steps 1, -origin, -1, zigzagged.
    assert runs == [-origin + 1, 1, 2, 2, -origin * 2, 1, 1, 1]
    assert stored_days(runs) == [-origin + 1, -origin, -origin, 0, 1]
    assert all(value >= 0 for value in runs)
    with pytest.raises(ValueError):
        search_index.varints([3, -1])
    with pytest.raises(ValueError):
        search_index.varints(search_index.np.array([-5] * 100))


@given(st.lists(st.integers(min_value=0, max_value=60_000), max_size=60))
def test_day_runs_round_trip_in_any_order(days):
    runs = day_runs(days)
    assert stored_days(runs) == days and all(value >= 0 for value in runs)


def test_a_two_character_term_that_is_a_whole_word_earns_the_word_bonus(engine):
    # Words of two characters are listed in the gram shards; the bonus multiplies a hit's weight.
    _, node = engine
    scores = {result["score"] for result in node.search("发展", limit=None)["results"]}
    assert scores & {1.5, 4.5}, scores


def test_the_bundle_carries_its_format_for_the_javascript(engine, tmp_path):
    import json
    from archive.search.bundle_format import client_format
    site, _ = engine
    write_search_bundle(shown_documents(site), tmp_path / "site", site.config, tmp_path / "store")
    text = (tmp_path / "site" / "search" / "data" / "base.js").read_text(encoding="utf-8")
    payload = json.loads(text[text.index(",") + 1:text.rindex(");")])
    assert payload["format"] == json.loads(json.dumps(client_format()))
    script = (Path(__file__).resolve().parent.parent / "search" / "archive-search.js").read_text(encoding="utf-8")
    # The reader holds none of the format's values itself.
    for value in ("ABCDEFGHIJ", "'~'", "doc_number: true", "\\u3000"):
        assert value not in script, value


def test_the_department_filter_takes_any_name_of_the_department(engine):
    site, node = engine
    table = DepartmentTable.load(site.config.path("data.departments"))
    full = table.canonical("区发改委")
    assert full and full != "区发改委"
    by_full = node.search("", limit=None, department=full)
    assert by_full["total"] > 0
    for name in ("区发改委", "发改委", full):
        assert node.search("", limit=None, department=name)["ids"] == by_full["ids"], name
    assert node.search("", limit=None, department="不存在的部门")["total"] == 0
