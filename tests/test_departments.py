import re
import time
from pathlib import Path

import pytest
import yaml

from archive.departments import CITY, ELSEWHERE, HOME, DataError, Department, DepartmentTable

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "departments.yaml"
SOURCES = ROOT / "sources"


@pytest.fixture(scope="module")
def table() -> DepartmentTable:
    return DepartmentTable.load(DATA)


def write_table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "departments.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ── loading ──────────────────────────────────────────────────────────────────


def test_every_entry_has_a_unique_ascii_slug(table):
    slugs = [department.slug for department in table]
    assert len(slugs) == len(set(slugs))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs)


def test_well_known_slugs_are_the_documented_ones(table):
    assert table.get("上海市长宁区发展和改革委员会").slug == "fagaiwei"
    assert table.get("华阳路街道").slug == "huayanglu-jiedao"


def test_departments_are_frozen_and_carry_kind_level_and_aliases(table):
    department = table.get("上海市长宁区科学技术委员会")
    assert isinstance(department, Department)
    assert department.kind == "委办局"
    assert department.level == "区"
    assert "科委" in department.aliases
    assert not department.collective
    with pytest.raises(Exception):
        department.slug = "other"  # type: ignore[misc]


def test_street_offices_and_the_town_are_of_kind_jiezhen(table):
    jiezhen = [department.name for department in table if department.kind == "街镇"]
    assert len(jiezhen) == 10
    assert "新泾镇" in jiezhen and "北新泾街道" in jiezhen


def test_municipal_bodies_have_level_shi(table):
    assert table.get("上海市发展和改革委员会").level == "市"
    assert table.get("国务院安全生产委员会办公室").level == "国家"


def test_collective_references_are_flagged(table):
    assert table.get("各街道（镇）").collective
    assert table.get("区政府各委、办、局").collective


def test_every_form_seen_in_the_seeds_resolves_to_its_entry(table):
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    for name, entry in data.items():
        if name == "matching":
            continue
        for form in entry.get("seen_in_seeds", []):
            assert table.canonical(form) == name, form


@pytest.mark.parametrize("canonical, short", [
    ("上海市长宁区财政局", "财政局"),
    ("上海市长宁区发展和改革委员会", "发改委"),
    ("上海市长宁区人民政府办公室", "区府办"),
    ("华阳路街道", "华阳路街道"),
    ("上海市发展和改革委员会", "市发改委"),
])
def test_every_department_has_the_short_name_tables_print(table, canonical, short):
    assert table.get(canonical).short_name == short


def test_every_short_name_reads_back_as_its_own_department(table):
    for department in table:
        assert table.canonical(department.short_name) == department.name, department.short_name


def test_the_short_name_defaults_to_the_first_alias_then_the_name(tmp_path):
    path = write_table(tmp_path, "甲局:\n  slug: a\n  kind: 委办局\n  aliases: [甲, 区甲局]\n"
                                 "乙局:\n  slug: b\n  kind: 委办局\n")
    table = DepartmentTable.load(path)
    assert [department.short_name for department in table] == ["甲", "乙局"]


@pytest.mark.parametrize("short", ["丙局", "[甲]", "''"])
def test_a_short_name_that_is_not_one_of_the_entrys_names_is_rejected(tmp_path, short):
    path = write_table(tmp_path, f"甲局:\n  slug: a\n  short: {short}\n  kind: 委办局\n  aliases: [甲]\n")
    with pytest.raises(DataError, match="甲局: short must be the name or one of the aliases"):
        DepartmentTable.load(path)


def test_a_missing_file_is_named_in_the_error(tmp_path):
    with pytest.raises(DataError, match="nowhere.yaml: file not found"):
        DepartmentTable.load(tmp_path / "nowhere.yaml")


def test_invalid_yaml_is_reported_with_file_and_line(tmp_path):
    path = write_table(tmp_path, "区府办:\n  slug: [unclosed\n")
    with pytest.raises(DataError, match=r"departments.yaml: line \d+: not valid YAML"):
        DepartmentTable.load(path)


def test_a_missing_slug_names_the_entry(tmp_path):
    path = write_table(tmp_path, "上海市长宁区教育局:\n  kind: 委办局\n  aliases: [教育局]\n")
    with pytest.raises(DataError, match="上海市长宁区教育局: slug must be"):
        DepartmentTable.load(path)


def test_a_slug_with_capitals_or_chinese_is_rejected(tmp_path):
    path = write_table(tmp_path, "上海市长宁区教育局:\n  slug: Jiaoyu局\n  kind: 委办局\n")
    with pytest.raises(DataError, match="slug must be lower-case ASCII"):
        DepartmentTable.load(path)


