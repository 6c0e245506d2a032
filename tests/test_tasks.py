"""The key-work-goals table of 长府〔2020〕8号, rebuilt from its PDF text.

tests/fixtures/tasks/expected.yaml holds every one of the 55 rows field by field as read by hand
from the raw text of sources/2020-02-26-key-work-goals.txt (its comments name the rows whose lead
the raw text leaves open and the reading taken); the tests below it check particular layouts.
"""

import re
from pathlib import Path

import pytest
import yaml

from archive.departments import DepartmentTable
from archive.ingest.tasks import _quarter_cells, _Usage, extract_task_table

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "sources" / "2020-02-26-key-work-goals.txt"
EXPECTED = ROOT / "tests" / "fixtures" / "tasks" / "expected.yaml"
# 第一季度 alone is legitimate text (task 29: 系统分析第一季度市考断面水质情况); the header prints
# the four quarters in a row.
HEADER_WORDS = ("第一季度第二季度", "第三季度第四季度", "主责部门", "配合部门", "目标任务和工作要求",
                "阶段性目标和工作任务量", "领域序号")


@pytest.fixture(scope="module")
def departments() -> DepartmentTable:
    return DepartmentTable.load(ROOT / "data" / "departments.yaml")


@pytest.fixture(scope="module")
def extracted(departments):
    return extract_task_table(SOURCE.read_text(encoding="utf-8"), departments)


@pytest.fixture(scope="module")
def tasks(extracted):
    return {task["number"]: task for task in extracted[0]}


def names(departments, *short):
    return [departments.canonical(name) for name in short]


@pytest.fixture(scope="module")
def expected() -> dict[int, dict]:
    return {row["number"]: row for row in yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))}


def as_entries(departments, printed: list[str]) -> list[str]:
    """What the table's names come out as: a body by its canonical name, a body with its office in
    brackets (区府办（合作交流办）) as the bodies it names, collective references and groups the
    table does not hold as written."""
    entries: list[str] = []
    for name in printed:
        body = departments.canonical(name)
        if body and not departments.get(body).collective:
            found = [body]
        elif body or "（" not in name:
            found = [name]
        else:
            found = departments.find_all(name) or [name]
        entries += [entry for entry in found if entry not in entries]
    return entries


@pytest.mark.parametrize("number", range(1, 56))
def test_every_row_matches_the_hand_read_table(number, tasks, expected, departments):
    row = expected[number]
    want = {field: row[field] for field in ("area", "project", "task", "quarters")}
    want["lead"] = as_entries(departments, row["lead"])
    want["support"] = as_entries(departments, row["support"])
    got = {field: tasks[number].get(field) for field in want}
    assert {field: value for field, value in got.items() if value != want[field]} == {}


def test_quarter_cells_are_told_by_full_lines_and_parallel_openings():
    """A made-up row: a cell's inner lines are full and its last line mostly is not; the third cell
    ends on a full line, and the fourth opening like the others tells where."""
    lines = ["完成第一批道路架空线整", "治排管施工", "完成第二批道路架空线整", "治排管开工准备",
             "完成第三批道路架空线整", "治排管竣工验收及资料归档", "完成第四批道路架空线整", "治"]
    cells = _quarter_cells(lines, _Usage("\n".join(lines)))
    assert cells == [lines[0:2], lines[2:4], lines[4:6], lines[6:8]]


def test_quarter_lines_too_wide_for_the_columns_are_still_split_in_four():
    lines = ["这一行比任何一个季度栏都宽得多的文字", "短行", "又一行比任何一个季度栏都宽得多的文字", "短行", "末行"]
    assert [line for cell in _quarter_cells(lines, _Usage("")) for line in cell] == lines


def test_cells_printed_side_by_side_are_kept_apart():
    lines = ["制定年度计划", "日常巡查", "日常巡查", "日常巡查考核，巩固示范区成果，完", "成市核定年度任务"]
    cells = _quarter_cells(lines, _Usage(""), separate={0, 1, 2})
    assert cells == [lines[0:1], lines[1:2], lines[2:3], lines[3:5]]


def test_all_55_numbered_tasks_come_out_in_order(extracted):
    assert [task["number"] for task in extracted[0]] == list(range(1, 56))


