import re
from pathlib import Path

import pytest

from archive.departments import DataError, DepartmentTable
from archive.topics import Topic, TopicRules

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"


@pytest.fixture(scope="module")
def rules() -> TopicRules:
    return TopicRules.load(ROOT / "data" / "topics.yaml")


@pytest.fixture(scope="module")
def table() -> DepartmentTable:
    return DepartmentTable.load(ROOT / "data" / "departments.yaml")


def minute_items(source: str) -> dict[str, str]:
    """Agenda paragraphs of a minutes sample, keyed by subject, line breaks removed."""
    text = re.sub(r"\s+", "", (SOURCES / source).read_text(encoding="utf-8"))
    items = {}
    for item in re.split(r"(?=会议听取)", text)[1:]:
        items[re.match(r"会议听取.*?关于(.*?)的汇报", item).group(1)] = item
    return items


def test_the_taxonomy_has_the_22_state_council_categories_in_order(rules):
    labels = [topic.label for topic in rules.topics]
    assert len(labels) == 22
    assert labels[0] == "国务院组织机构" and labels[2] == "国民经济管理、国有资产监管"
    assert labels[9] == "城乡建设、环境保护" and labels[10] == "科技、教育" and labels[-1] == "其他"
    assert all(isinstance(topic, Topic) for topic in rules.topics)


def test_every_topic_has_a_unique_ascii_slug(rules):
    slugs = [topic.slug for topic in rules.topics]
    assert len(set(slugs)) == 22
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs)


def test_every_department_a_rule_names_is_a_canonical_name_of_the_table(rules, table):
    assert {name for name in rules.rule_departments() if table.get(name) is None} == set()


def test_business_environment_and_investment_promotion_go_to_economy_and_trade(rules):
    text = "持续优化营商环境，加大招商引资力度，做好企业服务，推动重点项目落地，吸引跨国公司地区总部。"
    assert rules.assign(text) == ["国民经济管理、国有资产监管", "商贸、海关、旅游"]


def test_ecological_environment_goes_to_urban_construction_and_environment(rules):
    text = "贯彻落实生态环境保护督察反馈意见，抓好整改，推进水环境治理和大气污染防治。"
    assert rules.assign(text) == ["城乡建设、环境保护"]


def test_education_goes_to_science_and_education(rules):
    text = "推进紧密型学区化集团化办学，新建幼儿园和中小学，加强教师队伍建设，提升义务教育质量。"
    assert rules.assign(text) == ["科技、教育"]


def test_a_department_alone_is_enough_evidence_for_its_topic(rules):
    assert rules.assign("会议听取区教育局关于有关情况的汇报。", ["上海市长宁区教育局"]) == ["科技、教育"]


def test_text_without_evidence_gets_no_topic(rules):
    assert rules.assign("会议还研究了其他事项。") == []
    assert rules.assign("") == []


def test_one_passing_mention_does_not_tag_a_long_text(rules):
    text = "推进旧区改造和城市更新，" * 100 + "做好教育工作。"
    assert "科技、教育" not in rules.assign(text)


@pytest.mark.parametrize("subject, expected", [
    ("制订《行政规范性文件管理实施办法》相关情况", ["综合政务"]),
    ("长宁国资布局优化调整方案情况", ["国民经济管理、国有资产监管"]),
    ("贯彻落实上海市生态环境保护例行督察反馈意见整改情况", ["城乡建设、环境保护"]),
    ("长宁区与金山区签订《深化农村综合帮扶协议书》（2023年-2027年）相关情况", ["民政、扶贫、救灾"]),
])
def test_agenda_items_of_meeting_70_get_their_obvious_topic(rules, table, subject, expected):
    item = minute_items("2024-03-27-executive-meeting-70.txt")[subject]
    reporter = table.find_all(re.match(r"会议听取(.*?)关于", item).group(1))
    assert rules.assign(item, reporter) == expected


def test_the_childrens_friendly_district_item_is_about_women_and_children(rules, table):
    item = minute_items("2024-03-27-executive-meeting-70.txt")["上海市儿童友好先行实践区建设申报材料情况"]
    assert "人口与计划生育、妇女儿童工作" in rules.assign(item, ["长宁区妇女儿童工作委员会办公室"])


@pytest.mark.parametrize("subject, expected", [
    ("2024年一季度招商引资工作完成情况", ["国民经济管理、国有资产监管", "商贸、海关、旅游"]),
    ("制定《长宁区消防安全集中除患攻坚大整治行动工作职责分工方案》情况", ["市场监管、安全生产监管"]),
    ("起草《2024年上海市长宁区政务公开工作要点与责任分工》情况", ["综合政务"]),
])
def test_agenda_items_of_meeting_73_get_their_obvious_topic(rules, table, subject, expected):
    item = minute_items("2024-04-24-executive-meeting-73.txt")[subject]
    reporter = table.find_all(re.match(r"会议听取(.*?)关于", item).group(1))
    assert rules.assign(item, reporter) == expected


def test_every_agenda_item_of_both_minutes_gets_one_to_three_topics(rules, table):
    for source in ("2024-03-27-executive-meeting-70.txt", "2024-04-24-executive-meeting-73.txt"):
        for item in minute_items(source).values():
            assert 1 <= len(rules.assign(item, table.find_all(item))) <= 3, item[:40]


def test_a_whole_minutes_document_gets_at_most_three_topics(rules, table):
    text = (SOURCES / "2024-03-27-executive-meeting-70.txt").read_text(encoding="utf-8")
    assert 1 <= len(rules.assign(text, table.find_all(text))) <= 3


def test_a_work_report_gets_many_topics_including_the_obvious_ones(rules, table):
    text = (SOURCES / "2024-01-16-government-work-report.txt").read_text(encoding="utf-8")
    topics = rules.assign(text, table.find_all(text))
    assert 6 <= len(topics) <= 12
    for label in ("国民经济管理、国有资产监管", "城乡建设、环境保护", "科技、教育", "民政、扶贫、救灾"):
        assert label in topics
    assert topics == [topic.label for topic in rules.topics if topic.label in topics]


def test_labels_come_back_in_taxonomy_order(rules):
    text = "国防动员 国防动员 国防动员 政务公开 政务公开 政务公开"
    assert rules.assign(text) == ["综合政务", "国防"]


def test_a_topic_without_slug_is_reported_by_label(tmp_path):
    path = tmp_path / "topics.yaml"
    path.write_text("scoring: {department_weight: 3, min_score: 3, per_thousand_chars: 1, relative_to_best: 0.2,"
                    " max_topics_base: 2, chars_per_extra_topic: 2000, max_topics: 12}\n"
                    "topics:\n  - label: 国防\n    keywords: [国防]\n", encoding="utf-8")
    with pytest.raises(DataError, match="topics.yaml: 国防: slug must be"):
        TopicRules.load(path)


def test_a_missing_scoring_value_is_reported(tmp_path):
    path = tmp_path / "topics.yaml"
    path.write_text("scoring: {min_score: 3}\ntopics: []\n", encoding="utf-8")
    with pytest.raises(DataError, match="scoring: department_weight must be a non-negative number"):
        TopicRules.load(path)


def test_a_missing_topics_file_is_named(tmp_path):
    with pytest.raises(DataError, match="none.yaml: file not found"):
        TopicRules.load(tmp_path / "none.yaml")