def test_an_unknown_kind_is_rejected(tmp_path):
    path = write_table(tmp_path, "上海市长宁区教育局:\n  slug: jiaoyuju\n  kind: 部门\n")
    with pytest.raises(DataError, match="上海市长宁区教育局: kind must be one of 委办局, 街镇, other, found '部门'"):
        DepartmentTable.load(path)


def test_a_misspelt_key_is_rejected(tmp_path):
    path = write_table(tmp_path, "上海市长宁区教育局:\n  slug: jiaoyuju\n  kind: 委办局\n  alias: [教育局]\n")
    with pytest.raises(DataError, match="unknown key\\(s\\) alias"):
        DepartmentTable.load(path)


def test_an_alias_shared_by_two_entries_is_rejected(tmp_path):
    path = write_table(tmp_path, "甲局:\n  slug: a\n  kind: 委办局\n  aliases: [局办]\n"
                                 "乙局:\n  slug: b\n  kind: 委办局\n  aliases: [局办]\n")
    with pytest.raises(DataError, match="乙局: name or alias '局办' also belongs to 甲局"):
        DepartmentTable.load(path)


def test_a_duplicate_slug_is_rejected(tmp_path):
    path = write_table(tmp_path, "甲局:\n  slug: a\n  kind: 委办局\n乙局:\n  slug: a\n  kind: 委办局\n")
    with pytest.raises(DataError, match="乙局: slug 'a' is already used by 甲局"):
        DepartmentTable.load(path)


def test_a_false_friend_that_contains_no_name_is_rejected(tmp_path):
    path = write_table(tmp_path, "甲局:\n  slug: a\n  kind: 委办局\n  false_friends: [乙丙]\n")
    with pytest.raises(DataError, match="false friend '乙丙' contains none of the entry's names"):
        DepartmentTable.load(path)


def test_aliases_must_be_a_list_of_names(tmp_path):
    path = write_table(tmp_path, "甲局:\n  slug: a\n  kind: 委办局\n  aliases: 甲\n")
    with pytest.raises(DataError, match="甲局: aliases must be a list"):
        DepartmentTable.load(path)


# ── canonical ────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("written, expected", [
    ("发改委", "上海市长宁区发展和改革委员会"),
    ("区发展改革委", "上海市长宁区发展和改革委员会"),
    ("上海市长宁区发展和改革委员会", "上海市长宁区发展和改革委员会"),
    ("科 委", "上海市长宁区科学技术委员会"),
    ("规划资源\n局", "上海市长宁区规划和自然资源局"),
    ("退役军人\n\n事务局", "上海市长宁区退役军人事务局"),
    ("人社局", "上海市长宁区人力资源和社会保障局"),
    ("区府办", "上海市长宁区人民政府办公室"),
    ("长宁区财政局", "上海市长宁区财政局"),
    ("上海市长宁区民政局", "上海市长宁区民政局"),
    ("程桥街道", "程家桥街道"),
    ("华阳街道", "华阳路街道"),
    ("新泾镇政府", "新泾镇"),
    ("市发改委", "上海市发展和改革委员会"),
    ("各街(镇)", "各街道（镇）"),
    ("国务院安委办", "国务院安全生产委员会办公室"),
])
def test_canonical_resolves_short_full_and_spaced_forms(table, written, expected):
    assert table.canonical(written) == expected


@pytest.mark.parametrize("written", ["市教育局", "徐汇区发改委", "新泾", "办公室", "区长", ""])
def test_canonical_returns_none_for_names_not_in_the_table(table, written):
    assert table.canonical(written) is None


def test_get_takes_only_canonical_names(table):
    assert table.get("发改委") is None
    assert table.get("新泾镇").name == "新泾镇"
    assert "新泾镇" in table


# ── find_all ─────────────────────────────────────────────────────────────────


def test_names_come_back_canonical_in_order_of_first_occurrence_without_repeats(table):
    text = "会议听取区发展改革委、区商务委关于…的汇报。区商务委要会同发改委、区财政局落实。"
    assert table.find_all(text) == [
        "上海市长宁区发展和改革委员会", "上海市长宁区商务委员会", "上海市长宁区财政局",
    ]


def test_beixinjing_street_is_not_read_as_xinjing_town(table):
    assert table.find_all("北新泾街道、新泾镇") == ["北新泾街道", "新泾镇"]
    assert table.find_all("北新泾街道") == ["北新泾街道"]


