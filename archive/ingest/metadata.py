"""Front-matter from a document's text: title, type, date, 发文字号, issuer, departments, topics, the
meeting and agenda of executive-meeting minutes, attachments and the imprint (抄送, 印发).

Input is normally the Markdown of normalize.normalize_text (one paragraph per line, the title as a
`# ` heading), but the header and closing zones are also recognised in plain text with the title on
one or more bare lines, which is how web exports and the laws corpus arrive.

Decisions a reader of the archive would notice:
  * Minutes are titled after their meeting, `区政府第73次常务会议纪要`, whether or not the masthead
    prints the generic `区政府常务会议纪要`: two documents with the same title would be
    indistinguishable in lists and search results.
  * A work report printed as `政府工作报告` is titled `2024年政府工作报告` (year of delivery), the
    way it is cited, for the same reason.
  * The date is the 成文日期: the meeting date for minutes, the delivery date for a work report, the
    signature date otherwise; for the laws corpus the version date in the file name.
  * 发文字号 is taken only from a line that is wholly a number (header zone, under the title, or a
    `发文字号：` label), never from a document cited in the body.
  * Agenda departments are canonical names; a reporting body the department table does not know is
    kept as written so that nothing is lost.
  * The department table is Changning's, so the document's jurisdiction is decided first, from the
    organ it names as issuer (发文机关 label, masthead, title, 署名, speaker, meeting), then its
    发文字号, then whether it names Changning at all. In another district's document 区绿化市容局
    is that district's bureau: departments and issuer only hold bodies its text tells apart.
  * Web pages of other governments: a first line 【body】title gives the title (the 【】 is an
    issuer hint, used when nothing better names the issuer and it reads as a body or a place); a
    文号 run onto the title line goes to doc_number; a page without a recognisable title is titled
    by its first line (or a table row's headline) and says so in `review`.
  * `date` stays the 成文日期; the page's 发布日期/发布时间 (or a bare date-and-time line at its top)
    is `publish_date`. The 信息公开 labels 索引号, 有效性 and 主题词 are kept as index_number,
    validity and keywords.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any

from archive.departments import ELSEWHERE, HOME, DepartmentTable
from archive.document import DOC_TYPES
from archive.topics import TopicRules

_SPACE = re.compile(r"\s+")
_CN_DIGITS = {"〇": 0, "○": 0, "O": 0, "Ｏ": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_ZERO = "〇○OＯ零"
_CN_NUMBER = "[一二三四五六七八九十]{1,3}"
_CN_YEAR = f"[{_CN_ZERO}一二三四五六七八九]{{4}}"
# Digits may still be letter-spaced after PDF extraction (2 0 2 4 年).
_AR_YEAR = r"(?:1|2)(?:\s?\d){3}"
_AR_NUM = r"\d(?:\s?\d)?"
DATE_PATTERN = re.compile(
    rf"(?P<y>{_AR_YEAR}|{_CN_YEAR})\s*年\s*(?P<m>{_AR_NUM}|{_CN_NUMBER})\s*月\s*(?P<d>{_AR_NUM}|{_CN_NUMBER})\s*日"
)
# After NFKC (full-width digits and brackets folded) and whitespace removal.
_NUMBER_PATTERN = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,15}?)[〔\[(【](?P<year>(?:19|20)\d{2})[〕\])】]第?(?P<no>\d{1,5})号?"
)
_ORDER_PATTERN = re.compile(r"(?P<prefix>[\u4e00-\u9fff]{2,20}令)第(?P<no>\d{1,5})号")
_HEADING = re.compile(r"^#{1,6}\s+")
_TITLE_HEADING = re.compile(r"^#\s+")
# Catalogue labels of web exports, and the provenance lines of pkulaw pages.
_LABEL = re.compile(r"^(?:(?P<label>索引号|主题分类|发文机关|成文日期|标题|发文字号|发布日期|发布时间|印发日期|主题词|有效性"
                    r"|信息索引号|原文链接)[:：]"
                    r"|【(?P<bracketed>法宝引证码)】)(?P<value>.*)$")
_MASTHEAD = re.compile(r"^[\u4e00-\u9fff（）()]{2,40}?(文件|纪要|会议文件[(（]\d+[)）])$")
_DASHES = "—─-－–"
_ORG_END = re.compile(r"(政府|办公室|办公厅|委员会|局|委|办|厅|部|院|处|中心|公司|集团|街道办事处|镇|秘书处|支队|分局|会)$")
_ENDINGS = [(re.compile(pattern), doc_type) for pattern, doc_type in (
    (r"特此通知|现予印发|现转发给你们|现印发给你们|印发给你们", "通知"),
    (r"特此公告|现予公告", "公告"),
    (r"特此通告", "通告"),
    (r"专此批复|此复|现批复如下", "批复"),
    (r"特此通报", "通报"),
    (r"特此函告|特此函复|此函", "函"),
    (r"现提出以下(?:实施)?意见|提出如下(?:实施)?意见", "意见"),
    (r"决定如下|作如下修改", "决定"),
    (r"妥否，请批示|请予批复", "请示"),
    (r"特此报告", "报告"),
)]
_MEETING = re.compile(
    r"(?:常务副区长|副区长|区长|副市长|市长|县长|主任)(?P<chair>[\u4e00-\u9fff·]{2,4}?)主持召开"
    r"(?P<body>[\u4e00-\u9fff]{2,20}?)第\s*(?P<number>\d+|[一二三四五六七八九十百]+)\s*次(?P<kind>常务会议|全体会议)"
)
_AGENDA = re.compile(r"^会议听取了?(?P<reporters>[^。；]+?)关于(?P<subject>.+?)的汇报")
_SUPPLEMENTARY = re.compile(r"(?:^|[。；])(?P<who>[^。；]*?)补充汇报")
_SPEAKER = re.compile(r"^(?P<place>[\u4e00-\u9fff]{2,12}?)(?:区长|市长|县长|省长|主席)[\u4e00-\u9fff·]{2,4}$")
_PRINTER = re.compile(r"^(?P<printer>[^\d\s].{1,39}?)\s*(?P<date>\S+年\S+月\S+日)\s*印发$")
_CC = re.compile(r"^(?:抄\s*送|抄\s*报)\s*[:：]\s*(?P<list>.*)$")
_ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[:：]\s*(?P<rest>.*)$")
_ENUMERATED = re.compile(r"^(?:\d{1,2}\s*[.．、]|[（(]\d{1,2}[)）])\s*(?P<title>.+)$")
_FILE_DATE = re.compile(r"[(（](\d{4}-\d{2}-\d{2})[)）]|^(\d{4}-\d{2}-\d{2})")
_INFO_END = "<!-- INFO END -->"
# The organ of an act line, up to what it did: 第二十三次会议通过, 令第494号公布, 公告第9号, 2021年第20次室务会议.
_LAW_ISSUER = re.compile(
    r"^(?P<body>.+?)(?:公告|令)?(?:第[一二三四五六七八九十百\d]+(?:次|号|会议)|\d{4}年|令第|通过|发布|公布|批准|修订|修正|讨论|审议|$)")
# The session of a congress is not part of its name (山东省第十三届人民代表大会常务委员会).
_SESSION = re.compile(r"第[一二三四五六七八九十百]+届")
# A revision by decision: 《国务院关于修改〈…〉的决定》第一次修订 was made by 国务院.
_CITED_DECISION = re.compile(r"^《(?P<organ>[^《》〈〉]+?)关于")
_LAW_ACT = re.compile(r"通过|发布|公布|批准|修订|修正")
_HEADER_LINES = 15
_IMPRINT_LINES = 8
_TITLE_FRAGMENT = re.compile(r"^[\u4e00-\u9fff0-9A-Za-z《》〈〉（）()“”‘’\"、·—\-－]+$")


def _squeeze(text: str) -> str:
    return _SPACE.sub("", text)


def _cn_value(text: str) -> int | None:
    """一 … 九十九 as written in dates and meeting numbers (十二, 二十一, 三十)."""
    if "百" in text:
        hundreds, _, rest = text.partition("百")
        tail = _cn_value(rest.lstrip("零〇")) if rest else 0
        return None if tail is None else _CN_DIGITS.get(hundreds or "一", 0) * 100 + tail
    if "十" in text:
        tens, _, ones = text.partition("十")
        if tens and tens not in _CN_DIGITS or ones and ones not in _CN_DIGITS:
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


def _number(text: str) -> int | None:
    text = _squeeze(text)
    if text.isdigit():
        return int(text)
    if all(char in _CN_DIGITS for char in text) and len(text) == 4:
        return int("".join(str(_CN_DIGITS[char]) for char in text))
    return _cn_value(text)


def _iso(match: re.Match[str]) -> str | None:
    year, month, day = (_number(match.group(key)) for key in ("y", "m", "d"))
    if None in (year, month, day):
        return None
    try:
        return dt.date(year, month, day).isoformat()  # type: ignore[arg-type]
    except ValueError:
        return None


# Web pages write dates 2025-04-30, 2025/4/30 or 2025.4.30, often with a time, sometimes run into
# it (2023-04-1909:49): a two-digit day is then read before the hour.
_NUMERIC_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-./])(?P<m>\d{1,2})(?P=sep)"
                           r"(?P<d>\d{2}(?=\d{1,2}:\d{2})|\d{1,2}(?!\d))(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?")


def parse_any_date(text: str) -> str | None:
    """The first date in text written either way: 2025年4月30日 or 2025-04-30 (/ .), with or without a time."""
    text = unicodedata.normalize("NFKC", text)
    found = [(match.start(), _iso(match)) for match in DATE_PATTERN.finditer(text)]
    found += [(match.start(), _iso(match)) for match in _NUMERIC_DATE.finditer(text)]
    found = sorted((start, iso) for start, iso in found if iso)
    return found[0][1] if found else None


def find_dates(text: str) -> list[str]:
    """Every valid date written in text, as YYYY-MM-DD, in order; impossible dates are skipped."""
    text = unicodedata.normalize("NFKC", text)
    return [iso for iso in map(_iso, DATE_PATTERN.finditer(text)) if iso]


def parse_date(text: str) -> str | None:
    """The first valid date in text as YYYY-MM-DD (2020年2月26日, 二〇二一年十二月三十日, 2024 年 3 月 27 日)."""
    dates = find_dates(text)
    return dates[0] if dates else None


def _whole_date(line: str) -> str | None:
    """The date when the line is nothing but a date (2024年3月27日, 2025-04-30, 2025.4.30 17:51)."""
    text = unicodedata.normalize("NFKC", line).strip()
    match = DATE_PATTERN.fullmatch(text) or _NUMERIC_DATE.fullmatch(text)
    return _iso(match) if match else None


def normalize_doc_number(text: str) -> str | None:
    """The 发文字号 the text consists of, written the standard way (长府〔2020〕8号), or None.
    Tolerates [], （）, ［］, ﹝﹞, 【】, spaces, full-width digits, a missing 号, surrounding brackets."""
    text = _squeeze(unicodedata.normalize("NFKC", text))
    if len(text) > 2 and text[0] in "(【[" and text[-1] in ")】]":
        text = text[1:-1]
    match = _NUMBER_PATTERN.fullmatch(text)
    if match:
        return f"{match['prefix']}〔{match['year']}〕{int(match['no'])}号"
    match = _ORDER_PATTERN.fullmatch(text)
    if match:
        return f"{match['prefix']}第{int(match['no'])}号"
    return None


def _doc_type_from_title(title: str) -> str | None:
    squeezed = _TITLE_STATUS.sub("", _squeeze(title))
    for doc_type in sorted(DOC_TYPES, key=len, reverse=True):
        if squeezed.endswith(doc_type):
            return doc_type
    return None


def _doc_type_from_text(paragraphs: list[str]) -> str | None:
    for paragraph in reversed(paragraphs):
        for pattern, doc_type in _ENDINGS:
            if pattern.search(paragraph):
                return doc_type
    return None


# Titles of policy texts end in a 文种 or in the name of what they are, often with a status after it.
_TITLE_ENDINGS = ("报告", "纪要", "措施", "办法", "细则", "方案", "规定", "规划", "要点", "声明", "条例", "规则",
                  "制度", "指引", "指南", "清单", "目录", "政策", "公示", "须知")
_TITLE_STATUS = re.compile(r"[(（](?:试行|暂行|征求意见稿|草案|修订|修订稿|送审稿|第\d+号)[)）]$")


def _is_title_end(line: str) -> bool:
    squeezed = _TITLE_STATUS.sub("", _squeeze(line))
    return _doc_type_from_title(squeezed) is not None or squeezed.endswith(_TITLE_ENDINGS)


# A 文号 printed on the title line, after the title's last word (…的补充通知兰政发〔2017〕48号).
_ATTACHED_NUMBER = re.compile(
    r"^(?P<title>.{4,}(?:" + "|".join(sorted(DOC_TYPES + _TITLE_ENDINGS, key=len, reverse=True))
    + r")(?:[(（][^()（）]{1,8}[)）])?)(?P<number>[\u4e00-\u9fff]{1,12}[〔\[(【［﹝](?:19|20)\d{2}[〕\])】］﹞]第?\d{1,5}号"
    r"|(?:19|20)\d{2}年第\d{1,4}号)$")


def _split_attached_number(title: str) -> tuple[str, str | None]:
    """(title, 文号) when the title line ends in a 文号; the number as normalize_doc_number writes it."""
    match = _ATTACHED_NUMBER.match(unicodedata.normalize("NFKC", title).replace(" ", ""))
    if not match:
        return title, None
    return match["title"], normalize_doc_number(match["number"]) or match["number"]


def _canonical_or_written(departments: DepartmentTable, name: str, jurisdiction: str) -> str:
    return departments.canonical(name, jurisdiction) or _squeeze(name)


def _split_list(text: str, keep_whole: list[str]) -> list[str]:
    """Split 抄送 / 附件 lists on 、，, but keep names that contain 、 (区各民主党派、人民团体) whole."""
    protected = text
    for index, name in enumerate(keep_whole):
        protected = protected.replace(name, f"\x00{index}\x00")
    items = []
    for item in re.split(r"[、，,；;]", protected.rstrip("。.；; ")):
        item = re.sub(r"\x00(\d+)\x00", lambda match: keep_whole[int(match.group(1))], item).strip()
        if item:
            items.append(item)
    return items


class _Lines:
    """The document as a list of lines, with the indexes of lines that leave the body."""

    def __init__(self, markdown: str):
        self.lines = markdown.splitlines()
        self.removed: set[int] = set()

    def content(self) -> list[tuple[int, str]]:
        return [(index, line.strip()) for index, line in enumerate(self.lines) if line.strip()]

    def body(self) -> str:
        kept = [line for index, line in enumerate(self.lines) if index not in self.removed]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n") + "\n"


def extract_metadata(markdown: str, *, source_name: str, departments: DepartmentTable,
                     topics: TopicRules, review: list[str] | None = None) -> tuple[dict[str, Any], str]:
    """(front-matter dict, body without the header zone and imprint). Keys without a value are
    omitted. See the module docstring for the choices made. What was guessed or not found (a title
    taken from the first line, no date) is appended to `review` as 'key: what was done'."""
    doc = _Lines(markdown)
    content = doc.content()
    meta: dict[str, Any] = {}
    notes = review if review is not None else []
    labels = _read_labels(doc, content)
    is_law = _INFO_END in markdown

    title, title_end, hint = (None, 0, None) if is_law else _bracketed_title(doc, content)
    if title is None:
        title, title_end = _find_title(doc, content, is_law)
    title = _squeeze(labels.get("标题", "")) or title
    title, attached_number = _split_attached_number(title) if title and not is_law else (title, None)
    # Called even when a label gave the number, so that the number line leaves the body.
    number = _find_number(doc, content, title_end) or attached_number
    number = (labels.get("发文字号") and normalize_doc_number(labels["发文字号"])) or number
    publish_date = _publish_date(doc, content, labels)
    masthead = _find_masthead(doc, content, title_end)
    cc, printer, print_date = _read_imprint(doc, content, departments)
    paragraphs = [line for _, line in content]
    meeting = _find_meeting(paragraphs)
    subtitle_date = _report_date(content[:_HEADER_LINES])
    signature, signature_date = _find_signature(content, doc.removed)

    if not title and meeting:
        title = f"{meeting['body']}第{meeting['number']}次{meeting['kind']}纪要"
    elif title and meeting and _squeeze(title).endswith("纪要") and "第" not in title:
        title = f"{meeting['body']}第{meeting['number']}次{meeting['kind']}纪要"
    if title == "政府工作报告" and subtitle_date:
        title = f"{subtitle_date[:4]}年{title}"
    if not title:
        title, how = _first_line_title(doc, content)
        if title:
            notes.append(f"title: not recognised, {how}")

    doc_type = _doc_type_from_title(title) if title else None
    if doc_type is None and meeting and any(_AGENDA.match(p) for p in paragraphs):
        doc_type = "纪要"
    if doc_type is None and not is_law:
        doc_type = _doc_type_from_text(paragraphs)

    date = (labels.get("成文日期") and parse_any_date(labels["成文日期"])) or None
    print_date = print_date or (labels.get("印发日期") and parse_any_date(labels["印发日期"])) or None
    if is_law:
        date = date or _file_date(source_name) or _law_date(markdown)
    else:
        date = (date or (meeting or {}).get("date") or subtitle_date or signature_date
                or print_date or _file_date(source_name))

    if not date and not publish_date:
        notes.append("date: none found")

    law_issuer = _law_issuer(markdown, date) if is_law else None
    jurisdiction = _jurisdiction(departments, markdown, number, [
        labels.get("发文机关"), _masthead_organ(masthead), _title_organ(title), signature, _speaker_government(content),
        meeting and meeting["body"], law_issuer, hint, title])
    issuer = _find_issuer(labels, signature, masthead, title, meeting, content, departments, jurisdiction)
    issuer = _split_joint_issuers(issuer or law_issuer or _hint_organ(hint))

    named = departments.find_all(markdown, jurisdiction=jurisdiction)
    body = doc.body()
    if title_end == 0 or hint:
        # The title came from elsewhere: a heading left in the body is a part's, not the document's.
        body = re.sub(r"(?m)^# ", "## ", body)
    meta.update({
        "title": title,
        "doc_type": doc_type,
        "date": date,
        "doc_number": number,
        "index_number": _squeeze(labels.get("索引号") or labels.get("信息索引号") or "") or None,
        "publish_date": publish_date,
        "validity": _squeeze(labels.get("有效性", "")) or None,
        "keywords": _split_list(re.sub(r"[\s\u3000]+", "、", labels.get("主题词", "").strip()), []) or None,
        "issuer": issuer,
        "departments": named,
        # Bodies named only in the imprint (抄送) say nothing about the subject.
        "topics": topics.assign(body, departments.find_all(body, jurisdiction=jurisdiction)),
    })
    if meeting:
        meta["meeting"] = {"number": meeting["number"], "chair": meeting["chair"]}
        meta["agenda"] = _agenda(paragraphs, departments, topics, jurisdiction)
    meta["attachments"] = _attachments(content)
    meta["cc"] = cc
    meta["printer"] = printer
    meta["print_date"] = print_date
    return {key: value for key, value in meta.items() if value not in (None, "", [], {})}, body


def _read_labels(doc: _Lines, content: list[tuple[int, str]]) -> dict[str, str]:
    """Catalogue labels a web export prints above the text (发文字号：…, 成文日期：…)."""
    labels = {}
    for index, line in content[:_HEADER_LINES]:
        match = _LABEL.match(_squeeze(line))
        if match:
            # The value as printed (主题词 are separated by spaces); the label may be letter-spaced.
            value = re.split(r"[:：]", line, maxsplit=1)[1].strip() if match["label"] else match["value"]
            labels[match["label"] or match["bracketed"]] = value
            doc.removed.add(index)
    return labels


def _publish_date(doc: _Lines, content: list[tuple[int, str]], labels: dict[str, str]) -> str | None:
    """The 发布日期 a web page prints: a 发布日期/发布时间 label, or a line at the top that is only a
    date and time (which then leaves the body)."""
    for label in ("发布日期", "发布时间"):
        if labels.get(label):
            date = parse_any_date(labels[label][:25])
            if date:
                return date
    for index, line in content[:6]:
        # Only the numeric form: a 年月日 line at the top is a masthead's or a meeting's date.
        text = unicodedata.normalize("NFKC", line).strip()
        if text.endswith((":", "。")):
            break  # the 主送 line or the body: a date after it is the signature's
        match = index not in doc.removed and _NUMERIC_DATE.match(text)
        date = match and _iso(match)
        if date and match.end() == len(text):
            doc.removed.add(index)
            return date
        if date and _PAGE_FACTS.match(text[match.end():]):
            return date  # 2023-02-04作者:点击数:1218 stays: it is the page's line, not the document's
    return None


_PAGE_FACTS = re.compile(r"^\s*(?:来源|作者|浏览|点击|阅读|访问|发布|字号|编辑)")


def _split_joint_issuers(issuer: str | None) -> str | None:
    """Joint issuers printed without a break (杭州市余杭区住房和城乡建设局杭州市余杭区财政局), written
    with 、 as a list of them would be: a body's name ends where the place that opens it starts again."""
    place = issuer and re.match(r"^.{2,8}?[省市县区]", issuer)
    if not place:
        return issuer
    names: list[str] = []
    for written in issuer.split("、"):
        parts = re.split(rf"(?<=[局委办厅部院处会心室府行])(?={re.escape(place.group())}|国家|中国)", written)
        names.append(parts[0])
        for part in parts[1:]:
            # A national body's local office goes on with the place: 国家税务总局杭州市税务局 is one body.
            if names[-1].startswith(("国家", "中国")) and place.group() not in names[-1]:
                names[-1] += part
            else:
                names.append(part)
    return "、".join(names)


