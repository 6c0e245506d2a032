"""The key-work-goals table (重点工作目标) of a 长府 notice, rebuilt from PDF-extracted text.

PDF extraction flattens the table to one cell fragment per line, in column order within a row:
area (领域, only on the first row of a span on each page), number, project (重要项目, only where
the cell starts), task (目标任务和工作要求), the four quarterly targets, lead (主责部门) and
support (配合部门). The header repeats on every page. Nothing marks where one cell ends and the
next begins, so columns are recovered from the printed widths of the lines: each column wraps at
its own width (project ~3 characters, task ~19, quarters ~11-12, lead 4, support 7), a cell's
lines are full except its last, and the department columns are recognised through the
department table. The quarter boundaries are the least-cost split (`_quarter_cells`) and can be
wrong where nothing in the widths or the wording marks them; a quarter with no target keeps the
table's mark ——.

Lead and support entries: a single body is given by its canonical name; a collective reference
(各街（镇）, 相关街（镇）, 各相关部门) or a group the table does not hold (区人才工作协调小组成员单位)
is kept as written, whitespace removed, because the collective's canonical entry would merge
different groups (各 and 相关). `DepartmentTable.canonical` and `.get(...).collective` tell the
two apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from archive.departments import DepartmentTable

HEADER = ("领域序号", "重要", "项目", "目标任务和工作要求", "阶段性目标和工作任务量", "主责部门配合部门",
          "第一季度第二季度第三季度第四季度")
QUARTERS = 4

# Column widths in full-width characters (an ASCII character counts half). A line wider than a
# column cannot belong to it; a line narrower than its column by more than the slack ends a cell.
PROJECT_WIDTH = 4.5
TASK_WIDTH = 19.5
QUARTER_WIDTH = 12.5
LEAD_WIDTH = 4
SUPPORT_WIDTH = 7
FULL_SLACK = 1.5

_AREA_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
_PAGE_NUMBER = re.compile(r"^[—–-]\s*\d+\s*[—–-]$")
# The imprint (版记) follows the table; it is not part of it.
_TABLE_END = re.compile(r"^(抄送[:：]|.*印发$)")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = ("。", "。”", "。）")
_GROUP = re.compile(r"(单位|部门)$")
_EMPTY_CELL = "——"
_CLOSERS = {"（": "）", "(": ")", "“": "”"}


def width(text: str) -> float:
    """Printed width in full-width characters: CJK and full-width forms take one, ASCII half."""
    return sum(0.5 if unicodedata.east_asian_width(char) in "NaH" else 1.0 for char in text)


def squeeze(text: str) -> str:
    return _SPACES.sub("", text)


@dataclass
class _Row:
    number: int
    area_lines: list[str]
    lines: list[str] = field(default_factory=list)
    spill: list[str] = field(default_factory=list)


def _header_at(lines: list[str], position: int) -> bool:
    return (position + len(HEADER) <= len(lines)
            and all(squeeze(lines[position + k]) == HEADER[k] for k in range(len(HEADER))))


def _table_span(lines: list[str]) -> tuple[int, int] | None:
    """Indices (into the non-blank lines) of the table's first header line and one past its last
    line, or None when there is no such table."""
    start = next((i for i in range(len(lines)) if squeeze(lines[i]) == HEADER[0] and _header_at(lines, i)), None)
    if start is None:
        return None
    end = next((i for i in range(start, len(lines)) if _TABLE_END.match(lines[i].strip())), len(lines))
    return start, end


def _split_rows(lines: list[str]) -> list[_Row]:
    """Cut the table's lines into rows at the row numbers, dropping the repeated page headers and
    page numbers. Lines between a page header and the next row belong to cells of the row before
    that were cut at the page bottom (`_Row.spill`)."""
    rows: list[_Row] = []
    area: list[str] | None = None
    after_header = False
    position = 0
    while position < len(lines):
        line = lines[position].strip()
        if _header_at(lines, position):
            position += len(HEADER)
            after_header = True
            continue
        position += 1
        if _PAGE_NUMBER.match(line):
            continue
        if line == str(len(rows) + 1):
            rows.append(_Row(len(rows) + 1, area or []))
            area = None
            after_header = False
        elif _AREA_HEADING.match(line):
            area = [line]
        elif area is not None:
            area.append(line)
        elif after_header and rows:
            rows[-1].spill.append(line)
        elif rows:
            rows[-1].lines.append(line)
    return rows


def _take_project(lines: list[str]) -> tuple[str | None, list[str]]:
    count = 0
    while count < len(lines) and width(lines[count]) <= PROJECT_WIDTH and " " not in lines[count].strip():
        count += 1
    return ("".join(lines[:count]) or None), lines[count:]


def _take_task(lines: list[str]) -> tuple[list[str], list[str]]:
    """The task cell: the lines too wide for a quarter column, plus the cell's last line when that
    one is short. Tasks end with a sentence, so a short line that does not is a quarter's (the
    task was cut at the page bottom and goes on after the next page header)."""
    count = 1
    while count < len(lines) and QUARTER_WIDTH < width(lines[count]) <= TASK_WIDTH:
        count += 1
    if not lines[count - 1].endswith(_SENTENCE_END) and count < len(lines) and lines[count].endswith(_SENTENCE_END):
        count += 1
    return lines[:count], lines[count:]


_HANGING = "，。；：、！？”）》"
_GAP = re.compile(r"(?<=\S)\s+(?=[^\x00-\x7f])")


def _core_width(line: str) -> float:
    """Width without a trailing punctuation mark, which Chinese typesetting lets hang past the
    column edge."""
    return width(line[:-1] if line.endswith(tuple(_HANGING)) else line)


def _split_merged(line: str) -> list[str]:
    """Cells printed side by side on one line (single-line cells at the same height) come out as
    one line with spaces between them. A space is a cell gap only where the line is too wide for
    any quarter column, or before the empty-cell mark; spaces inside a cell (before digits,
    letter-spacing) stay."""
    pieces = [line]
    if _core_width(line) > QUARTER_WIDTH:
        pieces = [piece for piece in _GAP.split(line) if piece]
        if any(len(piece) < 2 for piece in pieces):
            pieces = [line]
    result: list[str] = []
    for piece in pieces:
        if piece.endswith(" " + _EMPTY_CELL):
            result += [piece[:-len(_EMPTY_CELL)].rstrip(), _EMPTY_CELL]
        else:
            result.append(piece)
    return result


@dataclass
class _Item:
    """One name in the department columns, possibly wrapped over several lines."""
    text: str
    lines: list[int]
    widths: list[float]  # width of the item's part on each of its lines


def _line_pieces(line: str) -> list[str]:
    """Names on one department line. Spaces separate names, except that a single character
    belongs to the next piece (letter-spaced 科 委, 法 院; 区 “一网通办”…)."""
    pieces: list[str] = []
    carry = ""
    for piece in line.split():
        if len(carry + piece) == 1:
            carry = piece
            continue
        pieces.append(carry + piece)
        carry = ""
    return pieces + [carry] if carry else pieces


def _balanced(text: str) -> bool:
    return all(text.count(opener) <= text.count(closer) for opener, closer in _CLOSERS.items())


class _Names:
    """What the department columns can hold: bodies the table knows and groups (…成员单位,
    各部门) it does not."""

    def __init__(self, departments: DepartmentTable):
        self.departments = departments

    def known(self, text: str) -> bool:
        return self.departments.canonical(text) is not None

    def complete(self, text: str) -> bool:
        if not _balanced(text):
            return False
        if self.known(text) or _GROUP.search(text):
            return True
        return self.body(text) is not None

    def starts_known(self, text: str) -> bool:
        return any(self.known(text[:end]) for end in range(2, len(text) + 1))

    def extends(self, text: str, piece: str) -> bool:
        """Whether text runs on into piece to make a longer known name (爱国卫生运动委 / 员会…)."""
        return not self.starts_known(piece) and any(self.known(text + piece[:end]) for end in range(1, len(piece) + 1))

    def items(self, lines: list[str]) -> list[_Item] | None:
        """The names on these lines, wrapped names joined; None unless every line is
        department-column text and the first name is a known body."""
        items: list[_Item] = []
        for number, line in enumerate(lines):
            for position, piece in enumerate(_line_pieces(line)):
                if width(piece) > SUPPORT_WIDTH + 0.5:
                    return None
                last = items[-1] if items else None
                if last and (not self.complete(last.text) or piece.startswith(("（", "("))
                             or (position == 0 and self.extends(last.text, piece))):
                    if len(last.lines) == 4 and last.lines[-1] != number:
                        return None
                    last.text += piece
                    if last.lines[-1] == number:
                        last.widths[-1] += width(piece)
                    else:
                        last.lines.append(number)
                        last.widths.append(width(piece))
                else:
                    items.append(_Item(piece, [number], [width(piece)]))
        if not items or not all(self.complete(item.text) for item in items):
            return None
        first = self.body(items[0].text)
        if first is None or self.departments.get(first).collective:
            return None
        return items

    def body(self, text: str) -> str | None:
        """Canonical name of the body text names, also when a parenthesis follows (区府办（合作交流办）)."""
        return self.departments.canonical(text) or self.departments.canonical(text.partition("（")[0])


def _split_lead(items: list[_Item]) -> int:
    """How many of the items are the lead (主责部门). The lead column is 4 characters wide and holds
    one name a line; the support column is 7 wide and packs names greedily, shorter ones first,
    two a line. So the support cannot start with a name that would have fitted on the line before
    it, nor hold a name wrapped that fits on one line of it, nor put a lone name before a pair;
    the smallest lead those rules allow is taken."""
    for count in range(1, len(items) + 1):
        if _lead_fits(items[:count], items) and _support_fits(items[count:]):
            return count
    return 1


def _lead_fits(lead: list[_Item], items: list[_Item]) -> bool:
    if len(lead) == 1 and len(lead[0].lines) == 1:
        return True  # also a single-line lead printed beside the support's first line
    shared = {line for item in items[len(lead):] for line in item.lines}
    return all(part <= LEAD_WIDTH for item in lead for part in item.widths) and not shared & {
        line for item in lead for line in item.lines}


def _support_fits(support: list[_Item]) -> bool:
    if not support:
        return True
    by_line: dict[int, list[_Item]] = {}
    for item in support:
        if len(item.lines) > 1 and item.widths[0] < SUPPORT_WIDTH - FULL_SLACK:
            return False
        for line in item.lines:
            by_line.setdefault(line, []).append(item)
    lines = sorted(by_line)
    lone = False
    for line, following in zip(lines, lines[1:]):
        here, there = by_line[line], by_line[following]
        if here[-1] is not there[0]:
            used = sum(item.widths[item.lines.index(line)] for item in here) + len(here) - 1
            if used + 1 + there[0].widths[0] <= SUPPORT_WIDTH:
                return False
        lone = lone or len(here) == 1
        if lone and len(there) > 1:
            return False
    return True


# Quarter 1's column is half a character wider than the other three, measured with
# `_quarter_width`.
_QUARTER_WIDTHS = (11.5, 11, 11, 11)
# Punctuation the typesetting squeezes to half width inside a line.
_HALF_PUNCTUATION = "，、；：。“”（）《》！？"
_CELL_INNER = "；，、：（《“"
_START_PREFIX = 4
_UNBREAKABLE = re.compile(r"[A-Za-z0-9.%/～~-]+|[（“《]")
# Verbs a quarterly target typically opens with (完成…, 推进…); a line opening with one is a
# likelier cell start.
_OPENING_VERBS = ("完成", "推进", "开展", "做好", "制定", "启动", "加强", "组织", "召开", "继续", "落实", "深化",
                  "明确", "推动", "配合", "协调", "对照", "根据", "按照", "加快", "全面", "确保", "实施",
                  "总结", "评估", "形成", "支持", "聚焦", "研究", "梳理", "编制", "迎接", "完善", "加大", "持续",
                  "扩大", "发挥", "贯彻", "阶段性", "结合", "借助", "进场", "跟踪")
_IMPOSSIBLE = 1000.0


def _unbreakable(line: str) -> float:
    run = _UNBREAKABLE.match(line)
    return width(run.group()) if run else 0.0


def _quarter_width(line: str) -> float:
    core = line[:-1] if line.endswith(tuple(_HANGING)) else line
    return sum(0.5 if char in _HALF_PUNCTUATION else width(char) for char in core)


def _quarter_cells(lines: list[str]) -> list[list[str]]:
    """Split the quarter lines into four cells, the split with the least cost: a line wider than
    its column is impossible there; a cell's inner line falling short of the column, or a cell
    ending on a mark that continues a sentence, costs; a cell opening with the words another cell
    opens with is rewarded (the quarters of a row usually start alike: 完成… / 完成…)."""
    count = len(lines)
    if count < QUARTERS:
        return [[line] for line in lines] + [[] for _ in range(QUARTERS - count)]
    starts = [squeeze(line)[:_START_PREFIX] for line in lines]
    # Parallel cells wrap alike, so inner lines repeat too (博览会长… under 做好第三届…); an opening
    # is a repeated prefix whose lines mostly follow a line that is not full, as cells end.
    after_short: dict[str, list[bool]] = {}
    for index in range(1, count):
        after_short.setdefault(starts[index], []).append(_quarter_width(lines[index - 1]) < min(_QUARTER_WIDTHS) - 1)
    opening = {prefix for prefix, follows in after_short.items() if len(prefix) == _START_PREFIX
               and len(follows) + (prefix == starts[0]) > 1 and 2 * sum(follows) >= len(follows)}

    columns = sorted(set(_QUARTER_WIDTHS))
    # Prefix sums per column width, so that a cell's cost is O(1): lines too wide for the column,
    # and the cost of inner lines falling short of it (a cell's inner lines are full).
    too_wide = {column: _prefix([_quarter_width(line) > column for line in lines]) for column in columns}
    # A line also wraps early when what follows cannot be broken (a number) or cannot end a line
    # (an opening bracket); that much shortfall is free.
    allowed = [1 + _unbreakable(following) for following in lines[1:]] + [1.0]
    short = {column: _prefix([2 * max(0.0, column - _quarter_width(line) - free) for line, free in zip(lines, allowed)])
             for column in columns}

    def cost(quarter: int, first: int, end: int) -> float:
        column = _QUARTER_WIDTHS[quarter]
        if too_wide[column][end] - too_wide[column][first]:
            return _IMPOSSIBLE
        total = short[column][end - 1] - short[column][first]
        if _quarter_width(lines[end - 1]) >= column - 1:
            total += 1  # a full last line is more often a cell running on
        if lines[first].startswith(_OPENING_VERBS):
            total -= 1
        if lines[end - 1].endswith(tuple(_CELL_INNER)):
            total += 3
        if starts[first] in opening:
            total -= 2
        return total

    # best[q][end]: least cost of cells 0..q-1 covering lines[:end]
    best = [[_IMPOSSIBLE * QUARTERS] * (count + 1) for _ in range(QUARTERS + 1)]
    choice = [[0] * (count + 1) for _ in range(QUARTERS + 1)]
    best[0][0] = 0.0
    for quarter in range(QUARTERS):
        for end in range(quarter + 1, count - (QUARTERS - quarter - 1) + 1):
            for first in range(quarter, end):
                value = best[quarter][first] + cost(quarter, first, end)
                if value < best[quarter + 1][end]:
                    best[quarter + 1][end], choice[quarter + 1][end] = value, first
    cells: list[list[str]] = []
    end = count
    for quarter in range(QUARTERS, 0, -1):
        first = choice[quarter][end]
        cells.insert(0, lines[first:end])
        end = first
    return cells


def _prefix(values: list[float]) -> list[float]:
    sums = [0.0]
    for value in values:
        sums.append(sums[-1] + value)
    return sums


_INNER_SPACE = re.compile(r"(?<![A-Za-z0-9.%])\s+|\s+(?![A-Za-z0-9])")


def _clean(lines: list[str]) -> str:
    """One cell's text: lines joined, and the spaces PDF extraction puts between Chinese
    characters and around numbers dropped (a space stays only between two Latin words or
    numbers)."""
    return _INNER_SPACE.sub("", "".join(lines)).strip()


@dataclass
class _Cells:
    project: str | None
    task: list[str]
    quarters: list[list[str]]
    lead: list[_Item]
    support: list[_Item]


def _row_cells(lines: list[str], names: _Names) -> _Cells:
    project, rest = _take_project(lines)
    task, rest = _take_task(rest)
    pieces = [piece for line in rest for piece in _split_merged(line)]
    items: list[_Item] = []
    start = len(pieces)
    for candidate in range(1, len(pieces)):
        found = names.items(pieces[candidate:])
        if found is not None:
            start, items = candidate, found
            break
    lead = _split_lead(items) if items else 0
    return _Cells(project, task, _quarter_cells(pieces[:start]), items[:lead], items[lead:])


def _add_spill(cells: _Cells, spill: list[str]) -> None:
    """Continue the cells cut at the page bottom with the lines printed after the next page
    header. A cut cell is the task when it does not end a sentence, and a quarter that fills the
    row's height on the page with a full last line; the spilled lines go to them in column order."""
    pieces = [piece for line in spill for piece in _split_merged(line)]
    if not pieces:
        return
    if not cells.task[-1].endswith(_SENTENCE_END):
        end = next((index + 1 for index, piece in enumerate(pieces) if piece.endswith(_SENTENCE_END)), len(pieces))
        cells.task += pieces[:end]
        pieces = pieces[end:]
    height = max(len(cell) for cell in cells.quarters)
    cut = [cell for quarter, cell in enumerate(cells.quarters)
           if len(cell) == height and _core_width(cell[-1]) >= _QUARTER_WIDTHS[quarter] - FULL_SLACK] or [cells.quarters[-1]]
    for cell in cut[:-1]:
        end = next((index + 1 for index, piece in enumerate(pieces) if _core_width(piece) < 11 - FULL_SLACK), len(pieces))
        cell += pieces[:end]
        pieces = pieces[end:]
    cut[-1] += pieces