def test_the_full_human_resources_name_wins_over_its_short_form(table):
    assert table.find_all("区人力资源社会保障局") == ["上海市长宁区人力资源和社会保障局"]


def test_the_longest_full_name_wins_over_the_government_inside_it(table):
    assert table.find_all("上海市长宁区人民政府办公室 2020年2月26日印发") == ["上海市长宁区人民政府办公室"]


def test_xianxia_xincun_street_is_one_name(table):
    assert table.find_all("仙霞新村街道、仙霞街道") == ["仙霞新村街道"]


def test_hongqiao_office_hongqiao_street_and_chengjiaqiao_street_stay_apart(table):
    assert table.find_all("虹桥办 程家桥街道 虹桥街道办事处") == [
        "长宁区虹桥办", "程家桥街道", "虹桥街道",
    ]


def test_letter_spaced_names_from_pdf_tables_are_found(table):
    assert table.find_all("教育局 科 委\n\n法 院 检察院") == [
        "上海市长宁区教育局", "上海市长宁区科学技术委员会", "上海市长宁区人民法院", "上海市长宁区人民检察院",
    ]


def test_names_broken_across_pdf_lines_are_found(table):
    text = "规划资源\n\n局\n\n发改委 商务委\n\n退役军人\n\n事务局\n\n市场监管\n\n局"
    assert table.find_all(text) == [
        "上海市长宁区规划和自然资源局", "上海市长宁区发展和改革委员会", "上海市长宁区商务委员会",
        "上海市长宁区退役军人事务局", "上海市长宁区市场监督管理局",
    ]


def test_a_municipal_short_form_is_not_merged_into_the_district_body(table):
    assert table.find_all("与市发改委等相关条线部门对接") == ["上海市发展和改革委员会"]
    assert table.find_all("市发改委、区发改委") == ["上海市发展和改革委员会", "上海市长宁区发展和改革委员会"]


def test_bodies_of_other_jurisdictions_are_left_out(table):
    text = "市教育局、国家统计局、徐汇区发改委、国务院国资委、各区政府、内蒙古自治区民政局"
    assert table.find_all(text) == []


def test_district_names_after_shanghai_are_still_this_district(table):
    assert table.find_all("上海市长宁区发改委") == ["上海市长宁区发展和改革委员会"]


def test_market_regulation_is_not_mistaken_for_a_municipal_prefix(table):
    assert table.find_all("市场监管局 司法局") == ["上海市长宁区市场监督管理局", "上海市长宁区司法局"]


@pytest.mark.parametrize("text", ["加强信访办理工作", "该地区办理", "推进区政府办实事项目", "社区委员会"])
def test_false_friends_are_not_departments(table, text):
    assert table.find_all(text) == []


@pytest.mark.parametrize("text", ["高效办成一件事", "航空总部办公", "组织部署", "一网通办", "普查办公场地"])
def test_false_friends_noted_in_the_research_are_not_departments(table, text):
    assert table.find_all(text) == []


def test_collective_references_are_left_out_unless_asked_for(table):
    text = "区政府各委、办、局，各街道办事处，新泾镇政府：各街（镇）、区民政局"
    assert table.find_all(text) == ["上海市长宁区民政局"]
    assert table.find_all(text, collective=True) == ["区政府各委、办、局", "各街道（镇）", "上海市长宁区民政局"]


def test_the_town_inside_the_collective_addressee_line_is_not_counted_alone(table):
    assert "新泾镇" not in table.find_all("各街道办事处，新泾镇政府：")


def test_the_standard_cc_line_names_the_bodies_not_the_groups(table):
    text = "抄送：区委各部门，区人大常委会办公室，区政协办公室，区监察委，区法院，区检察院，区各民主党派、人民团体。"
    assert table.find_all(text) == [
        "上海市长宁区人民代表大会常务委员会办公室", "中国人民政治协商会议上海市长宁区委员会办公室",
        "上海市长宁区监察委员会", "上海市长宁区人民法院", "上海市长宁区人民检察院",
    ]


def test_the_supplementary_report_sentence_names_a_street_and_a_company(table):
    assert table.find_all("华阳路街道、区临空公司补充汇报了相关情况。") == ["华阳路街道", "长宁区临空公司"]


def test_an_empty_text_names_nothing(table):
    assert table.find_all("") == []


# ── jurisdiction ─────────────────────────────────────────────────────────────


