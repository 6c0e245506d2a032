"""Folding rules and jieba words (archive/search/tokenizer.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from archive.departments import DepartmentTable
from archive.document import load_document
from archive.search.tokenizer import Segmenter, fold, fold_char, plain_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "content").glob("*.md")) + sorted((ROOT / "tests" / "fixtures" / "search" / "content").glob("*.md"))


@pytest.mark.parametrize("text, folded", [
    ("高 质 量\n发展", "高质量发展"),  # whitespace and line breaks inside words vanish
    ("ＡＢＣ１２３", "abc123"),  # full width -> ASCII, lower case
    ("營商環境", "营商环境"),  # traditional -> simplified
    ("长府〔2020〕8号", "长府[2020]8号"),
    ("长府【2020】8号", "长府[2020]8号"),
    ("长府［2020］8号", "长府[2020]8号"),
    ("⼀", "一"),  # Kangxi radical
    ("a\u200bb\ufeffc", "abc"),
])
def test_folding_rules(text, folded):
    assert fold(text) == folded


def test_fast_folding_equals_folding_character_by_character():
    rng = random.Random(7)
    texts = [path.read_text(encoding="utf-8") for path in SAMPLES[:10]]
    texts += ["".join(chr(rng.randrange(0, 0x30000)) for _ in range(200)) for _ in range(200)]
    for text in texts:
        assert fold(text) == "".join(map(fold_char, text))
        assert fold(fold(text)) == fold(text)


@pytest.fixture(scope="module")
def dictionary():
    return DepartmentTable.load(ROOT / "data" / "departments.yaml").names_for_dictionary()


def test_the_dictionary_holds_the_department_names(dictionary):
    segmenter = Segmenter(dictionary, accelerate=False)
    name = next(word for word in dictionary if len(word) >= 6)
    assert name in segmenter.cut(f"会议听取{name}的汇报")


def test_rjieba_cuts_the_sample_archive_exactly_as_jieba(dictionary):
    pytest.importorskip("rjieba")
    fast, slow = Segmenter(dictionary), Segmenter(dictionary, accelerate=False)
    fast.load()
    assert fast._fast is not None
    for path in SAMPLES:
        doc = load_document(path)
        # What the index cuts: metadata values and the body's plain text; and the raw file too.
        text = "\n".join([*(v for value in doc.meta.values() if isinstance(value, str) for v in [value]),
                          plain_text(doc.body)])
        for sample in (text, path.read_text(encoding="utf-8")):
            assert fast.cut(sample) == slow.cut(sample), path.name
            assert fast.words(sample) == slow.words(sample), path.name