def test_every_task_has_an_area_a_project_a_task_four_quarters_and_a_lead(extracted):
    for task in extracted[0]:
        assert task["area"] and task["project"] and task["task"], task["number"]
        assert len(task["quarters"]) == 4 and all(task["quarters"]), task["number"]
        assert task["lead"], task["number"]


def test_task_1_matches_the_table(tasks, departments):
    task = tasks[1]
    assert task["area"] == "一、坚持高质量发展，着力在稳增长中提高经济密度"
    assert task["project"] == "稳增长"
    assert task["task"] == "实现区级一般公共预算收入预期增长1.5%，达到133.60亿元。"
    assert task["quarters"] == [f"区级一般公共预算收入完成年度目标的{share}%" for share in (25, 50, 75, 100)]
    assert task["lead"] == names(departments, "财政局", "税务局")
    assert task["support"] == names(departments, "金融办", "商务委", "临空办", "发改委", "科委", "市场监管局")


def test_task_8_keeps_the_empty_fourth_quarter_mark_and_joins_a_wrapped_lead(tasks, departments):
    task = tasks[8]
    assert task["project"] == "土地出让和收储"
    assert task["task"] == "土地出让：完成226街坊（临空12号A块）、113街坊（天山路680弄）二幅地块的土地出让。"
    assert task["quarters"] == ["226街坊完成出让前准备工作，发布出让公告；113街坊开展出让准备工作",
                                "226街坊完成出让；113街坊发布出让公告", "113街坊完成出让", "——"]
    assert task["lead"] == names(departments, "规划资源局")
    assert task["support"] == names(departments, "发改委", "商务委", "建管委", "科委", "房管局", "民防办", "卫健委",
                                    "财政局", "生态环境局", "绿化市容局")


def test_task_11_has_a_single_support_body(tasks, departments):
    task = tasks[11]
    assert task["project"] == "优化营商环境深化改革开放"
    assert task["quarters"] == ["开展企业座谈，了解企业需求；制定出台《市场监管轻微违法违规经营行为免罚清单》",
                                "贯彻实施并学习宣传区级《市场监管轻微违法违规经营行为免罚清单》",
                                "阶段性评估区级《市场监管轻微违法违规经营行为免罚清单》实施效果",
                                "总结经验，形成长效机制"]
    assert task["lead"] == names(departments, "市场监管局")
    assert task["support"] == names(departments, "司法局")


def test_task_13_keeps_a_group_the_table_does_not_hold_as_written(tasks, departments):
    task = tasks[13]
    assert task["quarters"][0].endswith("组织开展“人才服务月”活动；深化人才服务专员制度")
    assert task["quarters"][1].startswith("做好新一轮长宁人才政策宣讲；")
    assert task["quarters"][2].startswith("开展优秀在校大学生到长宁区党政机关")
    assert task["quarters"][3] == "制定“十四五”人才发展规划；抓好人才开发重点项目落实"
    assert task["lead"] == names(departments, "人社局")
    assert task["support"] == ["区人才工作协调小组成员单位"]


def test_task_17_support_ends_with_a_wrapped_group(tasks, departments):
    task = tasks[17]
    assert task["area"] == "三、坚持协调发展，以城市更新助推城区功能品质提升"
    assert task["project"] == "城市更新"
    assert task["task"] == "深入推进城市更新三年行动计划，完成50个项目中的60%目标任务，协调推进“X”范围项目启动。"
    assert task["quarters"] == ["继续实施三年行动计划项目，梳理各项目年度计划", "继续实施三年行动计划项目，排摸“X”范围项目情况",
                                "继续实施三年行动计划项目，明确锁定“X”范围项目",
                                "完成三年行动计划60%目标任务，协调推进“X”范围项目启动"]
    assert task["lead"] == names(departments, "建管委")
    assert task["support"] == names(departments, "发改委", "规划资源局") + ["城市更新三年行动计划项目牵头部门"]


def test_task_19_splits_three_quarters_printed_on_one_line(tasks, departments):
    task = tasks[19]
    assert task["project"] == "精细化管理"
    assert task["quarters"] == ["制定年度计划和考核方案", "日常巡查、考核", "日常巡查、考核",
                                "日常巡查考核，巩固示范区成果，完成市核定年度任务"]
    assert task["lead"] == names(departments, "绿化市容局")
    assert task["support"] == ["生活垃圾分类减量推进工作联席会议成员单位"]