@pytest.mark.parametrize("organ, expected", [
    ("上海市长宁区人民政府", HOME), ("区府办", HOME), ("长宁区绿化和市容管理局", HOME), ("中共上海市长宁区委员会", HOME),
    ("上海市徐汇区人民政府办公室", CITY), ("闵行区古美路街道办事处", CITY), ("上海市人民政府办公厅", CITY),
    ("上海市绿化和市容管理局", CITY), ("市发改委", CITY),
    ("国务院", ELSEWHERE), ("全国人民代表大会常务委员会", ELSEWHERE), ("新疆维吾尔自治区质监局", ELSEWHERE),
    ("内蒙古自治区人民政府", ELSEWHERE), ("北京市人民代表大会常务委员会", ELSEWHERE),
    ("上海市出租汽车管理条例", CITY), ("中华人民共和国企业破产法", ELSEWHERE),
    ("街道办事处", None), ("城市管理办公室", None), ("区科技园区管理办公室", None), ("关于加强某县协作的意见", None), ("", None),
])
def test_the_jurisdiction_of_an_organ_comes_from_its_name(table, organ, expected):
    assert table.jurisdiction_of(organ) == expected


@pytest.mark.parametrize("number, expected", [
    ("长府〔2020〕8号", HOME), ("长绿容规〔2025〕1号", HOME), ("沪府办发〔2022〕24号", CITY), ("徐府办发〔2017〕16号", CITY),
    ("国发〔2018〕43号", None), ("内政字〔2020〕102号", None),
])
def test_the_jurisdiction_of_a_number_comes_from_its_issuer_abbreviation(table, number, expected):
    assert table.jurisdiction_of_number(number) == expected


def test_bare_district_forms_name_this_districts_bodies_only_in_its_own_documents(table):
    text = "区绿化市容局负责，区城管执法局配合，华阳路街道参加。"
    assert table.find_all(text) == ["上海市长宁区绿化和市容管理局", "上海市长宁区城市管理行政执法局", "华阳路街道"]
    assert table.find_all(text, jurisdiction=CITY) == []
    assert table.find_all(text, jurisdiction=ELSEWHERE) == []


def test_named_bodies_are_told_apart_in_documents_of_other_jurisdictions(table):
    text = "长宁区发改委、市发改委、上海市发展和改革委员会、国务院安委办、区财政局"
    assert table.find_all(text, jurisdiction=CITY) == [
        "上海市长宁区发展和改革委员会", "上海市发展和改革委员会", "国务院安全生产委员会办公室"]
    # Outside Shanghai 市发改委 is that city's; only the full municipal name is Shanghai's.
    assert table.find_all(text, jurisdiction=ELSEWHERE) == [
        "上海市长宁区发展和改革委员会", "上海市发展和改革委员会", "国务院安全生产委员会办公室"]
    assert table.find_all("市发改委", jurisdiction=ELSEWHERE) == []


def test_canonical_follows_the_same_gate(table):
    assert table.canonical("区政府办公室") == "上海市长宁区人民政府办公室"
    assert table.canonical("区政府办公室", CITY) is None
    assert table.canonical("长宁区政府办公室", CITY) == "上海市长宁区人民政府办公室"
    assert table.canonical("市政府办公厅", CITY) == "上海市人民政府办公厅"
    assert table.canonical("市政府办公厅", ELSEWHERE) is None


# ── the five samples ─────────────────────────────────────────────────────────


def test_the_minutes_of_meeting_70_name_every_reporting_body(table):
    found = table.find_all((SOURCES / "2024-03-27-executive-meeting-70.txt").read_text(encoding="utf-8"))
    for name in ("上海市长宁区人民政府办公室", "上海市长宁区国有资产监督管理委员会", "上海市长宁区人力资源和社会保障局",
                 "上海市长宁区投资促进办公室", "上海市长宁区人民政府合作交流办公室", "长宁区生态环境保护督察办公室",
                 "长宁区妇女儿童工作委员会办公室", "上海市长宁区发展和改革委员会", "上海市长宁区建设和管理委员会",
                 "华阳路街道", "长宁区临空公司"):
        assert name in found


def test_the_minutes_of_meeting_73_name_every_reporting_body(table):
    found = table.find_all((SOURCES / "2024-04-24-executive-meeting-73.txt").read_text(encoding="utf-8"))
    for name in ("上海市长宁区绿化和市容管理局", "上海市长宁区人民政府外事办公室", "上海市长宁区应急管理局",
                 "上海市长宁区人民政府办公室", "上海市长宁区消防救援支队", "上海市长宁区建设和管理委员会",
                 "上海市长宁区体育局", "上海市长宁区民政局", "上海市长宁区投资促进办公室",
                 "长宁区重大工程建设推进办公室", "国务院安全生产委员会办公室"):
        assert name in found


