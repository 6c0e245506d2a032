"""Determinism of the synthetic archive generator, on a tiny built-in corpus (needs no ../shared)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_archive  # noqa: E402
from archive.document import DOC_TYPES, parse_document  # noqa: E402


def tiny_corpus():
    corpus = make_archive.Corpus.__new__(make_archive.Corpus)
    corpus.gov = ["全面推进城市更新，完成旧住房成套改造项目两个。", "优化营商环境，新增市场主体12000户。",
                  "加快推进电动自行车充电设施建设，消除安全隐患。"]
    corpus.law = ["本条例自公布之日起施行。", "县级以上人民政府应当加强对公园城市建设工作的领导。"]
    corpus.headings = ["总体要求", "主要任务", "保障措施"]
    corpus.law_headings = ["总则", "法律责任"]
    corpus.subheadings = ["加强消防安全管理", "推进城市更新工作"]
    corpus.subjects = ["城市更新", "营商环境", "消防安全"]
    corpus.law_paths = []
    return corpus


def synth():
    return make_archive.Synth(tiny_corpus(), make_archive.Departments(), DOC_TYPES)


def test_same_seed_same_documents():
    a = [synth().document(i, 7)["text"] for i in range(30)]
    b = [synth().document(i, 7)["text"] for i in range(30)]
    assert a == b
    assert a != [synth().document(i, 8)["text"] for i in range(30)]


def test_written_files_are_byte_identical_and_valid(tmp_path):
    make_archive._SYNTH = synth()
    for form in ("raw", "content"):
        for run in ("a", "b"):
            out = tmp_path / f"{form}-{run}"
            out.mkdir()
            make_archive._write_range((0, 12, out, 3, form))
        a = sorted((tmp_path / f"{form}-a").iterdir())
        b = sorted((tmp_path / f"{form}-b").iterdir())
        assert [p.name for p in a] == [p.name for p in b] and len(a) == 12
        assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b))
    for path in (tmp_path / "content-a").iterdir():
        doc = parse_document(path.read_text(encoding="utf-8"), path)
        assert doc.meta["doc_type"] in DOC_TYPES and doc.meta["date"][:2] == "20"


def test_header_zone_looks_like_a_gongwen():
    doc = synth().document(1, 1)
    lines = doc["text"].splitlines()
    assert "〔" in doc["text"] and doc["title"] in doc["text"].replace("\n", "")
    assert any(line.endswith("日") and "年" in line for line in lines[-6:])
