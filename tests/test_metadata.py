from pathlib import Path

import pytest

from archive.departments import DepartmentTable
from archive.document import validate_meta
from archive.ingest.metadata import extract_metadata, parse_date
from archive.ingest.normalize import normalize_text
from archive.topics import TopicRules

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
LAWS = SHARED / "corpora" / "laws"
POLICY = SHARED / "corpora" / "policy-dev"


@pytest.fixture(scope="module")
def tables():
    return (DepartmentTable.load(ROOT / "data" / "departments.yaml"), TopicRules.load(ROOT / "data" / "topics.yaml"))


def extract(tables, text: str, source_name: str = "doc.md", review=None):
    departments, topics = tables
    return extract_metadata(text, source_name=source_name, departments=departments, topics=topics, review=review)


def sample(tables, name: str):
    path = FIXTURES / "metadata" / f"{name}.md"
    return extract(tables, path.read_text(encoding="utf-8"), f"{name}.txt")


def extra_doc(tables, stem: str):
    path = FIXTURES / "extra_docs" / f"{stem}.txt"
    return extract(tables, path.read_text(encoding="utf-8"), path.name)


# ── the five samples ─────────────────────────────────────────────────────────


def test_minutes_without_a_title_line_are_titled_after_their_meeting(tables):
    meta, _ = sample(tables, "2024-03-27-executive-meeting-70")
    assert meta["title"] == "区政府第70次常务会议纪要"
    assert meta["doc_type"] == "纪要"
    assert meta["date"] == "2024-03-27"
    assert meta["issuer"] == "上海市长宁区人民政府"
    assert meta["meeting"] == {"number": 70, "chair": "侯继军"}
    assert "doc_number" not in meta


def test_minutes_70_have_one_agenda_item_per_report_heard(tables):
    meta, _ = sample(tables, "2024-03-27-executive-meeting-70")
    agenda = meta["agenda"]
    assert len(agenda) == 9
    assert agenda[0] == {"departments": ["上海市长宁区人民政府办公室"],
                         "subject": "制订《行政规范性文件管理实施办法》相关情况", "topics": ["综合政务"]}
    assert agenda[2]["departments"] == ["上海市长宁区国有资产监督管理委员会"]
    assert agenda[2]["topics"] == ["国民经济管理、国有资产监管"]
    assert agenda[3]["departments"] == ["上海市长宁区人力资源和社会保障局"]
    assert agenda[6]["departments"] == ["长宁区生态环境保护督察办公室"]
    assert agenda[-1]["subject"] == "2024年1-2月投资促进工作完成情况"
    assert agenda[-1]["supplementary"] == ["华阳路街道", "长宁区临空公司"]
    assert all("supplementary" not in item for item in agenda[:-1])
    assert all(1 <= len(item["topics"]) <= 3 for item in agenda)


def test_minutes_70_name_the_reporting_bodies_among_their_departments(tables):
    meta, _ = sample(tables, "2024-03-27-executive-meeting-70")
    for name in ("上海市长宁区投资促进办公室", "长宁区妇女儿童工作委员会办公室", "上海市长宁区发展和改革委员会", "华阳路街道"):
        assert name in meta["departments"]
    assert "各街道（镇）" not in meta["departments"]


def test_minutes_73_keep_their_number_and_get_the_meeting_specific_title(tables):
    meta, body = sample(tables, "2024-04-24-executive-meeting-73")
    assert meta["title"] == "区政府第73次常务会议纪要"
    assert meta["doc_number"] == "长府会议纪要〔2024〕13号"
    assert meta["doc_type"] == "纪要"
    assert meta["date"] == "2024-04-24"
    assert meta["meeting"] == {"number": 73, "chair": "侯继军"}
    assert body.startswith("2024年4月24日下午，区长侯继军主持召开区政府第73次常务会议。")
    assert "长府会议纪要〔2024〕13号" not in body and "区政府常务会议纪要" not in body


