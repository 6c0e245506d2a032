"""Recall and precision of every search path (the browser engine under node, the bundle's Python
reader, staff search) against a plain substring scan of the documents."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import opencc
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "search"))
from support import NodeEngine, Oracle, PythonEngine, build  # noqa: E402

from archive.departments import DepartmentTable  # noqa: E402
from archive.search.staff_search import search as staff_search  # noqa: E402
from archive.search.tokenizer import segmenter  # noqa: E402
from archive.site.shown import shown_documents  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site, site_dir, index_dir = build(tmp_path_factory.mktemp("search"))
    engine = NodeEngine(site_dir)
    yield site, engine, index_dir, Oracle(site), PythonEngine(site_dir)
    engine.close()


def draw_queries(site, count_each: int = 40) -> list[str]:
    """Queries of every kind a visitor types, drawn from the documents themselves."""
    rng = random.Random(20240327)
    docs = shown_documents(site)
    texts = [doc.text for doc in docs]
    table = DepartmentTable.load(site.config.path("data.departments"))
    words = sorted({w for text in texts[:20] for w in segmenter(table.names_for_dictionary()).words(text)})
    to_traditional = opencc.OpenCC("s2t")
    queries: list[str] = []

    def substring(length: int) -> str:
        text = rng.choice(texts)
        start = rng.randrange(max(1, len(text) - length))
        return text[start:start + length].strip().strip('"“”-－')

    queries += [substring(rng.randint(2, 9)) for _ in range(3 * count_each)]  # across word boundaries
    queries += [substring(1) for _ in range(count_each)]  # one character
    queries += rng.sample(words, min(len(words), 2 * count_each))  # whole jieba words
    numbers = sorted({m for text in texts for m in re.findall(r"\d+(?:\.\d+)?%?", text)})
    queries += rng.sample(numbers, min(len(numbers), count_each))
    names = sorted({name for doc in docs for name in doc.meta.get("departments", [])})
    queries += names + [alias for d in table for alias in d.aliases[:2]][:count_each]
    numbers_written = sorted({doc.meta["doc_number"] for doc in docs if doc.meta.get("doc_number")})
    queries += numbers_written + [n.replace("〔", "[").replace("〕", "]") for n in numbers_written]
    queries += ["长府〔2020〕8号", "长府[2020]8号", "2286.2", "资布局优化", "2024 招商", "營商環境"]
    queries += [to_traditional.convert(substring(rng.randint(2, 6))) for _ in range(count_each // 2)]
    queries += [f"{rng.choice(numbers)} {rng.choice(words)}" for _ in range(count_each // 2)]  # mixed AND
    queries += [f'"{rng.choice(words)}{rng.choice(words)}"' for _ in range(count_each // 4)]  # phrase
    queries += [f"{rng.choice(words)} -{rng.choice(words)}" for _ in range(count_each // 2)]  # exclusion
    queries += [substring(rng.randint(1, 6)).upper() for _ in range(count_each // 4)]
    queries += ["不存在的词语组合", "zzzz", "ＡＢＣ", "高 质 量", "title:重点工作", "doc_number:长府", "标题：重点工作",
                "文号:长府", "发文字号：〔2024〕"]
    return [q for q in dict.fromkeys(queries) if q.strip()]


def test_the_query_set_has_several_hundred_queries_of_every_kind(built):
    site, *_ = built
    assert len(draw_queries(site)) >= 400


@pytest.mark.parametrize("reader", ["node", "python"])
def test_browser_search_returns_exactly_the_documents_a_substring_scan_finds(built, reader):
    site, node, _, oracle, python = built
    engine = node if reader == "node" else python
    wrong = []
    for query in draw_queries(site):
        answer = engine.search(query, limit=None)
        assert "error" not in answer, (query, answer.get("error"))
        expected = oracle.ids(query)
        if set(answer["ids"]) != expected or answer["total"] != len(expected):
            wrong.append((query, sorted(expected - set(answer["ids"])), sorted(set(answer["ids"]) - expected)))
    assert wrong == []


def test_staff_search_returns_exactly_the_documents_a_substring_scan_finds(built):
    site, _, index_dir, oracle, _ = built
    wrong = []
    for query in draw_queries(site):
        result = staff_search(index_dir, query, limit=None)
        got = {item["id"] for item in result["results"]}
        if got != oracle.ids(query):
            wrong.append((query, sorted(oracle.ids(query) - got), sorted(got - oracle.ids(query))))
    assert wrong == []


def test_browser_and_staff_search_agree_on_every_query(built):
    site, engine, index_dir, _, _ = built
    for query in draw_queries(site, count_each=10):
        browser = set(engine.search(query, limit=None)["ids"])
        staff = {item["id"] for item in staff_search(index_dir, query, limit=None)["results"]}
        assert browser == staff, query


@pytest.mark.parametrize("query, expected_id", [
    ("资布局优化", "2024-03-27-01"),
    ("2286.2", "2024-01-16-01"),
    ("长府〔2020〕8号", "2020-02-26-01"),
    ("长府[2020]8号", "2020-02-26-01"),
])
def test_the_issue_examples_are_found(built, query, expected_id):
    _, engine, _, _, _ = built
    assert expected_id in engine.search(query, limit=None)["ids"]


def test_a_traditional_query_finds_the_simplified_text_and_the_reverse(built):
    _, engine, _, oracle, _ = built
    simplified = set(engine.search("营商环境", limit=None)["ids"])
    assert simplified and simplified == set(engine.search("營商環境", limit=None)["ids"]) == oracle.ids("营商环境")


def test_a_department_short_form_also_finds_the_departments_other_names(built):
    _, engine, _, oracle, _ = built
    short = set(engine.search("发改委", limit=None)["ids"])
    assert set(engine.search('"区发展改革委"', limit=None)["ids"]) <= short
    assert short == oracle.ids("发改委")
