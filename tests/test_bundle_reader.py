"""The bundle's Python reader (archive/search/bundle_reader.py) and the browser engine (under node) return
the same documents, and the documents a substring scan finds, with the bundle's thresholds
lowered so that the small fixtures reach every branch of the format: frequent strings, paged
roots, terms longer than the stored context (pieces and text checks), several segments and text
past a document's opening."""

from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "search"))
from support import NodeEngine, Oracle, PythonEngine, build  # noqa: E402
from test_search_recall import draw_queries  # noqa: E402

from archive.search import bundle_reader, search_index  # noqa: E402
from archive.search.tokenizer import fold  # noqa: E402
from archive.search.bundle_format import read_varint  # noqa: E402
from archive.site.shown import shown_documents  # noqa: E402

# A string in 3 places of a segment has its document list stored whole, roots longer than 200
# characters go to pages, terms of 6 characters or more are looked up in pieces and checked in
# text, segments hold at most 16 documents, tier files ~300 characters, text past the opening in
# packs of ~500 characters; bucket entries keep just the characters that tell them from their
# neighbours, so that shorter terms are checked in text too.
LIMITS = search_index.Limits(frequent=3, page=200, gram_shards=16, root_shards=64, alias_shards=4, tier_target=300,
                             rest_pack=500, context=5, min_context=3, segment_docs=8, segment_max=16)
TEXT_FILES = {"OPENING": 300}  # text past a row's opening


def build_lowered(folder: Path, limits: search_index.Limits):
    patch = pytest.MonkeyPatch()
    for name, value in TEXT_FILES.items():
        patch.setattr(search_index, name, value)
    # Segments are built in this process: a worker process would import the writer afresh, with
    # the default text file sizes (Limits travel with the jobs, these do not).
    patch.setattr(search_index, "available_cores", lambda: 1)
    try:
        return build(folder, limits=limits)[:2]
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def lowered(tmp_path_factory):
    site, site_dir = build_lowered(tmp_path_factory.mktemp("lowered"), LIMITS)
    node = NodeEngine(site_dir)
    yield site, site_dir, node, PythonEngine(site_dir), Oracle(site)
    node.close()


def queries(site) -> list[str]:
    """The recall queries and, for the pieces, substrings of 6 to 40 characters."""
    rng = random.Random(7)
    texts = [doc.text for doc in shown_documents(site)]
    long = []
    for _ in range(120):
        text = rng.choice(texts)
        length = rng.randint(6, 40)
        start = rng.randrange(max(1, len(text) - length))
        long.append(text[start:start + length].strip().strip('"“”-－'))
    return [*draw_queries(site), *dict.fromkeys(q for q in long if q)]


def test_the_fixture_bundle_reaches_every_branch(lowered):
    _, site_dir, *_ = lowered
    data = site_dir / "search" / "data"
    segments = [folder for folder in data.iterdir() if folder.is_dir() and any(folder.glob("m*.js"))]
    assert len(segments) >= 3
    tiers = [data / tier[0] for tier in bundle_reader.Bundle(site_dir).base["tiers"]]
    assert any(folder.glob("p*.js") for folder in tiers)  # paged roots, grouped by tier
    assert any(len(list(folder.glob("x*.js"))) for folder in segments)  # text past the opening
    bundle = bundle_reader.Bundle(site_dir)
    assert bundle.context == LIMITS.context
    frequent = 0
    assert any(len(list(data.glob(f"{tier[0]}/r*.js"))) > 1 for tier in bundle.base["tiers"])
    for seg in bundle.segments:
        for shard in range(bundle.shard_count(seg, "r")):
            name = f"{seg.key}/r{shard}"
            bundle.load(name)
            text = bundle.files[name]
            at = 0
            while at < len(text):  # every root's record: count its frequent strings
                root, at = bundle_reader._read_chars(text, at, 3)
                size, at = read_varint(text, at)
                frequent += len(bundle_reader._parse_records(text, at, at + size).f)
                at += size
    assert frequent >= 50