def test_minutes_73_agenda_lists_supplementary_reports_and_spaced_digits_are_squeezed(tables):
    meta, _ = sample(tables, "2024-04-24-executive-meeting-73")
    agenda = meta["agenda"]
    assert len(agenda) == 8
    assert agenda[6]["departments"] == ["上海市长宁区建设和管理委员会"]
    assert agenda[6]["subject"] == "区政府重点投资项目建设推进情况"
    assert agenda[6]["supplementary"] == ["上海市长宁区体育局", "上海市长宁区民政局"]
    assert agenda[7]["subject"] == "2024年一季度招商引资工作完成情况"
    assert agenda[7]["topics"] == ["国民经济管理、国有资产监管", "商贸、海关、旅游"]
    assert agenda[5]["topics"] == ["市场监管、安全生产监管"]


def test_the_2020_notice_yields_number_issuer_date_attachment_and_imprint(tables):
    meta, body = sample(tables, "2020-02-26-key-work-goals")
    assert meta["title"] == "上海市长宁区人民政府关于印发区政府2020年重点工作目标的通知"
    assert meta["doc_type"] == "通知"
    assert meta["date"] == "2020-02-26"
    assert meta["doc_number"] == "长府〔2020〕8号"
    assert meta["issuer"] == "上海市长宁区人民政府"
    assert meta["attachments"] == ["上海市长宁区人民政府2020年重点工作目标"]
    assert meta["cc"] == ["区委各部门", "区人大常委会办公室", "区政协办公室", "区监察委", "区法院", "区检察院",
                          "区各民主党派、人民团体"]
    assert meta["printer"] == "上海市长宁区人民政府办公室"
    assert meta["print_date"] == "2020-02-26"
    assert "meeting" not in meta and "agenda" not in meta


def test_the_2020_notice_body_loses_masthead_number_title_and_imprint_but_keeps_the_rest(tables):
    _, body = sample(tables, "2020-02-26-key-work-goals")
    lines = body.splitlines()
    assert lines[0] == "区政府各委、办、局，各街道办事处，新泾镇政府:"
    for kept in ("附件：上海市长宁区人民政府2020年重点工作目标", "上海市长宁区人民政府", "2020年2月26日", "（此件公开发布）"):
        assert kept in lines
    for removed in ("上海市长宁区人民政府文件", "长府〔2020〕8号", "抄送", "2020年2月26日印发"):
        assert not any(removed in line for line in lines), removed
    assert not any(line.startswith("# ") for line in lines)


def test_the_2024_work_report_is_dated_by_its_delivery_and_issued_by_the_government(tables):
    meta, body = sample(tables, "2024-01-16-government-work-report")
    assert meta["title"] == "2024年政府工作报告"
    assert meta["doc_type"] == "政府工作报告"
    assert meta["date"] == "2024-01-16"
    assert meta["issuer"] == "上海市长宁区人民政府"
    assert "doc_number" not in meta and "meeting" not in meta
    assert body.startswith("——2024年1月16日在长宁区第十七届人民代表大会第五次会议上\n长宁区区长 侯继军")


def test_the_2018_work_report_loses_its_session_header_but_keeps_the_secretariat_line(tables):
    meta, body = sample(tables, "2018-01-10-government-work-report")
    assert meta["title"] == "2018年政府工作报告"
    assert meta["doc_type"] == "政府工作报告"
    assert meta["date"] == "2018-01-10"
    assert meta["issuer"] == "上海市长宁区人民政府"
    assert "会议文件（11）" not in body
    assert body.rstrip().endswith("长宁区十六届人大三次会议秘书处 2018年1月10日")
    assert "printer" not in meta


def test_a_work_report_is_the_governments_even_when_the_secretariat_signs_on_its_own_line(tables):
    text = (FIXTURES / "metadata" / "2018-01-10-government-work-report.md").read_text(encoding="utf-8")
    text = text.replace("秘书处 2018年1月10日", "秘书处\n2018年1月10日")
    meta, _ = extract(tables, text)
    assert meta["issuer"] == "上海市长宁区人民政府"
    assert meta["date"] == "2018-01-10"


@pytest.mark.parametrize("name", [
    "2018-01-10-government-work-report", "2020-02-26-key-work-goals", "2024-01-16-government-work-report",
    "2024-03-27-executive-meeting-70", "2024-04-24-executive-meeting-73",
])
def test_every_sample_yields_valid_front_matter_without_empty_values(tables, name):
    meta, _ = sample(tables, name)
    assert validate_meta(meta) == []
    assert all(value not in (None, "", [], {}) for value in meta.values())
    assert meta["departments"][0] == "上海市长宁区人民政府"
    assert meta["topics"]


