"""Turn the raw text of a government document into clean Markdown: one paragraph per line.

Input is text as it comes out of PDFs and web pages: lines broken inside sentences (often with a
blank line after every line, or only at page breaks), letter-spaced headings, spaces around
digits, page numbers and table headers repeated on every page. Output is Markdown with one block
per line and a blank line between blocks. Nothing is looked up; every decision is made from the
text alone, in time linear in its length.

What the output looks like
--------------------------
Header zone (版头 and title, before the first body paragraph), each its own block:

* 份号 / 密级 / 紧急程度 lines, as printed.
* the masthead, its lines joined and de-spaced: ``上海市长宁区人民政府文件``,
  ``长宁区十六届人大三次会议文件（11）``, ``区政府常务会议纪要``.
* the 发文字号 line: ``长府〔2020〕8号``, ``长府会议纪要〔2024〕13号``.
* the title as ``# <title>``, its lines joined. A document without a title line gets none.
* a subtitle such as ``——2018年1月10日在长宁区第十六届人民代表大会第三次会议上``, joined into one
  line (a leading box-drawing ``──`` becomes ``——``).
* the speaker line, post and name separated by one ideographic space: ``长宁区区长　侯继军``.
* the 主送 line or salutation, ending in its colon: ``区政府各委、办、局，各街道办事处，新泾镇政府:``.

Closing zone, each its own block: ``特此通知。``; ``附件：…`` lines and their ``2.…`` items; the
signature organisation line(s) and the date line (split apart when printed on one line);
``（此件公开发布）``; ``抄送：…`` (its wrapped lines joined); the imprint as
``<office>　<date>印发`` with one ideographic space.

Body:

* ``一、…`` standing alone -> ``## 一、…``; ``（一）…`` standing alone -> ``### （一）…``;
  ``第X章`` -> ``## 第X章 <name>``; ``第X节`` -> ``### 第X节 <name>``.
* a run-in head (``（一）将改革创新推向深入，不断优化区域营商环境。坚持…``, or the bold form
  ``**（一）…。**把稳…``) -> the head as a heading line (``### （一）…。``) followed by the rest as a
  paragraph, so every numbered head of a document shows up the same way whatever its layout.
* ``第X条`` at the start of a paragraph -> ``**第X条** <text>``.
* ``1.`` / ``（1）`` items stay paragraphs; unnumbered bold run-ins (``**着力提升重点产业能级。**``)
  and existing Markdown headings stay as written (a heading wholly in ``**`` loses the ``**``).
* an attachment section's bare label (``附件：``, ``附件1``) -> ``## 附件`` / ``## 附件1``; a bare
  ``附件：`` followed by numbered lines is the 附件说明 list and stays a paragraph.

Spacing: whitespace next to a CJK character or full-width punctuation is removed
(``2024 年 3 月 27 日`` -> ``2024年3月27日``, ``科 委`` -> ``科委``); between Latin words one space is
kept. A wide gap (two or more spaces, a tab or an ideographic space) between two CJK words of two or
more characters separates fields (name and post in a roster, post and name of a speaker) and
becomes one ideographic space U+3000, which the function itself keeps on a second run.

Dropped: page numbers (``— 3 —``, ``-3-``, a bare number that interrupts a sentence or ends the
document), separator rules made of box or dash characters, and blocks of three or more short
lines repeated verbatim (table headers printed on every page; the first copy is kept).

``normalize_text(normalize_text(x)) == normalize_text(x)`` holds because every rule that breaks or
keeps a line on the first run sees the same evidence in the output: joined paragraphs end where a
sentence ends or before a line that starts a block, headings are Markdown, and kept field gaps are
ideographic spaces.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
# Characters after which (or before which) a space is layout, never a word separator.
_WIDE = _CJK + "\u3000-\u303f\uff00-\uffef\u2010-\u2027\u2e80-\u2fff\u00b7"
_WIDE_RE = re.compile(f"[{_WIDE}]")
_CJK_RE = re.compile(f"[{_CJK}]")
_SPACE_CHARS = " \t\u3000\u00a0"
_GAP_RE = re.compile(f"[{_SPACE_CHARS}]+")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

_TERMINAL = set("。！？!?；;：:…")
_CLOSERS = "”’」』）)】〕》*"
_CONTINUATION = set("，,、（(《“‘【〔-/—")
_INNER_PUNCT_RE = re.compile("[，。；！？,;!?]")
_SENTENCE_END_RE = re.compile("[。；！？]")
_LABEL_PUNCT_RE = re.compile("[，。；：！？,;:!?]")

_NUM_ZH = "一二三四五六七八九十百零〇"
_NUM_ALL = _NUM_ZH + "千两\\d"
_ZH_HEAD_RE = re.compile(f"^[{_NUM_ZH}]+、")
_PAREN_HEAD_RE = re.compile(f"^[（(][{_NUM_ZH}]+[）)]")
_NUMBERED_START_RE = re.compile(
    f"^(?:[{_NUM_ZH}]+、|[（(][{_NUM_ZH}]+[）)]|\\d{{1,3}}[.．、](?!\\d)|[（(]\\d{{1,3}}[）)]"
    f"|第[{_NUM_ALL}]+[章节条编]|——|[①-⑳])"
)
_OPENER_RE = re.compile(
    "^(?:会议(?:听取|审议|研究|讨论|还|原则|决定)|特此|现予|专此|各位代表|附件|抄\\s*送|主\\s*送"
    "|出\\s*席|列\\s*席|请\\s*假|联系人|联系电话)"
)
_AGENDA_ITEM_RE = re.compile("^会议(?:听取|审议)")
_STRONG_START_RE = re.compile(
    f"^(?:#{{1,6}}\\s|\\*\\*|[-*+]\\s|>|\\||<!--|(?:抄|主|附)[{_SPACE_CHARS}]*(?:送|件[{_SPACE_CHARS}]*\\d*)[{_SPACE_CHARS}]*[:：])"
)
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_FIXED_MD_RE = re.compile(r"^(?:#{1,6}\s|\||<!--.*-->$|([-*_])(?:\s*\1){2,}\s*$)")
_SEPARATOR_RE = re.compile("^[━─—═＝=_\u2500-\u257f]{6,}$")

_LABEL_RE = re.compile(f"^(第[{_NUM_ALL}]+(?:章|节|编|条(?:之[{_NUM_ZH}]+)?))")
_ARTICLE_RE = re.compile(f"^(?:\\*\\*)?(第[{_NUM_ALL}]+条(?:之[{_NUM_ZH}]+)?)(?:\\*\\*[{_SPACE_CHARS}]*|[{_SPACE_CHARS}]+)(\\S.*)$")
_CHAPTER_RE = re.compile(f"^第[{_NUM_ALL}]+([章节])(?:[{_SPACE_CHARS}]|$)")
_BOLD_RUN_IN_RE = re.compile(f"^\\*\\*((?:[{_NUM_ZH}]+、|[（(][{_NUM_ZH}]+[）)])[^*]+)\\*\\*(.*)$")
_WHOLE_BOLD_RE = re.compile(r"^\*\*([^*]+)\*\*$")

_DATE = (
    r"(?:\d{4}[\s\u3000]*年[\s\u3000]*\d{1,2}[\s\u3000]*月[\s\u3000]*\d{1,2}[\s\u3000]*日"
    r"|[〇○O零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日"
    # Web pages: 2025-04-30, 2025/4/30, 2025.4.30, with a time or run into it (2023-04-1909:49:00).
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[\s\u3000]*\d{1,2}:\d{2}(?::\d{2})?)?)"
)
_DATE_LINE_RE = re.compile(f"^[（(]?{_DATE}[）)]?$")
_IMPRINT_RE = re.compile(f"^(?P<office>.{{2,40}}?)[{_SPACE_CHARS}]*(?P<date>{_DATE})[{_SPACE_CHARS}]*印发$")
_ORGAN_SUFFIX = "(?:政府|局|委|办|室|处|会|院|厅|部|中心|街道|镇|公司|组|社|所|队)"
_SIGNED_DATE_RE = re.compile(
    f"^(?P<org>[^，。；：:,;]{{1,38}}?(?:{_ORGAN_SUFFIX}|[^{_SPACE_CHARS}](?=[{_SPACE_CHARS}]{{2}})))[{_SPACE_CHARS}]+(?P<date>{_DATE})$"
)
_NOTE_RE = re.compile(r"^[（(](?:此件|联系人|本件).*[）)]$")
_ATTACHMENT_LABEL_RE = re.compile(f"^附[{_SPACE_CHARS}]*件[{_SPACE_CHARS}]*(\\d*)[{_SPACE_CHARS}]*[:：]?$")
_ATTACHMENT_ITEM_RE = re.compile(r"^\d{1,2}[.．、]")

_PAGE_NUMBER_RE = re.compile(
    f"^(?:[—–\\-－─~～][{_SPACE_CHARS}]*\\d{{1,4}}[{_SPACE_CHARS}]*[—–\\-－─~～]?"
    f"|第[{_SPACE_CHARS}]*\\d{{1,4}}[{_SPACE_CHARS}]*页(?:[{_SPACE_CHARS}]*[/，,]?[{_SPACE_CHARS}]*共[{_SPACE_CHARS}]*\\d{{1,4}}[{_SPACE_CHARS}]*页)?)$"
)
_BARE_NUMBER_RE = re.compile(r"^\d{1,3}$")

# Header zone.
_DOC_NUMBER_RE = re.compile(
    f"^[（(]?[^，。；\\s]{{1,30}}[〔［\\[（(]\\s*\\d{{4}}\\s*[〕］\\]）)]\\s*第?\\s*\\d+\\s*号[）)]?"
    f"(?:[{_SPACE_CHARS}]+签发人[:：].*)?$"
)
_MASTHEAD_END_RE = re.compile(r"(?:文件|纪要|公报|简报|通报|会刊)(?:[（(]\d+[）)])?$")
# A title is complete at its 文种 or the name of what it is, with a status after it: a following title
# line is then another block (the page's repeat of the title, a subtitle), not the title's second line.
_TITLE_END_RE = re.compile("(?:通知|决定|意见|批复|报告|请示|函|纪要|公告|通告|通报|决议|议案|公报|命令|令"
                           "|措施|办法|细则|方案|规定|规划|要点|声明|条例|规则|政策)"
                           "(?:[（(](?:试行|暂行|征求意见稿|草案|修订|修订稿|送审稿)[）)])?$")
_SUBTITLE_RE = re.compile("^(?:——|──|—|--)")
_SPEAKER_RE = re.compile(
    f"^(?P<post>[^，。；：:\\s]{{0,20}}(?:区长|市长|省长|县长|镇长|主任|书记|主席|部长|局长|厅长|总理|委员长))"
    f"[{_SPACE_CHARS}]+(?P<name>[{_CJK}][{_CJK}{_SPACE_CHARS}]{{0,5}})$"
)
_ADDRESSEE_END_RE = re.compile("[:：]$")
_CLASSIFICATION_RE = re.compile(
    f"^(?:\\d{{6}}|(?:绝[{_SPACE_CHARS}]*密|机[{_SPACE_CHARS}]*密|秘[{_SPACE_CHARS}]*密)(?:★.*)?"
    f"|(?:特[{_SPACE_CHARS}]*[急提]|加[{_SPACE_CHARS}]*急|平[{_SPACE_CHARS}]*急))$"
)
# Web pages print a long title on one line (上海市徐汇区人民政府办公室关于转发…的通知: 55 characters).
_TITLE_MAX_WIDTH = 160
# Catalogue fields and provenance a web export prints above the document (标　　题：…,
# 发文字号：国发〔2018〕43号, 【法宝引证码】CLI.12.1075244, 原文链接：https://…): each its own block.
_CATALOGUE_LABELS = ("索引号", "信息索引号", "主题分类", "发文机关", "发布机构", "成文日期", "发布日期", "标题",
                     "发文字号", "主题词", "有效性", "原文链接")
_SOURCE_NOTE_RE = re.compile(
    "^(?:【[^】]{2,10}】|https?://|(?:"
    + "|".join(f"[{_SPACE_CHARS}]*".join(label) for label in _CATALOGUE_LABELS)
    + f")[{_SPACE_CHARS}]*[:：])"
)


@dataclass
class _Line:
    text: str
    indent: bool

    @property
    def width(self) -> int:
        return _width(self.text)


def normalize_text(text: str) -> str:
    """Clean Markdown for the raw text of a document; see the module docstring for the shapes."""
    lines = _read_lines(text)
    lines = _drop_page_numbers(lines)
    lines = _drop_repeated_blocks(lines)
    header, start = _read_header(lines)
    # In a text built of 第X条 articles, '（一）…。…' is an enumerated item, never a run-in head.
    run_ins = not any(_ARTICLE_RE.match(line.text) for line in lines[start:])
    blocks = header + _read_body(lines[start:], run_ins)
    return "\n\n".join(blocks) + "\n" if blocks else ""


# ---------------------------------------------------------------- lines

def _width(text: str) -> int:
    # UTF-8 uses 3 bytes for the BMP wide characters and 1 for ASCII: (1 + 3) / 2 = 2 columns.
    return (len(text) + len(text.encode("utf-8"))) // 2


def _read_lines(text: str) -> list[_Line]:
    text = _INVISIBLE_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    lines = []
    for raw in text.split("\n"):
        stripped = raw.strip(_SPACE_CHARS + "\v")
        if not stripped or _SEPARATOR_RE.match(stripped):
            continue
        lead = raw[: len(raw) - len(raw.lstrip(_SPACE_CHARS))]
        indent_width = lead.count("\u3000") * 2 + lead.count("\t") * 2 + len(lead.replace("\u3000", "").replace("\t", ""))
        lines.append(_Line(stripped, indent_width >= 2))
    return lines


def _drop_page_numbers(lines: list[_Line]) -> list[_Line]:
    """Drop decorated page numbers; bare numbers are judged in _read_body, where the sentence is known."""
    return [line for line in lines if not _PAGE_NUMBER_RE.match(line.text)]


def _drop_repeated_blocks(lines: list[_Line]) -> list[_Line]:
    """Drop the later copies of a block of 3+ short lines printed again verbatim (a table header per page)."""
    keys = [_GAP_RE.sub("", line.text) for line in lines]
    # Header cells are short labels; table cells that repeat (the same target in two quarters)
    # carry punctuation and are content.
    label = [len(key) <= 40 and not _LABEL_PUNCT_RE.search(key) for key in keys]
    positions: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        if label[index]:
            positions[key].append(index)
    dropped: set[int] = set()
    for starts in positions.values():
        if len(starts) < 2 or starts[0] in dropped:
            continue
        length = 1
        while length < 15:
            following = [start + length for start in starts]
            if (
                following[-1] >= len(lines)
                or any(nxt >= later for nxt, later in zip(following, starts[1:]))
                or any(index in dropped or not label[index] for index in following)
                or len({keys[index] for index in following}) != 1
            ):
                break
            length += 1
        if length >= 3:
            for start in starts[1:]:
                dropped.update(range(start, start + length))
    return [line for index, line in enumerate(lines) if index not in dropped] if dropped else lines


# ---------------------------------------------------------------- character tests

def _core(text: str) -> str:
    """The text without trailing closing brackets, quotes and emphasis, to find how a sentence ends."""
    return text.rstrip(_CLOSERS + _SPACE_CHARS)


def _ends_terminal(text: str) -> bool:
    core = _core(text)
    return bool(core) and core[-1] in _TERMINAL


def _ends_continuation(text: str) -> bool:
    core = text.rstrip("*" + _SPACE_CHARS)
    return bool(core) and core[-1] in _CONTINUATION


def _is_prose(text: str) -> bool:
    return bool(_INNER_PUNCT_RE.search(text[:-1]))


def _is_heading_like(text: str) -> bool:
    """A numbered line short enough and without a sentence end: a heading, not a wrapped paragraph."""
    return (
        bool(_ZH_HEAD_RE.match(text) or _PAREN_HEAD_RE.match(text) or _CHAPTER_RE.match(text))
        and len(text) <= 60
        and not _SENTENCE_END_RE.search(text)
        and not _ends_terminal(text)
        and not _ends_continuation(text)
    )


# ---------------------------------------------------------------- spacing

def _despace(text: str) -> str:
    """Remove layout spaces next to CJK; keep Latin word spaces; a wide gap between CJK words -> U+3000."""
    segment_start = 0

    def gap(match: re.Match) -> str:
        nonlocal segment_start
        start, end = match.span()
        if start == 0 or end == len(text):
            return ""
        left, right = text[start - 1], text[end]
        if not _WIDE_RE.match(left) and not _WIDE_RE.match(right):
            return " "
        spaces = match.group()
        wide_gap = len(spaces) >= 2 or "\u3000" in spaces or "\t" in spaces
        if wide_gap and _CJK_RE.match(left) and _CJK_RE.match(right):
            right_word = _GAP_RE.split(text[end:], 1)[0]
            if len(right_word) >= 2 and start - segment_start >= 2:
                segment_start = end
                return "\u3000"
        return ""

    return _GAP_RE.sub(gap, text)


def _join(texts: list[str]) -> str:
    joined = texts[0]
    for text in texts[1:]:
        if joined[-1:].isascii() and joined[-1:].isalnum() and text[:1].isascii() and text[:1].isalnum():
            joined += " " + text
        else:
            joined += text
    return joined


# ---------------------------------------------------------------- header zone

def _read_header(lines: list[_Line]) -> tuple[list[str], int]:
    """The 版头 and title blocks, and the index of the first body line."""
    blocks: list[str] = []
    pending: list[str] = []
    have_title = False
    title = ""
    index = 0

    def flush(before_number: bool) -> None:
        nonlocal have_title, title
        if not pending:
            return
        masthead_end = 0
        if before_number and not any("关于" in text for text in pending):
            masthead_end = len(pending)
        else:
            for end in range(1, len(pending) + 1):
                joined = _despace("".join(pending[:end]))
                if "关于" not in joined and _MASTHEAD_END_RE.search(joined):
                    masthead_end = end
        if masthead_end:
            blocks.append(_despace(" ".join(pending[:masthead_end])))
        rest = pending[masthead_end:]
        if rest and not have_title:
            title = _despace(" ".join(rest))
            blocks.append("# " + title)
            have_title = True
        elif rest:
            # A web export may print the title twice in a row; once is the title.
            blocks.extend(text for text in map(_despace, rest) if text != title)
        pending.clear()

    while index < len(lines):
        text = lines[index].text
        heading = _MD_HEADING_RE.match(text)
        if heading:
            if len(heading.group(1)) != 1 or have_title:
                break
            flush(False)
            blocks.append(_format_md_heading(heading))
            have_title = True
        elif _CLASSIFICATION_RE.match(text) or _SOURCE_NOTE_RE.match(text):
            flush(False)
            blocks.append(_despace(text))
        elif _DOC_NUMBER_RE.match(text):
            flush(True)
            blocks.append(_despace(text))
        elif _SUBTITLE_RE.match(text):
            flush(False)
            parts = [text]
            while index + 1 < len(lines) and _continues_subtitle(parts[-1], lines[index + 1].text):
                index += 1
                parts.append(lines[index].text)
            subtitle = _despace(" ".join(parts))
            blocks.append("——" + subtitle[2:] if subtitle.startswith("──") else subtitle)
        elif _SPEAKER_RE.match(text):
            flush(False)
            blocks.append(_format_speaker(text))
        elif _DATE_LINE_RE.match(text):
            flush(False)
            blocks.append(_despace(text))
        else:
            addressee_end = _addressee_end(lines, index)
            if addressee_end is not None:
                flush(False)
                blocks.append(_despace(_join([line.text for line in lines[index:addressee_end + 1]])))
                index = addressee_end + 1
                break
            if not _is_title_line(text):
                break
            joined = _despace("".join(pending))
            # A line that repeats the pending lines (or begins with them) starts a block of its own:
            # so the output, read again, cuts where the first run did (a masthead printed twice).
            if pending and (_TITLE_END_RE.search(joined) and not re.match("^[的之》”）)（(]", text)
                            and not _unclosed(joined) or _despace(text).startswith(joined)):
                flush(False)
            pending.append(text)
        index += 1
    flush(False)
    return blocks, index


def _unclosed(text: str) -> bool:
    """Whether a 《 or a bracket is still open: 关于印发《…若干措施 / 实施细则》的通知 goes on."""
    return text.count("《") > text.count("》") or text.count("（") + text.count("(") > text.count("）") + text.count(")")


def _is_title_line(text: str) -> bool:
    return (
        _width(text) <= _TITLE_MAX_WIDTH
        and " | " not in text and text.count("|") < 2  # a table row exported as text
        and not _INNER_PUNCT_RE.search(text)
        and not _NUMBERED_START_RE.match(text)
        and not _OPENER_RE.match(text)
        and not _STRONG_START_RE.match(text)
        and not _ends_terminal(text)
    )


def _continues_subtitle(subtitle: str, text: str) -> bool:
    return (
        not _core(subtitle).endswith(("上", "讲话", "报告"))
        and _is_title_line(text)
        and not _SPEAKER_RE.match(text)
        and not _DATE_LINE_RE.match(text)
        and not _DOC_NUMBER_RE.match(text)
    )


def _addressee_end(lines: list[_Line], index: int) -> int | None:
    """Index of the last line of a 主送 line or salutation starting at index (it may wrap), else None."""
    for end in range(index, min(index + 3, len(lines))):
        text = lines[end].text
        if _ADDRESSEE_END_RE.search(text):
            joined = _join([line.text for line in lines[index:end + 1]])
            return end if _width(joined) <= 160 and "。" not in joined else None
        if not text.endswith(("，", "、", ",")):
            return None
    return None


def _format_speaker(text: str) -> str:
    match = _SPEAKER_RE.match(text)
    return _despace(match.group("post")) + "\u3000" + _despace(match.group("name"))


# ---------------------------------------------------------------- body

class _Paragraph:
    """The lines gathered so far into one paragraph, with what the break rules ask about them."""

    def __init__(self) -> None:
        self.indexes: list[int] = []
        self.texts: list[str] = []
        self.prose = False
        self.length = 0

    def add(self, index: int, text: str) -> None:
        # Punctuation that ended the previous line is inside the paragraph now.
        self.prose = self.prose or _is_prose(text) or bool(self.texts and _INNER_PUNCT_RE.match(self.texts[-1][-1]))
        self.indexes.append(index)
        self.texts.append(text)
        self.length += len(text)

    def heading_like(self) -> bool:
        return self.length <= 60 and _is_heading_like(_join(self.texts))


def _read_body(lines: list[_Line], run_ins: bool) -> list[str]:
    fixed = _fixed_lines(lines)
    full = _full_lines(lines, fixed)
    indent_means_paragraph = 0 < sum(1 for line in lines if line.indent) < len(lines) / 2
    # Bare numbers that end the document are page numbers all (a second run sees only the last).
    tail = len(lines)
    while tail and _BARE_NUMBER_RE.match(lines[tail - 1].text):
        tail -= 1
    blocks: list[str] = []
    paragraph = _Paragraph()

    def flush() -> None:
        nonlocal paragraph
        if paragraph.texts:
            blocks.extend(_format_paragraph(_join(paragraph.texts), run_ins))
        paragraph = _Paragraph()

    for index, line in enumerate(lines):
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        if fixed[index]:
            flush()
            if line.text.startswith("|") and index and lines[index - 1].text.startswith("|"):
                # The rows of a Markdown table must stay on consecutive lines.
                blocks[-1] += "\n" + line.text
            else:
                blocks.extend(_format_fixed(line.text, following))
        elif _BARE_NUMBER_RE.match(line.text) and _is_page_number(paragraph, following, index >= tail):
            continue
        else:
            if paragraph.texts and _breaks(paragraph, line, full[paragraph.indexes[-1]], indent_means_paragraph):
                flush()
            paragraph.add(index, line.text)
    flush()
    return blocks


def _is_page_number(paragraph: _Paragraph, following: str, at_end: bool) -> bool:
    """A bare number is a page number when it ends the document or interrupts a running sentence."""
    if at_end:
        return bool(paragraph.texts)
    return (
        paragraph.prose
        and not _ends_terminal(paragraph.texts[-1])
        and bool(_WIDE_RE.match(following))
        and not _NUMBERED_START_RE.match(following)
    )


def _fixed_lines(lines: list[_Line]) -> list[bool]:
    """Lines that are a block of their own, never joined with a neighbour."""
    fixed = [
        bool(
            _FIXED_MD_RE.match(line.text)
            or _DATE_LINE_RE.match(line.text)
            or _IMPRINT_RE.match(line.text)
            or _SIGNED_DATE_RE.match(line.text)
            or _NOTE_RE.match(line.text)
            or _ATTACHMENT_LABEL_RE.match(line.text)
        )
        for line in lines
    ]
    # Signature lines: up to four short unpunctuated lines right above a date line.
    for index, line in enumerate(lines):
        if _DATE_LINE_RE.match(line.text):
            above = index - 1
            while above >= 0 and index - above <= 4 and not fixed[above] and _is_signature(lines[above].text):
                fixed[above] = True
                above -= 1
    return fixed


def _is_signature(text: str) -> bool:
    return (
        _width(text) <= 60
        and bool(_CJK_RE.match(text))
        and not _INNER_PUNCT_RE.search(text)
        and not _ends_terminal(text)
        and not _NUMBERED_START_RE.match(text)
        and not _OPENER_RE.match(text)
        and not _STRONG_START_RE.match(text)
    )


def _full_lines(lines: list[_Line], fixed: list[bool]) -> list[bool]:
    """Which lines fill the width of wrapped (PDF) text, so their line break is only layout.

    Judged in a window of nearby lines, because one document can mix body text with a table of
    narrower cells. Text is wrapped there when the lines that run on (no sentence end) mostly share
    one width, mostly contain punctuation (a roster or a list of names does not), and no nearby line
    is much wider (text with a paragraph per line has long lines).
    """
    full = [False] * len(lines)
    candidates = [i for i, line in enumerate(lines) if not fixed[i] and not _STRONG_START_RE.match(line.text)]
    widths = [lines[i].width for i in candidates]
    running = [not _ends_terminal(lines[i].text) and not _NUMBERED_START_RE.match(lines[i].text) for i in candidates]
    prose = [_is_prose(lines[i].text) for i in candidates]
    for position, index in enumerate(candidates):
        low, high = max(0, position - 6), position + 7
        sample = sorted(widths[k] for k in range(low, min(high, len(candidates))) if running[k])
        if len(sample) < 3:
            continue
        # The median running width; a few lines widened by half-width digits or quotes do not move it.
        local = sample[len(sample) // 2]
        if local < 16 or max(widths[low:high]) > local + 8:
            continue
        cluster = [k for k in range(low, min(high, len(candidates))) if running[k] and local - 4 <= widths[k] <= local + 2]
        if len(cluster) < 3 or 2 * len(cluster) < len(sample) or 2 * sum(prose[k] for k in cluster) < len(cluster):
            continue
        # A paragraph's first line is indented two characters in print, and the indent is lost.
        full[index] = widths[position] >= local - max(6, local // 6)
    return full


def _breaks(paragraph: _Paragraph, line: _Line, full: bool, indent_means_paragraph: bool) -> bool:
    """Whether line starts a new paragraph rather than continuing the one gathered so far.

    full says the paragraph's last line fills the width of wrapped text. Every other test looks at
    the paragraph's text, which is what a second run sees as one line: a break made here is made
    again there, so normalizing twice changes nothing.
    """
    before, text = paragraph.texts[-1], line.text
    if _STRONG_START_RE.match(text):
        return True
    if _ends_continuation(before):
        return False
    if not full and paragraph.heading_like():
        return True
    if indent_means_paragraph and line.indent and (_ends_terminal(before) or not paragraph.prose):
        return True
    if _AGENDA_ITEM_RE.match(text) and _ends_terminal(before):
        # Each item of minutes starts its own paragraph, even after a full line ending in 。.
        return True
    if _NUMBERED_START_RE.match(text) or _OPENER_RE.match(text):
        return not full
    if _ends_terminal(before):
        return not full
    if paragraph.prose:
        return False
    return not full


# ---------------------------------------------------------------- formatting

def _format_fixed(text: str, following: str) -> list[str]:
    heading = _MD_HEADING_RE.match(text)
    if heading:
        return [_format_md_heading(heading)]
    if _FIXED_MD_RE.match(text):
        return [text]
    label = _ATTACHMENT_LABEL_RE.match(text)
    if label and not _ATTACHMENT_ITEM_RE.match(following):
        # A bare label opens an attachment; followed by numbered names it is the 附件说明 list.
        return ["## 附件" + label.group(1)]
    return _format_paragraph(text, False)


def _format_md_heading(match: re.Match) -> str:
    content = match.group(2)
    whole_bold = _WHOLE_BOLD_RE.match(content)
    if whole_bold:
        content = whole_bold.group(1)
    return match.group(1) + " " + _format_labelled(content)


def _format_labelled(text: str) -> str:
    """Heading text, keeping one space after a 第X章 / 第X节 label as Chinese laws print it."""
    label = _LABEL_RE.match(text)
    if label:
        rest = _despace(text[label.end():].strip(_SPACE_CHARS))
        return label.group(1) + (" " + rest if rest else "")
    return _despace(text)


def _format_paragraph(text: str, run_ins: bool) -> list[str]:
    text = text.strip(_SPACE_CHARS)
    imprint = _IMPRINT_RE.match(text)
    if imprint:
        return [_despace(imprint.group("office")) + "\u3000" + _despace(imprint.group("date")) + "印发"]
    signed = _SIGNED_DATE_RE.match(text)
    if signed:
        return [_despace(signed.group("org")), _despace(signed.group("date"))]
    article = _ARTICLE_RE.match(text)
    if article:
        return [f"**{article.group(1)}** " + _despace(article.group(2))]
    chapter = _CHAPTER_RE.match(text)
    if chapter and len(text) <= 40 and not _ends_terminal(text) and not _SENTENCE_END_RE.search(text):
        return [("## " if chapter.group(1) == "章" else "### ") + _format_labelled(text)]
    bold = _BOLD_RUN_IN_RE.match(text)
    if bold:
        rest = bold.group(2).strip(_SPACE_CHARS)
        return [_heading_marks(bold.group(1)) + _despace(bold.group(1))] + (_format_paragraph(rest, run_ins) if rest else [])
    if _ZH_HEAD_RE.match(text) or _PAREN_HEAD_RE.match(text):
        if _is_heading_like(text):
            return [_heading_marks(text) + _despace(text)]
        run_in = _run_in_head(text) if run_ins else None
        if run_in:
            return [_heading_marks(text) + _despace(run_in)] + _format_paragraph(text[len(run_in):], run_ins)
    return [_despace(text)]


def _heading_marks(text: str) -> str:
    return "## " if _ZH_HEAD_RE.match(text) else "### "


def _run_in_head(text: str) -> str | None:
    """The head of '（一）加强组织领导。各单位要…': a short clause ending in 。 with more text after it.

    An enumerated item in a list ('（三）业主自行管理的，…；') ends in a semicolon or states a
    condition with '的，'; a head does neither.
    """
    number = (_ZH_HEAD_RE.match(text) or _PAREN_HEAD_RE.match(text)).end()
    stop = text.find("。", number)
    if stop < 0 or len(text) - stop - 1 < 4 or _core(text)[-1:] in ("；", ";"):
        return None
    head = text[number:stop]
    if not 2 <= len(head) <= 30 or head.count("，") > 1 or "的，" in head or re.search("[“”《》：:；;（()）\"]", head):
        return None
    return text[: stop + 1]
