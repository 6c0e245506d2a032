"""The parts of the browser index that only a large archive reaches by default — frequent strings
stored as document lists, long root records cut into pages, terms longer than the stored context,
many shards and segments — built on the small fixtures by lowering their thresholds, and held to
the same answers as a plain scan of what every page shows."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "search"))
from support import CONTENT, NodeEngine, Oracle, load_site  # noqa: E402

from archive import search_index  # noqa: E402
from test_search_recall import draw_queries  # noqa: E402


@pytest.fixture(scope="module")
def small_thresholds(tmp_path_factory):
    out = tmp_path_factory.mktemp("thresholds")
    limits = search_index.Limits(frequent=3, page=200, shard_target=500, context=5, segment_max=16)
    site = load_site(CONTENT)
    search_index.write_search_bundle(site, out / "site", site.config, out / "store", limits)
    engine = NodeEngine(out / "site")
    yield site, out / "site" / "search" / "data", engine
    engine.close()


def test_the_lowered_thresholds_reach_every_kind_of_record(small_thresholds):
    _, data, _ = small_thresholds
    segments = [folder for folder in data.iterdir() if folder.is_dir()]
    assert len(segments) >= 4
    names = [path.name for folder in segments for path in folder.iterdir()]
    assert any(name.startswith("p") for name in names), "no root record was paged"
    assert sum(name.startswith("r") for name in names) > 100
    base = (data / "base.js").read_text(encoding="utf-8")
    assert '"context":5' in base


def test_a_bundle_built_with_lowered_thresholds_answers_every_query_exactly(small_thresholds):
    site, _, engine = small_thresholds
    oracle = Oracle(site)
    queries = draw_queries(site, count_each=25)
    # Terms longer than the 5-character context (looked up in pieces, then checked in text).
    queries += [query for query in queries if len(query) > 8][:40]
    wrong = []
    for query in dict.fromkeys(queries):
        got = set(engine.search(query, limit=None)["ids"])
        if got != oracle.ids(query):
            wrong.append((query, sorted(got ^ oracle.ids(query))[:3]))
    assert len(queries) > 150
    assert not wrong, wrong[:10]