# ── shapes that matter ───────────────────────────────────────────────────────


def test_a_number_cited_in_the_body_is_not_the_documents_number(tables):
    text = "# 关于印发《办法》的通知\n各街道：\n根据《规定》（闵府规发〔2017〕2号），现印发给你们。\n特此通知。\n"
    meta, _ = extract(tables, text)
    assert "doc_number" not in meta
    assert meta["doc_type"] == "通知"


@pytest.mark.parametrize("line", ["长府[2020]8号", "长府（2020）8号", "长府〔2020〕8 号"])
def test_a_header_number_in_a_deviant_shape_is_normalized(tables, line):
    meta, body = extract(tables, f"上海市长宁区人民政府文件\n{line}\n# 关于某事的通知\n各委办局：\n正文。\n")
    assert meta["doc_number"] == "长府〔2020〕8号"
    assert line not in body


def test_a_signature_date_in_chinese_numerals_is_the_document_date(tables):
    text = "# 关于某事的决定\n正文如下。\n上海市长宁区人民政府\n二〇二一年十二月三十日\n"
    meta, _ = extract(tables, text)
    assert meta["date"] == "2021-12-30"
    assert meta["doc_type"] == "决定"
    assert meta["issuer"] == "上海市长宁区人民政府"


def test_a_document_without_any_date_gets_none_rather_than_a_guess(tables):
    meta, _ = extract(tables, "# 关于某事的通知\n各单位：\n请于二〇三五年远景目标框架内落实。\n")
    assert "date" not in meta


def test_a_title_ending_in_no_document_type_falls_back_to_the_closing_formula(tables):
    meta, _ = extract(tables, "# 古树名录调整\n经组织专家鉴定，注销3株古树。\n现予公告。\n")
    assert meta["doc_type"] == "公告"


def test_the_source_file_name_dates_a_document_that_prints_none(tables):
    meta, _ = extract(tables, "# 某区工作要点\n正文。\n", "2019-05-06-work-points.txt")
    assert meta["date"] == "2019-05-06"


# ── real documents of other kinds (tests/fixtures/extra_docs, origins in *.source.txt) ──


@pytest.mark.parametrize("stem, title, doc_type, date, number, issuer", [
    ("01_changning_lvrong_gui_2025_1", "长宁区绿化和市容管理局关于印发《长宁区设摊经营管理办法（试行）》的通知",
     "通知", "2025-12-01", None, "上海市长宁区绿化和市容管理局"),
    ("02_xuhui_fubanfa_2017_16_zhuanfa",
     "上海市徐汇区人民政府办公室关于转发区绿化市容局制订的《关于进一步加强本区装修垃圾处理的工作方案》的通知",
     "通知", "2017-07-14", None, "上海市徐汇区人民政府办公室"),
    ("03_minhang_gumeilu_jiedao_2021_2", "关于印发《古美路街道限额以下小型建设工程实施细则》的通知",
     "通知", "2021-01-15", None, "闵行区古美路街道办事处"),
    ("05_guowuyuan_guofa_2018_43_jueding",
     "国务院关于在海南博鳌乐城国际医疗旅游先行区暂时调整实施《中华人民共和国药品管理法实施条例》有关规定的决定",
     "决定", "2018-12-21", "国发〔2018〕43号", "国务院"),
    ("06_xinjiang_zhijian_banfa_2012_24_attachments_tables", "新疆维吾尔自治区质监局关于进一步加强新闻宣传工作的通知",
     "通知", None, "新质监办发〔2012〕24号", "新疆维吾尔自治区质监局"),
    ("08_shanghai_hufubanfa_2022_24_yijian_zerendanwei", "上海市人民政府办公厅关于科学绿化的实施意见",
     "意见", "2022-12-28", None, "上海市人民政府办公厅"),
    ("10_neimenggu_neizhengzi_2020_102_pifu", "内蒙古自治区人民政府关于《根河市城市总体规划（2019—2030）》的批复",
     "批复", "2020-11-30", "内政字〔2020〕102号", "内蒙古自治区人民政府"),
    ("12_shanghai_hufuban_2022_10_renyuan_mingdan",
     "上海市人民政府办公厅关于调整上海市生活垃圾分类减量推进工作联席会议组成人员的通知",
     "通知", "2022-01-25", None, "上海市人民政府办公厅"),
    ("13_shanghai_hulvrong_2025_152_gonggao_tables",
     "上海市绿化和市容管理局关于2025年度古树和古树后续资源鉴定确认与死亡注销的公告",
     "公告", "2025-10-10", None, "上海市绿化和市容管理局"),
])
def test_extra_documents_yield_title_type_date_number_and_issuer(tables, stem, title, doc_type, date, number, issuer):
    meta, body = extra_doc(tables, stem)
    assert meta.get("title") == title
    assert meta.get("doc_type") == doc_type
    assert meta.get("date") == date
    assert meta.get("doc_number") == number
    assert meta.get("issuer") == issuer
    assert validate_meta(meta) == []
    assert title not in body.splitlines()