def test_task_29_has_two_leads_one_wrapped(tasks, departments):
    task = tasks[29]
    assert task["area"] == "四、坚持绿色发展，为人民群众提供更多优质生态产品"
    assert task["task"] == "持续改善水环境面貌，确保我区9个市级考核断面水质年均数据达标。"
    assert task["quarters"] == ["做好河道综合管控，系统分析第一季度市考断面水质情况", "继续巩固深化河长制，系统分析上半年市考断面水质情况",
                                "继续巩固深化河长制，系统分析前三季度市考断面水质情况", "确保9个市级考核断面水质年均数据达标"]
    assert task["lead"] == names(departments, "建管委", "生态环境局")
    assert task["support"] == names(departments, "房管局", "临空办", "绿化市容局", "城管执法局", "仙霞街道",
                                    "程家桥街道", "北新泾街道", "新泾镇")


def test_task_30_keeps_a_collective_reference_as_written(tasks, departments):
    task = tasks[30]
    assert task["lead"] == names(departments, "建管委", "房管局")
    assert task["support"] == names(departments, "发改委", "公安分局", "规划资源局", "绿化市容局") + ["相关街（镇）"]


def test_task_33_takes_the_whole_area_although_a_page_break_cut_it(tasks, departments):
    assert tasks[32]["area"] == tasks[33]["area"] == "四、坚持绿色发展，为人民群众提供更多优质生态产品"
    task = tasks[33]
    assert task["project"] == "节能减排"
    assert task["task"] == "完成向市政府备案节能指标。"
    assert task["quarters"] == ["推进节能减排工作，节能指标控制在全年目标内"] * 4
    assert task["lead"] == names(departments, "发改委")
    assert task["support"] == ["区节能减排工作领导小组成员单位"]


def test_task_39_lead_and_support_printed_on_one_line(tasks, departments):
    task = tasks[39]
    assert task["project"] == "社会保障"  # inherited from task 38: the cell spans both rows
    assert task["task"] == "菜场建设：加快推动本区标准化菜市场建设，年内完成2家标准化菜市场新建或改建任务。"
    assert task["quarters"] == ["确定2家新建或改建标准化菜市场建设目标", "完成2家标准化菜市场建设或改造方案",
                                "完成1家标准化菜市场建设或改造工作",
                                "完成1家标准化菜市场建设或改造工作，并对全年标准化菜市场建设改造工作进行总结"]
    assert task["lead"] == names(departments, "商务委")
    assert task["support"] == names(departments, "九华集团")


def test_task_42_four_quarters_and_the_lead_printed_on_one_line(tasks, departments):
    task = tasks[42]
    assert task["project"] == "安居工程"
    assert task["task"] == "廉租租金配租，对符合条件的廉租租金配租家庭做到“应保尽保”。全面完成2020年度上海市住房租赁工作各项目标。"
    assert task["quarters"] == [f"完成工作目标的{share}%" for share in (25, 50, 75, 100)]
    assert task["lead"] == names(departments, "房管局")
    assert task["support"] == names(departments, "民政局", "临空办", "公安分局", "区房屋管理公司") + [
        "区住房租赁工作组各成员单位", "各街（镇）"]


def test_task_49_continues_the_task_cut_at_the_page_bottom(tasks):
    assert tasks[49]["task"].endswith("治理的精品化，实现“一屏观天下”和“一网管全城”。")
    assert tasks[49]["lead"] == [tasks[49]["lead"][0]] and tasks[49]["support"] == ["涉及区城市运行综合管理的相关单位"]


def test_task_52_matches_the_table(tasks, departments):
    task = tasks[52]
    assert task["project"] == "代表建议和政协提案办理"
    assert task["quarters"] == [
        "完成市区“两会”期间人大代表建议和政协提案的分办工作，组织召开2020年区办理工作大会，总结表彰2019年度先进单位和优秀个人",
        "完成市区“两会”期间人大代表建议和政协提案的办理工作，召开2020年区办理工作培训会",
        "做好市区人大代表建议和政协提案的平时办理工作，分条块跟踪督办重点建议提案，组织开展专题培训和学习交流",
        "完成市区人大代表建议和政协提案的办理工作，办复率达到100%，总结汇报办理工作，开展年度考核工作"]
    assert task["lead"] == names(departments, "区府办")
    assert task["support"] == ["各部门", "各街(镇)"]


