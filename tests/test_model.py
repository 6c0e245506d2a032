"""model: loading content and assembling the site."""

import pickle
import sys
from pathlib import Path

import pytest

from archive.departments import DepartmentTable
from archive.site import model, shown
from archive.topics import TopicRules
from conftest import REPO, SITE_FIXTURE, site_config


@pytest.fixture(scope="module")
def tables():
    return DepartmentTable.load(REPO / "data" / "departments.yaml"), TopicRules.load(REPO / "data" / "topics.yaml")


@pytest.fixture(scope="module")
def site(tables, tmp_path_factory):
    documents, problems = model.load_content(SITE_FIXTURE / "content")
    assert problems == []
    return model.assemble(documents, site_config(tmp_path_factory.mktemp("model")), *tables)


def ids(entries):
    return [entry.id for entry in entries]


def test_a_bad_file_is_a_problem_naming_it_and_the_others_still_load(content_copy):
    (content_copy / "broken.md").write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
    (content_copy / "no-front-matter.md").write_text("正文\n", encoding="utf-8")
    documents, problems = model.load_content(content_copy)
    assert len(documents) == 8
    assert len(problems) == 2
    assert any("broken.md" in p for p in problems) and any("no-front-matter.md" in p for p in problems)


def test_a_reused_id_is_a_problem_naming_both_files(content_copy):
    text = (content_copy / "cn-2018-work-report.md").read_text(encoding="utf-8")
    (content_copy / "zz-copy.md").write_text(text, encoding="utf-8")
    documents, problems = model.load_content(content_copy)
    assert len(documents) == 8
    assert problems and "zz-copy.md" in problems[0] and "cn-2018-work-report.md" in problems[0]


def test_entries_run_newest_first_with_undated_documents_last(site):
    dates = [entry.date for entry in site.entries]
    assert dates[-1] is None
    assert dates[:-1] == sorted(dates[:-1], reverse=True)


def test_a_document_without_a_date_or_type_is_filed_under_the_fallback_with_a_warning(site):
    assert site.years[-1].label == "日期不详" and ids(site.years[-1].entries) == ["cn-undated-opinion"]
    assert site.types[-1].label == "其他" and ids(site.types[-1].entries) == ["cn-2019-circular"]
    assert any("cn-undated-opinion.md" in w and "日期不详" in w for w in site.warnings)
    assert any("cn-2019-circular.md" in w and "其他" in w for w in site.warnings)


def test_collections_list_documents_newest_first(site):
    years = {c.label: ids(c.entries) for c in site.years}
    assert years["2024年"] == ["cn-2024-follow-up-notice", "cn-2024-minutes-73", "cn-2024-minutes-70", "cn-2024-work-report"]
    assert [c.label for c in site.years] == ["2024年", "2020年", "2019年", "2018年", "日期不详"]
    minutes = next(c for c in site.types if c.label == "纪要")
    assert ids(minutes.entries) == ["cn-2024-minutes-73", "cn-2024-minutes-70"]


def test_documents_per_year_count_every_year_between_the_first_and_last_and_leave_undated_out(site):
    counted = {}
    for entry in site.entries:
        if entry.date:
            counted[int(entry.date[:4])] = counted.get(int(entry.date[:4]), 0) + 1
    assert site.per_year() == [(year, counted.get(year, 0)) for year in range(2018, 2025)]
    assert site.per_year()[3] == (2021, 0)
    for collection in site.collections():
        dated = [int(entry.date[:4]) for entry in collection.entries if entry.date]
        expected = [(year, dated.count(year)) for year in range(min(dated), max(dated) + 1)] if dated else []
        assert collection.per_year() == expected, collection.label
    undated = next(c for c in site.years if c.label == "日期不详")
    assert undated.entries and undated.per_year() == []


def test_a_department_page_collects_its_documents_agenda_items_and_tasks(site):
    office = next(c for c in site.departments if c.slug == "qufuban")
    assert "cn-2024-minutes-70" in ids(office.entries)
    assert [item.subject[:4] for _, item in office.agenda] == ["《长宁区", "制订《行", "2024"]
    finance = next(c for c in site.departments if c.slug == "caizhengju")
    assert [(row.number, role) for _, row, role in finance.tasks] == [("1", "主责")]