@pytest.mark.parametrize("stem, title, doc_type, date, number, issuer", [
    ("01_changning_lvrong_gui_2025_1", "长宁区绿化和市容管理局关于印发《长宁区设摊经营管理办法（试行）》的通知",
     "通知", "2025-12-01", None, "上海市长宁区绿化和市容管理局"),
    ("02_xuhui_fubanfa_2017_16_zhuanfa",
     "上海市徐汇区人民政府办公室关于转发区绿化市容局制订的《关于进一步加强本区装修垃圾处理的工作方案》的通知",
     "通知", "2017-07-14", None, "上海市徐汇区人民政府办公室"),
    ("05_guowuyuan_guofa_2018_43_jueding",
     "国务院关于在海南博鳌乐城国际医疗旅游先行区暂时调整实施《中华人民共和国药品管理法实施条例》有关规定的决定",
     "决定", "2018-12-21", "国发〔2018〕43号", "国务院"),
    ("06_xinjiang_zhijian_banfa_2012_24_attachments_tables", "新疆维吾尔自治区质监局关于进一步加强新闻宣传工作的通知",
     "通知", None, "新质监办发〔2012〕24号", "新疆维吾尔自治区质监局"),
])
def test_extra_documents_yield_the_same_after_normalization(tables, stem, title, doc_type, date, number, issuer):
    # What ingest does: normalize first. A long one-line title, catalogue labels and pkulaw
    # provenance lines must not end up in the title.
    text = (FIXTURES / "extra_docs" / f"{stem}.txt").read_text(encoding="utf-8")
    meta, body = extract(tables, normalize_text(text), f"{stem}.txt")
    assert (meta.get("title"), meta.get("doc_type"), meta.get("date"), meta.get("doc_number"), meta.get("issuer")) == \
        (title, doc_type, date, number, issuer)
    assert "法宝引证码" not in body and "原文链接" not in body and f"\n{title}\n" not in body


@pytest.mark.parametrize("stem", ["02_xuhui_fubanfa_2017_16_zhuanfa", "03_minhang_gumeilu_jiedao_2021_2"])
def test_another_districts_document_does_not_name_changnings_bodies(tables, stem):
    # 区绿化市容局, 区城管执法局 (02) and 区建管委 (03) are 徐汇's and 闵行's bureaus.
    meta, _ = extra_doc(tables, stem)
    assert not any(name.startswith(("上海市长宁区", "长宁区")) for name in meta.get("departments", [])), meta.get("departments")


def test_a_changning_bureaus_document_names_its_bodies(tables):
    meta, _ = extra_doc(tables, "01_changning_lvrong_gui_2025_1")
    assert meta["departments"] == ["上海市长宁区绿化和市容管理局"]


def test_another_districts_masthead_outweighs_a_bare_signature(tables):
    text = ("上海市徐汇区人民政府文件\n# 关于加强装修垃圾管理的通知\n各街道：\n区绿化市容局、区财政局要抓好落实。\n"
            "区政府办公室\n2017年7月14日\n")
    meta, _ = extract(tables, text)
    assert meta["issuer"] == "区政府办公室"
    assert "departments" not in meta