def test_task_53_lead_is_two_bodies(tasks, departments):
    task = tasks[53]
    assert task["task"] == "加强基础工作，完成各类普查和评估工作：1.第三次全国国土调查更新成果与验收。2.第七次全国人口普查。"
    assert task["quarters"][1].startswith("成立街镇普查领导小组及办公室；")
    assert task["quarters"][2].startswith("普查区域划分和绘制普查小区电子地图；")
    assert task["quarters"][3].startswith("完成我区成果检查验收，")
    assert task["lead"] == names(departments, "统计局", "规划资源局")
    assert task["support"] == ["各相关部门", "各街（镇）"]


def test_areas_are_the_nine_headings_without_letter_spacing(extracted):
    areas = list(dict.fromkeys(task["area"] for task in extracted[0]))
    assert [area.partition("、")[0] for area in areas] == list("一二三四五六七八九")
    assert areas[7] == "八、“十四五”规划编制" and areas[8] == "九、政府实事"
    assert not any(" " in area for area in areas)


def test_a_project_cell_spanning_rows_is_inherited(tasks):
    assert tasks[2]["project"] == "稳增长"
    assert tasks[12]["project"] == "优化营商环境深化改革开放"
    assert tasks[48]["project"] == "提升“一网通办”服务能级"


def test_no_header_fragment_leaks_into_any_cell(extracted):
    for task in extracted[0]:
        cells = [task["area"], task["project"], task["task"], *task["quarters"], *task["lead"], *task["support"]]
        for cell in cells:
            assert not any(word in re.sub(r"\s", "", cell) for word in HEADER_WORDS), (task["number"], cell)
            assert cell not in ("重要", "项目", "重要项目"), (task["number"], cell)
            assert not re.search(r"—\s*\d+\s*—", cell), (task["number"], cell)


def test_lead_and_support_are_canonical_names_or_groups_kept_as_written(extracted, departments):
    for task in extracted[0]:
        for entry in task["lead"] + task["support"]:
            canonical = departments.canonical(entry)
            kept_as_written = canonical is None or departments.get(canonical).collective
            assert canonical == entry or kept_as_written, (task["number"], entry)


def test_the_returned_text_drops_the_table_and_keeps_the_attachment_title(extracted):
    rest = extracted[1]
    assert "上海市长宁区人民政府2020年重点工作目标\n" in rest
    assert rest.rstrip().endswith("2020年2月26日印发")
    assert "抄送：区委各部门" in rest
    for fragment in ("第一季度 第二季度", "稳增长", "区级一般公共预算收入完", "各街（镇）", "地区办 区相关职能部门"):
        assert fragment not in rest
    before = SOURCE.read_text(encoding="utf-8").partition("领域 序号")[0]
    assert rest.startswith(before)


def test_a_text_without_such_a_table_comes_back_unchanged(departments):
    text = "上海市长宁区人民政府关于印发某某的通知\n\n各街道办事处：\n\n领域 序号\n\n特此通知。\n"
    assert extract_task_table(text, departments) == ([], text)
    assert extract_task_table("", departments) == ([], "")


def test_a_table_eight_times_as_long_is_read_whole(departments):
    """The work per row does not depend on the table's length: a table of 440 rows (the real one
    repeated, renumbered) comes out whole, each copy the same as the original."""
    text = SOURCE.read_text(encoding="utf-8")
    start = text.index("领域 序号")
    end = text.index(" 抄送：")
    body = text[start:end]
    copies = []
    for copy in range(8):
        copies.append(re.sub(r"(?m)^(\d{1,2})$", lambda match: str(int(match.group(1)) + 55 * copy), body))
    long_text = text[:start] + "".join(copies) + text[end:]
    tasks, rest = extract_task_table(long_text, departments)
    original, _ = extract_task_table(text, departments)
    assert [task["number"] for task in tasks] == list(range(1, 441))
    assert [task["task"] for task in tasks[385:]] == [task["task"] for task in original]
    assert rest == extract_task_table(text, departments)[1]