def test_a_collective_reference_is_shown_but_has_no_page(site):
    entry = site.by_id["cn-2024-minutes-73"]
    collective = [t for t in entry.departments if t.label == "各街道（镇）"]
    assert collective and collective[0].collection is None
    assert all(c.label != "各街道（镇）" for c in site.departments)


def test_a_body_missing_from_the_table_gets_a_stable_hashed_slug(site):
    unknown = next(c for c in site.departments if c.label == "某某临时工作专班")
    assert unknown.slug.startswith("d-") and unknown.slug.isascii()


def test_previous_and_next_follow_time_and_skip_undated_documents(site):
    notice = site.by_id["cn-2024-follow-up-notice"]
    assert notice.next is None and notice.previous.id == "cn-2024-minutes-73"
    assert site.by_id["cn-2024-minutes-73"].next is notice
    oldest = site.by_id["cn-2018-work-report"]
    assert oldest.previous is None
    undated = site.by_id["cn-undated-opinion"]
    assert undated.previous is None and undated.next is None


def test_a_document_citing_a_title_and_a_document_number_links_both_ways(site):
    notice = site.by_id["cn-2024-follow-up-notice"]
    assert ids(notice.cites) == ["cn-2024-minutes-73", "cn-2020-key-work-goals"]
    assert ids(site.by_id["cn-2024-minutes-73"].cited_by) == ["cn-2024-follow-up-notice"]
    assert ids(site.by_id["cn-2020-key-work-goals"].cited_by) == ["cn-2024-follow-up-notice"]


def test_a_document_number_matches_only_with_its_own_prefix(tables, tmp_path):
    from archive.document import Document
    cited = Document({"id": "a", "title": "被引用的文件标题", "date": "2020-01-01", "doc_number": "长府〔2020〕8号"}, "")
    wrong = Document({"id": "b", "title": "另一个文件的标题", "date": "2021-01-01"}, "依据沪府〔2020〕8号执行。")
    right = Document({"id": "c", "title": "第三个文件的标题", "date": "2021-01-02"}, "依据长府〔 2020 〕8 号执行。")
    site = model.assemble([cited, wrong, right], site_config(tmp_path), *tables)
    assert ids(site.by_id["a"].cited_by) == ["c"]


def test_related_documents_share_departments_or_topics_and_exclude_the_document(site):
    for entry in site.entries:
        assert entry not in entry.related
        assert len(entry.related) <= site.config.get("build.related_count")
    minutes = site.by_id["cn-2024-minutes-73"]
    assert "cn-2024-minutes-70" in ids(minutes.related)
    reports = site.by_id["cn-2024-work-report"]
    assert ids(reports.related)[0] == "cn-2018-work-report"


def test_related_documents_scale_linearly_on_a_large_synthetic_archive(tables, tmp_path):
    import time
    from archive.document import Document
    names = [d.name for d in tables[0] if not d.collective][:30]
    labels = [t.label for t in tables[1].topics]
    documents = [Document({"id": f"d{i}", "title": f"关于第{i}项{names[i % 30][-4:]}工作的通知",
                           "date": f"{2000 + i % 24}-{1 + i % 12:02d}-{1 + i % 28:02d}", "doc_type": "通知",
                           "departments": [names[i % 30], names[(i * 7) % 30]], "topics": [labels[i % 22]]},
                          "会议听取汇报。" * 50) for i in range(5000)]
    started = time.perf_counter()
    site = model.assemble(documents, site_config(tmp_path), *tables)
    assert time.perf_counter() - started < 30
    assert all(len(entry.related) == 5 for entry in site.entries)


def test_a_shown_document_sent_to_a_worker_carries_its_text_not_its_body(site):
    for doc in shown.shown_documents(site):
        body = doc.doc.body
        size = sys.getsizeof(body)
        sent = pickle.loads(pickle.dumps(doc))
        assert sent.doc.body == "" and sent.entry is None
        assert (sent.text, sent.fields, sent.key, sent.id, sent.title) == (doc.text, doc.fields, doc.key, doc.id, doc.title)
        # Pickling a str would have left a UTF-8 copy inside it, for as long as the build holds it.
        assert sys.getsizeof(body) == size