@pytest.mark.parametrize("text, named", [
    ("# 某项工作方案\n区绿化市容局、区财政局要抓好落实。\n", []),
    ("# 长宁区某项工作方案\n区绿化市容局、区财政局要抓好落实。\n", ["上海市长宁区绿化和市容管理局", "上海市长宁区财政局"]),
    ("# 某项工作方案\n长宁区人民政府部署，区绿化市容局、区财政局要抓好落实。\n",
     ["上海市长宁区人民政府", "上海市长宁区绿化和市容管理局", "上海市长宁区财政局"]),
    # A municipal regulation that lists the districts is not Changning's (上海市出租汽车管理条例).
    ("# 某项管理规定\n对黄浦、徐汇、长宁、静安等区进行管理；可以向人民法院起诉。\n", []),
])
def test_bare_names_in_a_document_of_unknown_origin_count_only_in_a_changning_context(tables, text, named):
    meta, _ = extract(tables, text)
    assert meta.get("departments", []) == named


def test_the_state_council_decision_drops_its_catalogue_labels_and_wrapped_title_from_the_body(tables):
    _, body = extra_doc(tables, "05_guowuyuan_guofa_2018_43_jueding")
    assert body.startswith("各省、自治区、直辖市人民政府，国务院各部委、各直属机构：")
    assert "国务院\n2018年12月21日\n（此件公开发布）" in body


def test_numbered_attachment_lists_are_read_item_by_item(tables):
    meta, _ = extra_doc(tables, "06_xinjiang_zhijian_banfa_2012_24_attachments_tables")
    assert meta["attachments"] == ["自治区质监局各单位信息宣传联络员登记表", "自治区质监局各单位（部门）申请宣传申报单",
                                   "自治区质监局协助宣传报道通知单"]
    meta, _ = extra_doc(tables, "13_shanghai_hulvrong_2025_152_gonggao_tables")
    assert meta["attachments"] == ["古树和古树后续资源确认目录", "古树死亡注销目录"]
    meta, _ = extra_doc(tables, "03_minhang_gumeilu_jiedao_2021_2")
    assert len(meta["attachments"]) == 8 and meta["attachments"][-1] == "古美路街道建设工程招投标申请表"


def test_municipal_documents_do_not_name_district_bodies_for_municipal_ones(tables):
    meta, _ = extra_doc(tables, "12_shanghai_hufuban_2022_10_renyuan_mingdan")
    assert not any(name.startswith("上海市长宁区") for name in meta.get("departments", []))


# ── the laws corpus (read in place; not copied into the project) ─────────────

needs_laws = pytest.mark.skipif(not LAWS.is_dir(), reason="the shared laws corpus is not available")


def law(tables, relative: str):
    path = LAWS / relative
    return extract(tables, path.read_text(encoding="utf-8"), path.name)


@needs_laws
def test_a_law_takes_its_title_from_the_heading_and_its_date_from_the_file_name(tables):
    meta, body = law(tables, "民法商法/企业破产法(2006-08-27).md")
    assert meta["title"] == "中华人民共和国企业破产法"
    assert meta["date"] == "2006-08-27"
    assert meta["issuer"] == "全国人民代表大会常务委员会"
    assert "doc_type" not in meta
    assert not body.startswith("# ")


@needs_laws
def test_a_revised_law_is_issued_by_the_body_of_the_version_in_the_file_name(tables):
    meta, _ = law(tables, "行政法规/专利代理条例(2018-11-06).md")
    assert meta["date"] == "2018-11-06"
    assert meta["issuer"] == "国务院"


@needs_laws
def test_a_law_file_without_a_date_in_its_name_is_dated_by_its_adoption(tables):
    meta, _ = law(tables, "刑法/刑法修正案（十）.md")
    assert meta["date"] == "2017-11-04"
    assert meta["issuer"] == "全国人民代表大会常务委员会"


@pytest.mark.parametrize("info, issuer", [
    ("2016年10月27日济宁市第十六届人民代表大会常务委员会第四十五次会议通过", "济宁市人民代表大会常务委员会"),
    ("2020年6月12日经山东省第十三届人民代表大会常务委员会第二十次会议批准", "山东省人民代表大会常务委员会"),
    ("2019年11月29日杭州市人民代表大会常务委员会公告第13号公布", "杭州市人民代表大会常务委员会"),
    ("2021年11月16日国家互联网信息办公室2021年第20次室务会议审议通过", "国家互联网信息办公室"),
    ("2013年7月18日《国务院关于废止和修改部分行政法规的决定》第一次修订", "国务院"),
    ("2004年8月1日中华人民共和国国务院、中华人民共和国中央军事委员会令第413号公布", "国务院、中央军事委员会"),
    ("2020年11月9日 最高人民法院审判委员会", "最高人民法院审判委员会"),
])
def test_the_issuer_of_a_law_is_the_organ_of_its_act_line(tables, info, issuer):
    meta, _ = extract(tables, f"# 某条例\n\n{info}\n\n<!-- INFO END -->\n\n第一条 正文。\n", "某条例.md")
    assert meta["issuer"] == issuer
    assert meta["date"] == parse_date(info)