def _hint_organ(hint: str | None) -> str | None:
    """The 【】 prefix of a web page's title as issuer, when it names a body or a place (not 【传闻】)."""
    if hint and (_ORG_END.search(hint) or re.search(r"(?:省|市|区|县|州|盟|旗)$", hint)) and len(hint) >= 3:
        return _squeeze(hint)
    return None


def _find_title(doc: _Lines, content: list[tuple[int, str]], is_law: bool) -> tuple[str | None, int]:
    """The title and the position in content just after it (0 when there is none)."""
    head = content[:_HEADER_LINES]
    for position, (index, line) in enumerate(head):
        # Only a level-1 heading is a title; ## 一、总体要求 is a section of a title-less text.
        if not _TITLE_HEADING.match(line):
            continue
        title_lines = [(index, _HEADING.sub("", line))]
        # The laws corpus splits some titles into two headings (# 中华人民共和国民法典 / # 合同编).
        while is_law and position + 1 < len(head) and _TITLE_HEADING.match(head[position + 1][1]):
            position += 1
            title_lines.append((head[position][0], _HEADING.sub("", head[position][1])))
        doc.removed.update(index for index, _ in title_lines)
        title = " ".join(_despace(text) for _, text in title_lines)
        return title, position + 1
    if is_law:
        return None, 0
    # Plain text: consecutive short title-like lines up to one that ends with a document type.
    fragments: list[tuple[int, str]] = []
    for position, (index, line) in enumerate(head):
        squeezed = _squeeze(line)
        if index in doc.removed:
            fragments = []
            continue
        if squeezed.endswith(("：", ":", "。")) or len(squeezed) > 100:
            break
        if not _TITLE_FRAGMENT.match(squeezed) or normalize_doc_number(squeezed) \
                or _MASTHEAD.match(squeezed):
            fragments = []
            continue
        fragments.append((index, squeezed))
        if _is_title_end(squeezed) and len(fragments) <= 4:
            title = "".join(text for _, text in fragments)
            doc.removed.update(index for index, _ in fragments)
            # A web export may print the title twice in a row.
            if position + 1 < len(head) and _squeeze(head[position + 1][1]) == title:
                doc.removed.add(head[position + 1][0])
                position += 1
            return title, position + 1
    return None, 0