def test_the_python_reader_and_the_browser_engine_return_the_same_documents(lowered):
    site, _, node, python, oracle = lowered
    asked = queries(site)
    assert len(asked) >= 500
    wrong = []
    for query in asked:
        browser = node.search(query, limit=None)
        assert "error" not in browser, (query, browser.get("error"))
        mine = python.search(query)
        expected = oracle.ids(query)
        if sorted(mine["ids"]) != sorted(browser["ids"]) or set(mine["ids"]) != expected:
            wrong.append((query, sorted(expected), sorted(browser["ids"]), sorted(mine["ids"])))
    assert wrong == []


def test_the_queries_took_every_path_of_the_reader(lowered, monkeypatch):
    """Counted while the queries run: pages read, long terms cut into pieces, documents checked
    against their text past the opening, alias groups, field prefixes and bucket entries whose
    stored context ends before the term does."""
    site, site_dir, *_ = lowered
    bundle = bundle_reader.Bundle(site_dir)
    seen = {"page": 0, "pieces": 0, "check": 0, "block": 0, "group": 0, "field": 0, "short context": 0}
    load, check, alt_docs, lookup = bundle.load, bundle.check_text, bundle.alt_docs, bundle.lookup

    def counting_load(name):
        seen["page"] += "/p" in name and name not in bundle.files
        seen["block"] += "/x" in name and name not in bundle.files
        return load(name)

    def counting_check(seg, local, alt, field):
        seen["check"] += 1
        seen["field"] += field is not None
        return check(seg, local, alt, field)

    def counting_alt_docs(seg, alt, field):
        seen["pieces"] += len(alt) > bundle.context
        return alt_docs(seg, alt, field)

    def counting_lookup(seg, piece):
        docs, to_check = lookup(seg, piece)
        seen["short context"] += bool(to_check) and len(piece) < bundle.context  # a bucket entry cut short
        return docs, to_check

    monkeypatch.setattr(bundle, "lookup", counting_lookup)
    monkeypatch.setattr(bundle, "load", counting_load)
    monkeypatch.setattr(bundle, "check_text", counting_check)
    monkeypatch.setattr(bundle, "alt_docs", counting_alt_docs)
    for query in queries(site):
        terms = bundle.parse(query)
        seen["group"] += any(bundle.group(term) is not None for term in terms)
        bundle.evaluate_all(terms)
    assert all(count > 0 for count in seen.values()), seen


def test_terms_no_longer_than_the_kept_context_are_never_checked_in_text(lowered, tmp_path):
    """The same fixture with bucket entries keeping min_context characters: a term of at most that
    many characters is answered from the index alone (no row or pack read), with the same answers.
    (At 100,000 documents, a 5-character term whose first 4 characters were unique in a segment
    read a row and a 32,000-character pack in 57 segments.)"""
    site, *_, oracle = lowered
    raised = dataclasses.replace(LIMITS, min_context=LIMITS.context)
    _, site_dir = build_lowered(tmp_path, raised)
    bundle = bundle_reader.Bundle(site_dir)
    short = [q for q in queries(site)
             if all(t.field is None and all(3 <= len(alt) <= LIMITS.context for alt in t.alternatives)
                    for t in bundle.parse(q))]
    assert len(short) >= 30
    checked, lookup = [], bundle.lookup

    def counting_lookup(seg, piece):
        docs, to_check = lookup(seg, piece)
        checked.extend((piece, doc) for doc in to_check)
        return docs, to_check

    bundle.lookup = counting_lookup
    answers = {query: bundle.matching(bundle.evaluate_all(bundle.parse(query))) for query in short}
    assert checked == []
    assert not [name for name in bundle.files if "/m" in name or "/x" in name]
    wrong = [query for query, docs in answers.items() if {bundle.row(doc)["id"] for doc in docs} != oracle.ids(query)]
    assert wrong == []


@pytest.mark.parametrize("text", ["发展", "𠀀𠀁发展𠀂", "a𝒜b", ""])
def test_units_are_javascripts_utf16_code_units(text):
    units = bundle_reader._units(text)
    assert len(units) == len(text.encode("utf-16-le")) // 2
    assert bundle_reader._from_units(units) == text
    assert "".join(bundle_reader._code_points(units)) == units
    assert len(bundle_reader._code_points(units)) == len(text)