def _entries(items: list[_Item], names: _Names) -> list[str]:
    """Canonical names for the bodies; groups and collective references as written."""
    entries: list[str] = []
    for item in items:
        text = _clean([item.text])
        body = names.departments.canonical(text)
        if _GROUP.search(text) or (body and names.departments.get(body).collective):
            found = [text]
        elif body:
            found = [body]
        else:
            found = names.departments.find_all(text) or [text]
        entries += [entry for entry in found if entry not in entries]
    return entries


def _areas(rows: list[_Row]) -> dict[str, str]:
    """Full text of each area (领域), keyed by its numbering (一、): the longest of its printings,
    as a page break can cut one short."""
    areas: dict[str, str] = {}
    for row in rows:
        if row.area_lines:
            text = _clean(row.area_lines)
            key = text.partition("、")[0]
            if len(text) > len(areas.get(key, "")):
                areas[key] = text
    return areas


def extract_task_table(text: str, departments: DepartmentTable) -> tuple[list[dict], str]:
    """The rows of the key-work-goals table in text, and text without the table's lines; ([],
    text) when text holds no such table."""
    lines = text.splitlines(keepends=True)
    filled = [index for index, line in enumerate(lines) if line.strip()]
    span = _table_span([lines[index] for index in filled])
    if span is None:
        return [], text
    start, end = span
    rows = _split_rows([lines[index] for index in filled[start:end]])
    if not rows:
        return [], text
    names = _Names(departments)
    areas = _areas(rows)
    tasks: list[dict] = []
    area = ""
    project: str | None = None
    for row in rows:
        if row.area_lines:
            printed = _clean(row.area_lines)
            area = areas[printed.partition("、")[0]]
            while row.spill and area.startswith(printed + squeeze(row.spill[0])) and len(printed) < len(area):
                printed += squeeze(row.spill.pop(0))
        cells = _row_cells(row.lines, names)
        _add_spill(cells, row.spill)
        project = _clean([cells.project]) if cells.project else project
        task: dict = {"number": row.number, "area": area}
        if project:
            task["project"] = project
        task["task"] = _clean(cells.task)
        task["quarters"] = [_clean(cell) for cell in cells.quarters]
        task["lead"] = _entries(cells.lead, names)
        task["support"] = _entries(cells.support, names)
        tasks.append(task)
    kept = lines[:filled[start]] + lines[filled[end - 1] + 1:]
    return tasks, "".join(kept)