def test_the_key_work_goals_table_names_every_street_but_hongqiao_and_the_town(table):
    found = table.find_all((SOURCES / "2020-02-26-key-work-goals.txt").read_text(encoding="utf-8"))
    # 虹桥 occurs there only in 虹桥办, 虹桥商务区 and 虹桥临空经济示范区, none of them the street.
    assert [department.name for department in table if department.kind == "街镇" and department.name not in found] == ["虹桥街道"]
    assert "上海市发展和改革委员会" in found
    assert len([name for name in found if table.get(name).kind == "委办局"]) >= 30


def test_the_work_reports_name_the_congress_and_the_cppcc(table):
    for source in ("2018-01-10-government-work-report.txt", "2024-01-16-government-work-report.txt"):
        found = table.find_all((SOURCES / source).read_text(encoding="utf-8"))
        assert "上海市长宁区人民代表大会" in found
        assert "中国人民政治协商会议上海市长宁区委员会" in found


def test_a_five_megabyte_document_is_scanned_in_well_under_a_second(table):
    text = (SOURCES / "2020-02-26-key-work-goals.txt").read_text(encoding="utf-8") * 70
    start = time.perf_counter()
    table.find_all(text)
    assert time.perf_counter() - start < 10  # a guard against a quadratic matcher, not a speed target


# ── dictionary ───────────────────────────────────────────────────────────────


def test_dictionary_words_include_short_and_full_names_but_no_spaces_or_punctuation(table):
    words = table.names_for_dictionary()
    assert "北新泾街道" in words and "区发展改革委" in words and "上海市长宁区人民政府" in words
    assert "科 委" not in words and "科委" in words
    assert all(re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9]+", word) for word in words)
    assert len(words) == len(set(words))


# ── collective phrases are not departments (issue 12) ──

@pytest.mark.parametrize("phrase", ["各部门", "区28家签约单位", "区就业促进工作领导小组成员单位", "各窗口单位",
                                    "城市更新三年行动计划项目牵头部门", "涉及区城市运行综合管理的相关单位"])
def test_a_phrase_naming_a_group_is_a_collective_not_a_body(phrase):
    table = DepartmentTable.load(ROOT / "data" / "departments.yaml")
    assert table.get(phrase).collective and table.canonical(phrase) is None


def test_bodies_and_unknown_single_bodies_are_not_taken_for_groups():
    table = DepartmentTable.load(ROOT / "data" / "departments.yaml")
    assert not table.get("上海市长宁区财政局").collective
    assert table.get("长宁区临空公司") is not None and not table.get("长宁区临空公司").collective
    assert table.get("区设摊经营管理办") is None


def test_the_key_work_goals_give_no_department_page_to_a_group(tmp_path):
    from archive.site import model
    from archive.config import load_config
    from archive.topics import TopicRules
    config = load_config(ROOT / "site.yaml")
    documents, problems = model.load_content(ROOT / "content")
    site = model.assemble(documents, config, DepartmentTable.load(ROOT / "data" / "departments.yaml"),
                          TopicRules.load(ROOT / "data" / "topics.yaml"))
    names = {collection.label for collection in site.departments}
    tasks = [task for doc in documents for task in doc.meta.get("tasks", [])]
    named = {name for task in tasks for name in task.get("lead", []) + task.get("support", [])}
    assert {"各部门", "区28家签约单位"} <= named  # the table prints them
    assert not {name for name in names if name.startswith(("各", "相关")) or name.endswith(("单位", "部门"))}


@pytest.mark.parametrize("text, body", [
    # The reports name district public institutions the samples' other documents do not.
    ("完成区疾控中心迁建工程", "上海市长宁区疾病预防控制中心"),
    ("加快区妇幼保健院、区精神卫生中心与华东师范大学合作", "上海市长宁区精神卫生中心"),
    ("由区大数据中心负责“一网通办”平台运维", "上海市长宁区大数据中心"),
    ("区委宣传部、区融媒体中心做好宣传报道", "上海市长宁区融媒体中心"),
    ("区总工会、团区委、区妇联共同开展", "上海市长宁区妇女联合会"),
])
def test_the_table_covers_the_districts_bodies_beyond_those_the_samples_name(text, body):
    table = DepartmentTable.load(ROOT / "data" / "departments.yaml")
    assert body in table.find_all(text)


def test_the_district_committee_office_is_not_read_in_a_list_of_bureaus():
    table = DepartmentTable.load(ROOT / "data" / "departments.yaml")
    assert "中共上海市长宁区委员会办公室" not in table.find_all("区政府各委办局、区委办局要按时报送")