@needs_laws
def test_a_sample_of_laws_all_get_a_title_and_valid_front_matter(tables):
    paths = sorted(LAWS.rglob("*.md"))[::60]
    for path in paths:
        meta, _ = extract(tables, path.read_text(encoding="utf-8"), path.name)
        assert meta.get("title"), path
        assert validate_meta(meta) == [], path


# ── web-page policy texts of other governments (shapes of ../shared/corpora/policy-dev) ──


def ingested(tables, text: str, review=None):
    """What ingest does with a source: normalize, then read the front-matter."""
    return extract(tables, normalize_text(text), "page.txt", review)


@pytest.mark.parametrize("first_line, title, issuer, number", [
    # The publishing body in 【】 is an issuer hint, not part of the title.
    ("【太原市房产管理局】关于规范房地产经纪行为的实施意见(征求意见稿)", "关于规范房地产经纪行为的实施意见(征求意见稿)",
     "太原市房产管理局", None),
    ("【湖北省黄冈市】关于进一步促进黄冈市区房地产市场平稳健康发展的补充措施",
     "关于进一步促进黄冈市区房地产市场平稳健康发展的补充措施", "湖北省黄冈市", None),
    # A column name in 【】 is not an issuer.
    ("【传闻】多家银行讨论加大房地产信贷投放力度", "多家银行讨论加大房地产信贷投放力度", None, None),
    # A 文号 run onto the title line goes to doc_number.
    ("【兰州市人民政府】兰州市人民政府关于进一步加强房地产市场调控的补充通知兰政发〔2017〕48号",
     "兰州市人民政府关于进一步加强房地产市场调控的补充通知", "兰州市人民政府", "兰政发〔2017〕48号"),
    ("【张家口市人民政府】关于加快住房保障和供应体系建设促进房地产市场平稳健康发展的意见张政发[2017]7号",
     "关于加快住房保障和供应体系建设促进房地产市场平稳健康发展的意见", "张家口市人民政府", "张政发〔2017〕7号"),
    # The 文号 follows the title's last word, not an earlier one (办法 inside 印发…办法的通知).
    ("【兰州市人民政府】兰州市人民政府关于印发兰州市住房管理办法的通知兰政发〔2017〕49号",
     "兰州市人民政府关于印发兰州市住房管理办法的通知", "兰州市人民政府", "兰政发〔2017〕49号"),
    ("南京市住宅房屋征收房票安置办法(试行)", "南京市住宅房屋征收房票安置办法(试行)", None, None),
    # What a body forwards is not its issuer; the 【】 names who forwarded it.
    ("【深圳市人民政府办公厅】转发【市规划国土委等单位】关于进一步加强房地产调控的通知深府办规〔2018〕9号",
     "转发【市规划国土委等单位】关于进一步加强房地产调控的通知", "深圳市人民政府办公厅", "深府办规〔2018〕9号"),
    ("【江西省萍乡市】江西省萍乡市印发关于进一步促进中心城区房地产市场平稳健康发展的若干措施",
     "江西省萍乡市印发关于进一步促进中心城区房地产市场平稳健康发展的若干措施", "江西省萍乡市", None),
    ("重庆市提振消费若干措施", "重庆市提振消费若干措施", None, None),
])
def test_web_page_titles_as_real_sources_write_them(tables, first_line, title, issuer, number):
    review = []
    meta, body = ingested(tables, f"{first_line}\n\n一、优化住房公积金政策。提高贷款额度。\n二、本措施自发布之日起施行。\n", review)
    assert (meta["title"], meta.get("issuer"), meta.get("doc_number")) == (title, issuer, number)
    assert first_line not in body and body.startswith("一、") or body.startswith("## 一、")
    assert not [reason for reason in review if reason.startswith("title")]