def test_a_missing_bundle_is_an_error_naming_the_file(tmp_path):
    with pytest.raises(bundle_reader.BundleError, match="base.js.*build.py build"):
        bundle_reader.Bundle(tmp_path)


def test_a_bundle_of_another_format_is_an_error_saying_to_rebuild(lowered, tmp_path):
    _, site_dir, *_ = lowered
    data = tmp_path / "search" / "data"
    data.mkdir(parents=True)
    text = (site_dir / "search" / "data" / "base.js").read_text(encoding="utf-8")
    version = f'"version":{bundle_reader.FORMAT_VERSION},'
    assert version in text
    (data / "base.js").write_text(text.replace(version, '"version":6,', 1), encoding="utf-8")
    with pytest.raises(bundle_reader.BundleError, match="format 6.*build.py build"):
        bundle_reader.Bundle(tmp_path)


def test_a_long_roots_frequent_strings_need_no_page_and_its_buckets_are_paged_by_what_follows(tmp_path):
    """2020 opens dated lines in every document (a frequent string of the root 202); 2021 is in two
    documents. The root's record is long, so its buckets go to pages: 2020 is answered from the
    root's record alone, 2021年 reads a page of the buckets of 2021 only, and 2022年 none."""
    content = tmp_path / "content"
    content.mkdir()
    for i in range(8):
        lines = [f"2020年{month}月{i + 3}日召开第{month}次会议。" for month in range(1, 7)]
        if i < 2:
            lines.append("2021年工作计划另行印发。")
        (content / f"2024-01-0{i + 1}-01.md").write_text(
            f"---\nid: 2024-01-0{i + 1}-01\ntitle: 会议纪要{i}\ndoc_type: 纪要\ndate: 2024-01-0{i + 1}\n---\n\n"
            + "\n\n".join(lines) + "\n", encoding="utf-8")
    site, site_dir, _ = build(tmp_path / "out", content, search_index.Limits(frequent=4, page=60))
    oracle = Oracle(site)

    def ask(query):
        bundle = bundle_reader.Bundle(site_dir)
        ids = {bundle.row(doc)["id"] for doc in bundle.matching(bundle.evaluate_all(bundle.parse(query)))}
        return ids, bundle, [name for name in bundle.files  # the segments' pages (not the tier files holding them)
                             if name.split("/")[0] in bundle.by_key and name.split("/")[1].startswith("p")]

    ids, bundle, pages = ask("2020")
    assert ids == oracle.ids("2020") and len(ids) == 8
    assert pages == []
    ids, bundle, pages = ask("2021年")
    assert ids == oracle.ids("2021年") and len(ids) == 2
    assert pages
    keys = [key for name in pages for key in bundle_reader._parse_records(bundle_reader._units(bundle.files[name])).b]
    assert keys and all(key.startswith("1") for key in keys)
    # No document holds 2022: no page could hold its bucket, and none is read (the last page
    # before it holds the buckets of 2021).
    ids, bundle, pages = ask("2022年")
    assert ids == set() and pages == []


def test_a_text_check_of_a_term_in_the_opening_reads_no_pack(lowered):
    site, site_dir, *_ = lowered
    bundle = bundle_reader.Bundle(site_dir)
    checked = []
    for doc in range(bundle.count):
        row = bundle.row(doc)
        if row["rest"] < 0:
            continue
        opening = fold(row["opening"])
        term = opening[len(opening) // 2:len(opening) // 2 + 8]
        if term in row["meta"]:
            continue
        seg, local = bundle.place[doc]
        assert bundle.check_text(seg, local, term, None) == (False, True)
        checked.append((seg, local))
    assert len(checked) >= 10
    assert not [name for name in bundle.files if "/x" in name]
    seg, local = checked[0]
    assert bundle.check_text(seg, local, "不在任何文件中的一句话", None) == (False, False)
    assert [name for name in bundle.files if "/x" in name]  # a term not in the opening reads the rest
