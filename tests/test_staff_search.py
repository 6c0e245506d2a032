"""Staff search (archive/staff_search.py): field queries and filters, against the reference scan."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "search"))
from support import Oracle, build  # noqa: E402

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