# A web page's first line: 【publishing body or column】title (【太原市房产管理局】关于…的实施意见).
_BRACKETED_TITLE = re.compile(r"^(?:#\s+)?【(?P<hint>[^【】]{1,30})】\s*(?P<title>.+)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TITLE_MAX = 80


def _bracketed_title(doc: _Lines, content: list[tuple[int, str]]) -> tuple[str | None, int, str | None]:
    """(title, position after it, the 【】 text) when the first line of the text is 【…】title."""
    first = next(((position, index, line) for position, (index, line) in enumerate(content[:_HEADER_LINES])
                  if index not in doc.removed), None)
    if first is None:
        return None, 0, None
    position, index, line = first
    whole = re.fullmatch(r"【(?P<title>[^【】]+)】", _HEADING.sub("", line).strip())
    match = _BRACKETED_TITLE.match(line) if not whole else re.match(r"(?P<hint>)(?P<title>.+)", whole["title"])
    if not match or len(_CJK.findall(match["title"])) < 4 or len(_squeeze(match["title"])) > 160 \
            or match["title"].rstrip().endswith(("。", "：", ":")):
        return None, 0, None
    title = _despace(match["title"])
    doc.removed.add(index)
    # The page often repeats the title (without the 【】, sometimes as a heading) under it.
    bare, _ = _split_attached_number(title)
    for following, (next_index, next_line) in enumerate(content[position + 1:position + 4], start=position + 1):
        text = _squeeze(_HEADING.sub("", next_line))
        if text in (_squeeze(title), _squeeze(bare), _squeeze(line)):
            doc.removed.add(next_index)
            return title, following + 1, match["hint"]
    return title, position + 1, match["hint"]


def _first_line_title(doc: _Lines, content: list[tuple[int, str]]) -> tuple[str | None, str]:
    """The best title a text without a recognisable title line offers, and what was done: its first
    line that is not a date or a 文号 (a cell of a table row, a long line's first sentence)."""
    for index, line in content[:_HEADER_LINES]:
        text = re.sub(r"\*\*", "", _HEADING.sub("", line)).strip()
        if index in doc.removed or _whole_date(text) or normalize_doc_number(text) or not text:
            continue
        if text.count("|") >= 2:
            cells = [cell.strip() for cell in text.split("|")]
            cells = [_BRACKETED_TITLE.sub(r"\g<title>", cell) for cell in cells
                     if len(_CJK.findall(cell)) >= 4 and not cell.startswith("http")]
            sentences = [re.split(r"[。！？!?]", cell)[0] for cell in cells]
            best = next((cell for cell in sentences if 10 <= len(cell) <= _TITLE_MAX), None) \
                or next(iter(sentences), None)
            if best:
                return _shorten(best), "a headline taken from a table row"
            continue
        if len(text) <= _TITLE_MAX:
            doc.removed.add(index)
            return _squeeze(text) if _CJK.search(text) else text, "the first line is used"
        return _shorten(re.split(r"[。！？!?；;]", text)[0]), "the first sentence is used"
    return None, ""


def _shorten(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _TITLE_MAX else text[:_TITLE_MAX - 1] + "…"


def _despace(text: str) -> str:
    """Remove letter-spacing between CJK characters (政 府 工 作 报 告) but keep other spaces."""
    return re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text.strip())


def _find_number(doc: _Lines, content: list[tuple[int, str]], title_end: int) -> str | None:
    # Before the title (masthead zone) or right under it (web pages), never deeper.
    for index, line in content[:max(title_end, 0) + 3][:_HEADER_LINES]:
        number = normalize_doc_number(line)
        if number:
            doc.removed.add(index)
            return number
    return None


def _find_masthead(doc: _Lines, content: list[tuple[int, str]], title_end: int) -> str | None:
    masthead = None
    limit = title_end if title_end else 3
    for index, line in content[:limit]:
        squeezed = _squeeze(line)
        if index in doc.removed:
            continue
        if _MASTHEAD.match(squeezed) or (title_end and len(squeezed) <= 30 and not re.search(r"[。，：:；]", squeezed)):
            doc.removed.add(index)
            masthead = masthead or squeezed
    return masthead


def _read_imprint(doc: _Lines, content: list[tuple[int, str]], departments: DepartmentTable
                  ) -> tuple[list[str], str | None, str | None]:
    cc: list[str] = []
    printer = print_date = None
    keep_whole = [form for department in departments for form in department.surface_forms if "、" in form]
    # The imprint is the last thing on the last page; only the tail is worth looking at.
    tail = max(len(content) - _IMPRINT_LINES, 0)
    for position in range(tail, len(content)):
        index, line = content[position]
        match = _CC.match(line)
        if match:
            text = match.group("list")
            doc.removed.add(index)
            following = position + 1
            # Plain text wraps the list over lines; it ends with 。
            while not text.rstrip().endswith("。") and following < len(content) and not _PRINTER.match(_despace(content[following][1])):
                text += content[following][1]
                doc.removed.add(content[following][0])
                following += 1
            cc = _split_list(_squeeze(text), keep_whole)
        printed = _PRINTER.match(line.strip())
        if printed:
            printer = _squeeze(printed.group("printer"))
            print_date = parse_date(printed.group("date"))
            doc.removed.add(index)
    return cc, printer, print_date


def _find_meeting(paragraphs: list[str]) -> dict[str, Any] | None:
    for paragraph in paragraphs[:6]:
        match = _MEETING.search(_squeeze(paragraph))
        if match:
            return {
                "number": _number(match["number"]),
                "chair": match["chair"],
                "body": match["body"],
                "kind": match["kind"],
                "date": parse_date(paragraph),
            }
    return None


def _report_date(head: list[tuple[int, str]]) -> str | None:
    """The delivery date of a speech-report: ——2024年1月16日在…会议上."""
    for _, line in head:
        text = _HEADING.sub("", line).lstrip()
        if text[:1] in _DASHES:
            date = parse_date(text[:30])
            if date and "在" in text:
                return date
    return None


def _is_organ_line(text: str) -> bool:
    return bool(text) and len(text) <= 40 and bool(_ORG_END.search(text)) and not re.search(r"[。，：:；,;]", text)


_SIGNED_DATE = re.compile(r"^(?P<organ>[^\d，。；：:,;、]{2,38}?)(?P<date>(?:\d{4}|[〇○零一二三四五六七八九]{4})年.{1,3}月.{1,3}日)$")


def _find_signature(content: list[tuple[int, str]], removed: set[int]) -> tuple[str | None, str | None]:
    """(署名, 成文日期) from the first date line that follows an organ's name; otherwise the last
    date line of the document and no 署名."""
    last_date = None
    for position, (index, line) in enumerate(content):
        if index in removed:
            continue
        # 2024年11月28日印发 under the issuers' names is their date too.
        date = _whole_date(line) or _whole_date(_squeeze(line).removesuffix("印发"))
        signed = None if date or position < len(content) - _IMPRINT_LINES else _SIGNED_DATE.match(_squeeze(line))
        if signed and _ORG_END.search(signed["organ"]) and _whole_date(signed["date"]):
            # The organ and its date on one line (合肥市住房公积金管理委员会办公室2024年10月23日).
            return signed["organ"], _whole_date(signed["date"])
        if not date:
            continue
        organs = []
        # Joint issuers sign one per line above the date (武汉市住房和城市更新局 / 武汉住房公积金管理中心).
        while position - len(organs) > 0 and _is_organ_line(_squeeze(content[position - len(organs) - 1][1])) \
                and len(organs) < 8:
            organs.insert(0, _squeeze(content[position - len(organs) - 1][1]))
        if organs:
            return "、".join(organs), date
        last_date = date
    return None, last_date


def _file_date(source_name: str) -> str | None:
    match = _FILE_DATE.search(Path(source_name).name)
    if not match:
        return None
    value = match.group(1) or match.group(2)
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _law_info(markdown: str) -> list[str]:
    head = markdown.split(_INFO_END, 1)[0]
    return [line.strip() for line in head.splitlines() if line.strip() and not _HEADING.match(line.strip())]


def _law_date(markdown: str) -> str | None:
    info = _law_info(markdown)
    # Act lines name what was done; a bare dated organ line (2020年11月9日 最高人民法院审判委员会) is the
    # date when there is no act line.
    dates = [parse_date(line[:20]) for line in info if _LAW_ACT.search(line)] \
        or [parse_date(line[:20]) for line in info if DATE_PATTERN.match(line)]
    dates = [date for date in dates if date]
    return max(dates) if dates else None


def _law_issuer(markdown: str, date: str | None) -> str | None:
    info = [line for line in _law_info(markdown) if DATE_PATTERN.match(line)]
    acts = [line for line in info if _LAW_ACT.search(line)] or info
    if not acts:
        return None
    # The line of the version the file holds (its date), else the first act (adoption).
    chosen = next((line for line in acts if parse_date(line[:20]) == date), acts[0])
    rest = _squeeze(DATE_PATTERN.sub("", chosen, count=1))
    cited = _CITED_DECISION.match(rest)
    match = _LAW_ISSUER.match(rest)
    if cited:
        body = cited["organ"]
    elif match:
        body = _SESSION.sub("", match["body"])
    else:
        return None
    # 经…批准 (approved by), and the state's name before its organs (中华人民共和国国务院、中华人民共和国中央军事委员会).
    body = re.sub(r"(?:^|(?<=、))中华人民共和国(?=国务院|中央军事委员会)", "", body.removeprefix("经"))
    return body or None


def _masthead_organ(masthead: str | None) -> str | None:
    return re.sub(r"(文件|会议文件[(（]\d+[)）])$", "", masthead) if masthead else None


def _title_organ(title: str | None) -> str | None:
    """The organ a title opens with (上海市徐汇区人民政府办公室关于…的通知), if any."""
    if not title or "关于" not in title:
        return None
    # 江西省萍乡市印发关于…的若干措施: the organ is the one that 印发 (issued) the text; in
    # 转发【市规划国土委等单位】关于… the text before 关于 is what was forwarded, not who forwarded it.
    organ = re.sub(r"(?:印发|转发)$", "", _squeeze(title).split("关于", 1)[0])
    return organ if organ and not re.search(r"[【】《》“”]|^(?:转发|印发)", organ) else None


def _speaker_government(content: list[tuple[int, str]]) -> str | None:
    """The government of a work report's speaker line (长宁区区长 侯继军 -> 长宁区人民政府)."""
    for _, line in content[:_HEADER_LINES]:
        speaker = _SPEAKER.match(_squeeze(_HEADING.sub("", line)))
        if speaker:
            return speaker["place"] + "人民政府"
    return None


def _jurisdiction(departments: DepartmentTable, markdown: str, number: str | None,
                  organs: list[str | None]) -> str:
    """HOME, CITY or ELSEWHERE: from the first organ whose name tells (the last candidate is the
    title, whose place names a law's jurisdiction: 上海市…条例), else the 发文字号, else HOME when
    the text names one of this district's bodies with the district (a Changning document with no
    issuer line), else ELSEWHERE, so that bare district names are not claimed for a document of
    unknown origin."""
    for organ in organs:
        found = departments.jurisdiction_of(organ) if organ else None
        if found:
            return found
    found = departments.jurisdiction_of_number(number) if number else None
    if found:
        return found
    return HOME if departments.names_home_body(markdown) else ELSEWHERE


def _find_issuer(labels: dict[str, str], signature: str | None, masthead: str | None, title: str | None,
                 meeting: dict[str, Any] | None, content: list[tuple[int, str]],
                 departments: DepartmentTable, jurisdiction: str) -> str | None:
    if labels.get("发文机关"):
        return _canonical_or_written(departments, labels["发文机关"], jurisdiction)
    # A work report is the government's, though its last lines name the congress secretariat.
    government = _speaker_government(content)
    if government:
        return _canonical_or_written(departments, government, jurisdiction)
    if signature:
        return _canonical_or_written(departments, signature, jurisdiction)
    if masthead:
        found = departments.canonical(_masthead_organ(masthead) or "", jurisdiction)
        if found:
            return found
    if meeting:
        return _canonical_or_written(departments, meeting["body"], jurisdiction)
    prefix = _title_organ(title)
    if prefix:
        return _canonical_or_written(departments, prefix, jurisdiction)
    return None


def _agenda(paragraphs: list[str], departments: DepartmentTable, topics: TopicRules,
            jurisdiction: str) -> list[dict[str, Any]]:
    items = []
    for paragraph in paragraphs:
        text = _squeeze(paragraph)
        match = _AGENDA.match(text)
        if not match:
            continue
        reporters = _names(match["reporters"], departments, jurisdiction)
        supplementary: list[str] = []
        for extra in _SUPPLEMENTARY.finditer(text[match.end():]):
            supplementary += [name for name in _names(extra["who"], departments, jurisdiction) if name not in supplementary]
        item = {
            "departments": reporters,
            "subject": match["subject"],
            "supplementary": supplementary,
            "topics": topics.assign(text, reporters + supplementary),
        }
        items.append({key: value for key, value in item.items() if value})
    return items


def _names(text: str, departments: DepartmentTable, jurisdiction: str) -> list[str]:
    """Canonical names of the bodies in a list like 区发展改革委、区商务委; unknown ones as written."""
    return departments.find_all(text, jurisdiction=jurisdiction) or [part for part in re.split(r"[、，,]", text) if part]


def _attachments(content: list[tuple[int, str]]) -> list[str]:
    """Titles listed after 附件： (one, or numbered 1. 2. … on the following lines)."""
    titles: list[str] = []
    for position, (_, line) in enumerate(content):
        match = _ATTACHMENT.match(line.replace("\u3000", " ").strip())
        if not match:
            continue
        rest = match.group("rest").strip()
        if rest:
            enumerated = _ENUMERATED.match(rest)
            titles.append((enumerated.group("title") if enumerated else rest).strip())
            if not enumerated:
                break
        for _, following in content[position + 1:]:
            enumerated = _ENUMERATED.match(following.replace("\u3000", " ").strip())
            if not enumerated:
                break
            titles.append(enumerated.group("title").strip())
        if titles:
            break
    return titles
