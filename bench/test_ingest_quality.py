"""The measurement's own oracle (what a text prints as its date, which 文种 a title ends in) on
lines shaped like ../shared/corpora/policy-dev; needs no ../shared."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest_quality  # noqa: E402


def test_dates_in_dating_positions_are_found_and_effective_dates_are_not():
    text = "\n".join([
        "关于调整住房公积金政策的通知",
        "发布时间:2023-04-1909:49来源:省直公积金管理分中心次数:532",
        "本通知自2023年4月23日起施行。",          # an effective date: not the document's
        "合肥市住房公积金管理委员会办公室2024年10月23日",
        "2024年11月28日印发",
        "二〇二三年五月八日",
    ])
    assert ingest_quality.printed_dates(text) == {"2023-04-19", "2024-10-23", "2024-11-28", "2023-05-08"}


def test_a_laws_dates_are_those_of_its_act_lines():
    text = "# 某条例\n\n2003年8月8日 某市人大常委会通过\n\n2010年9月17日 第一次修正\n\n<!-- INFO END -->\n\n第一条 2020年1月1日起施行。\n"
    assert ingest_quality.printed_dates(text) == {"2003-08-08", "2010-09-17"}


def test_the_expected_type_ignores_a_status_after_the_title():
    assert ingest_quality.expected_type("关于做好购房补贴工作的通知(征求意见稿)") == "通知"
    assert ingest_quality.expected_type("重庆市提振消费若干措施") is None