def test_a_title_repeated_under_the_bracketed_line_leaves_the_body_once(tables):
    text = ("【山东省泰安市】关于优化我市住房公积金使用政策的通知\n\n关于优化我市住房公积金使用政策的通知\n"
            "各住房公积金缴存单位、职工:为充分发挥住房公积金制度优势,现将有关事项通知如下:\n一、提高贷款额度。\n")
    meta, body = ingested(tables, text)
    assert meta["title"] == "关于优化我市住房公积金使用政策的通知"
    assert meta["doc_type"] == "通知"
    assert "关于优化我市住房公积金使用政策的通知" not in body


def test_the_page_title_wins_over_a_heading_of_its_first_part(tables):
    # Two notices on one page (policy-dev POL_04FC5D002BCB11D13556): the first line names both; the
    # first notice's own title stays in the body as a heading of a part, not as the document's.
    text = ("【安徽省】关于实施多子女家庭住房公积金优惠政策的通知、关于调整住房公积金租房提取政策的通知\n\n"
            "关于实施多子女家庭住房公积金优惠政策的通知\n发布时间:2023-04-1909:49来源:省直公积金管理分中心次数:532\n"
            "省直各缴存单位、缴存职工:\n一、提高贷款额度。\n")
    meta, body = ingested(tables, text)
    assert meta["title"] == "关于实施多子女家庭住房公积金优惠政策的通知、关于调整住房公积金租房提取政策的通知"
    assert meta["publish_date"] == "2023-04-19"
    assert "## 关于实施多子女家庭住房公积金优惠政策的通知" in body.splitlines()


def test_a_title_and_its_repeat_are_not_joined_into_one(tables):
    meta, body = ingested(tables, "深圳市住房公积金提取管理规定\n\n深圳市住房公积金提取管理规定\n\n第一条 为规范提取，制定本规定。\n")
    assert meta["title"] == "深圳市住房公积金提取管理规定"


@pytest.mark.parametrize("text, reason", [
    # A news page: the headline, no 文种.
    ("苏州公积金新政:余额可提取作为首付款,不影响后续贷款额度\n澎湃新闻记者计思敏\n2023-06-0116:57\n来源:澎湃新闻\n正文。\n",
     "title: not recognised, the first line is used"),
    # A database record: a date line, then a table row; the headline cell becomes the title.
    ("2022-11-1400:00:00\n\n2022-11-14 00:00:00 | 【传闻】多家银行讨论加大房地产信贷投放力度 | 针对银行内部白名单房企。 | https://www.163.com/a.html\n",
     "title: not recognised, a headline taken from a table row"),
])
def test_a_text_without_a_recognisable_title_line_is_titled_by_its_first_line(tables, text, reason):
    review = []
    meta, _ = ingested(tables, text, review)
    assert meta["title"] in ("苏州公积金新政:余额可提取作为首付款,不影响后续贷款额度", "多家银行讨论加大房地产信贷投放力度")
    assert review == [reason]  # dated by the page: 2023-06-01, 2022-11-14
    assert meta["publish_date"] in ("2023-06-01", "2022-11-14")


@pytest.mark.parametrize("line, publish_date", [
    ("发布时间:2025-04-30 17:51", "2025-04-30"),
    ("发布时间:2023-04-1909:49来源:省直公积金管理分中心次数:532字号:大中小", "2023-04-19"),
    ("发布日期:2023-05-22浏览次数:964", "2023-05-22"),
    ("发布时间:2022/5/25", "2022-05-25"),
    ("发布日期：2018年12月29日", "2018-12-29"),
    ("2024-11-08 16:03:03", "2024-11-08"),
    ("2023-02-04作者:点击数:1218", "2023-02-04"),
])
def test_a_web_pages_publication_date_is_publish_date_not_date(tables, line, publish_date):
    meta, body = ingested(tables, f"关于调整住房公积金政策的通知\n{line}\n各有关单位:\n一、提高贷款额度。\n")
    assert meta["publish_date"] == publish_date
    assert "date" not in meta  # the 成文日期 is not printed
    assert validate_meta(meta) == []


@pytest.mark.parametrize("closing, date, issuer", [
    ("杭州住房公积金管理委员会\n2023年3月31日", "2023-03-31", "杭州住房公积金管理委员会"),
    ("合肥市住房公积金管理委员会办公室2024年10月23日", "2024-10-23", "合肥市住房公积金管理委员会办公室"),
    ("武汉市住房和城市更新局\n武汉住房公积金管理中心\n2024年11月28日印发", "2024-11-28", "武汉市住房和城市更新局、武汉住房公积金管理中心"),
    ("沧州市住房公积金管理委员会\n2022.5.25", "2022-05-25", "沧州市住房公积金管理委员会"),
    ("某市住房公积金管理中心\n二〇二三年五月八日", "2023-05-08", "某市住房公积金管理中心"),
    # Joint issuers printed on one line without a break.
    ("杭州市余杭区住房和城乡建设局杭州市余杭区财政局\n2026年5月29日", "2026-05-29",
     "杭州市余杭区住房和城乡建设局、杭州市余杭区财政局"),
    ("杭州市住房保障和房产管理局\n国家税务总局杭州市税务局杭州市规划和自然资源局\n2024年10月15日", "2024-10-15",
     "杭州市住房保障和房产管理局、国家税务总局杭州市税务局、杭州市规划和自然资源局"),
])
def test_the_signature_date_after_the_issuer_at_the_end_is_the_date(tables, closing, date, issuer):
    text = f"关于调整住房公积金政策的通知\n各有关单位:\n一、提高贷款额度。\n本通知自2024年1月1日起施行。\n{closing}\n"
    meta, _ = ingested(tables, text)
    assert (meta.get("date"), meta.get("issuer")) == (date, issuer)


def test_the_information_disclosure_fields_are_kept(tables):
    meta, body = extra_doc(tables, "05_guowuyuan_guofa_2018_43_jueding")
    assert meta["index_number"] == "000014349/2018-00222"
    assert meta["publish_date"] == "2018-12-29"
    assert meta["date"] == "2018-12-21"
    assert "keywords" not in meta  # 主 题 词： is printed empty
    text = "索引号：11440100/2023-01234\n有效性：有效\n主题词：住房 公积金\n# 关于调整公积金政策的通知\n各单位：\n正文。\n"
    meta, body = extract(tables, text)
    assert (meta["index_number"], meta["validity"], meta["keywords"]) == ("11440100/2023-01234", "有效", ["住房", "公积金"])
    assert "索引号" not in body and validate_meta(meta) == []


def test_a_document_without_any_date_is_listed_for_review(tables):
    review = []
    meta, _ = ingested(tables, "重庆市提振消费若干措施\n\n（十四）促进住房消费健康发展。\n", review)
    assert "date" not in meta and "publish_date" not in meta
    assert review == ["date: none found"]


needs_policy = pytest.mark.skipif(not (POLICY / "MANIFEST.tsv").is_file(),
                                  reason="the shared policy-dev corpus is not beside the repository")


@needs_policy
def test_every_policy_dev_document_gets_a_title_and_valid_front_matter(tables):
    for path in sorted(POLICY.glob("*.txt")):
        meta, _ = extract(tables, normalize_text(path.read_text(encoding="utf-8")), path.name)
        assert meta.get("title"), path.name
        assert validate_meta(meta) == [], path.name


@pytest.mark.parametrize("lines, title", [
    (["上海市长宁区人民政府关于印发《长宁区促进产业发展若干措施", "实施细则》的通知"],
     "上海市长宁区人民政府关于印发《长宁区促进产业发展若干措施实施细则》的通知"),
    (["关于印发长宁区加快推进绿色低碳转型行动方案", "（2023—2025年）的通知"], "关于印发长宁区加快推进绿色低碳转型行动方案（2023—2025年）的通知"),
    (["国务院关于在海南博鳌乐城国际医疗旅游先行区", "暂时调整实施《中华人民共和国药品管理法", "实施条例》有关规定的决定"],
     "国务院关于在海南博鳌乐城国际医疗旅游先行区暂时调整实施《中华人民共和国药品管理法实施条例》有关规定的决定"),
])
def test_a_title_printed_over_two_or_three_lines_is_joined(tables, lines, title):
    meta, body = ingested(tables, "\n".join(lines) + "\n各区人民政府：\n正文。\n")
    assert meta["title"] == title
    assert body.startswith("各区人民政府：")
