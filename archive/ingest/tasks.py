"""The key-work-goals table (重点工作目标) of a 长府 notice, rebuilt from PDF-extracted text.

PDF extraction flattens the table to one cell fragment per line, in column order within a row:
area (领域, only on the first row of a span on each page), number, project (重要项目, only where
the cell starts), task (目标任务和工作要求), the four quarterly targets, lead (主责部门) and
support (配合部门). The header repeats on every page. Nothing marks where one cell ends and the
next begins, so columns are recovered from the printed widths of the lines: each column wraps at
its own width (project ~3 characters, task ~19, quarters ~11-12, lead 4, support 7), a cell's
lines are full except its last, and the department columns are recognised through the
department table. The quarter boundaries are the split with the most evidence (`_quarter_cells`):
how full each line is for its column, how the document uses the characters on either side of a
break (pairs inside words, clause openings and endings), openings parallel to other cells', and
cells of about even length; cells printed side by side on one line are apart already, and a row
cut at the page bottom goes on after the next page header (`_add_spill`). A quarter with no
target keeps the table's mark ——.

Lead and support entries: a single body is given by its canonical name; a collective reference
(各街（镇）, 相关街（镇）, 各相关部门) or a group the table does not hold (区人才工作协调小组成员单位)
is kept as written, whitespace removed, because the collective's canonical entry would merge
different groups (各 and 相关). `DepartmentTable.canonical` and `.get(...).collective` tell the
two apart.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
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


# Closing marks may hang past a column's edge.
_HANGING = frozenset("，。、；：？！”’）》】,.;:!?")
_GAP = re.compile(r"(?<=\S)\s+(?=[^\x00-\x7f])")


def _core_width(line: str) -> float:
    """Width without a trailing punctuation mark, which Chinese typesetting lets hang past the
    column edge."""
    return width(line[:-1] if line[-1:] in _HANGING else line)


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


# The quarter columns, measured in em as Word sets a Chinese line: an ideograph takes 1, a Latin
# letter or digit ½, and full-width punctuation ½ too, because Word squeezes it when a line is
# tight. Quarter 1's column holds 11½, the other three 11; no line of the 2020 table is wider.
_QUARTER_CAPACITY = (11.5, 11.0, 11.0, 11.0)
_PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》【】")
# Marks that may not open a line travel with the character before them; brackets that may not
# close a line travel with the character after them.
_NO_LINE_START = frozenset("，。、；：？！”’）》】%％,.;:!?")
_NO_LINE_END = frozenset("“‘（《【")
_WORD_RUN = re.compile(r"[A-Za-z0-9.%/～~+\-]+")
# Spaces between two ideographs are justification: Word stretched a full line.
_JUSTIFIED = re.compile(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]")
_CLAUSE_MARKS = ("，", "。", "、", "；", "：")
_CLAUSE_START = re.compile(r"[，；。](?=(..))")
_CLAUSE_END = re.compile(r"(.)(?=[，；。、])")
_FIRST_MARK = re.compile(r"[，。、；：]")

# Evidence that a break between two quarter lines ends a cell, as log-odds (a cell boundary against
# a break inside a cell), by bins of what is measured at the break. Measured on the 2020 table
# (150 boundaries, 1,000 breaks inside cells); with the row left out of the measuring, every one
# of its 55 rows is still split right. Each entry: (bin edges, log-odds below the first edge,
# between the edges, ..., from the last edge on).
_EVIDENCE = {
    # Room left on the line for the next line's head: a cell's inner lines are full.
    "room": ((0.25, 0.75, 1.25, 2.25), (-2.0, 0.3, 2.9, 5.3, 7.4)),
    # How often the two characters across the break stand side by side inside a line of the
    # document: a break inside a cell often falls inside a word.
    "pair": ((1, 3, 5), (1.4, -0.4, -1.1, -5.0)),
    # How often the next line's first two characters open a clause (follow ，；。) in the document.
    "opens": ((1,), (-1.8, 1.7)),
    # How often the line's last character ends one (precedes ，；。、): 的, 和 never do.
    "closes": ((1, 3, 10), (-2.3, 0.0, 0.4, 1.3)),
    # Characters before the next line's first clause mark (none: a long clause): a line opening
    # 法，… continues a sentence.
    "clause": ((4,), (-1.6, 0.2)),
    # Bigrams the next line's opening shares with a line that surely opens a cell: the quarters
    # of a row are parallel (完成…的25% / 完成…的50%).
    "parallel": ((2, 4), (-0.8, 0.9, 3.5)),
}
# A cell never ends on a clause mark.
_ENDS_ON_MARK = -3.5
# The cells of a row are about as long as each other: each costs this much per unit of
# |log(lines / mean lines)|.
_UNEVEN = 3.0
# Room after a line beyond which the next line surely opened a new cell.
_SURE_ROOM = 1.5
_PARALLEL_PREFIX = 8
_IMPOSSIBLE = float("-inf")


def _bin(value: float, name: str) -> float:
    edges, odds = _EVIDENCE[name]
    return odds[sum(value >= edge for edge in edges)]


class _Usage:
    """How the document uses characters, for judging breaks: character pairs inside lines, the two
    characters that open clauses and the characters that end them."""

    def __init__(self, text: str):
        self.pairs: Counter[str] = Counter()
        for line in text.splitlines():
            line = squeeze(line)
            self.pairs.update(map(str.__add__, line, line[1:]))
        flat = squeeze(text)
        self.opens = Counter(match.group(1) for match in _CLAUSE_START.finditer(flat))
        self.closes = Counter(match.group(1) for match in _CLAUSE_END.finditer(flat))


def _em(chars: str) -> float:
    return sum(0.5 if char in _PUNCTUATION or unicodedata.east_asian_width(char) not in "WF" else 1.0
               for char in chars)


def _head(chars: str) -> str:
    """What of a line's opening could have moved up to the line before: a word or number (they do
    not break), or one character, with the brackets before it and the marks after it."""
    run = _WORD_RUN.match(chars)
    end = len(run.group()) if run else 1
    while end < len(chars) and chars[end - 1] in _NO_LINE_END:
        end += 1
    while end < len(chars) and chars[end] in _NO_LINE_START:
        end += 1
    return chars[:end]


@dataclass
class _Line:
    chars: str  # without spaces
    fit: float  # width that must fit the column: a closing mark at the end may hang
    full: float
    head: float
    justified: bool

    @classmethod
    def of(cls, text: str) -> "_Line":
        chars = squeeze(text)
        core = chars[:-1] if chars and chars[-1] in _HANGING else chars
        return cls(chars, _em(core), _em(chars), _em(_head(chars)), bool(_JUSTIFIED.search(text)))


def _room(line: _Line, following: _Line, capacity: float) -> float:
    return -1.0 if line.justified else capacity - line.full - following.head


def _bigrams(chars: str) -> set[str]:
    opening = chars[:_PARALLEL_PREFIX]
    return {opening[index:index + 2] for index in range(len(opening) - 1)}


def _break_evidence(lines: list[_Line], usage: _Usage) -> dict[float, list[float]]:
    """Log-odds that the break after each line (but the last) ends a cell, for each width of
    quarter column."""
    sure = [0] + [index for index in range(1, len(lines))
                  if _room(lines[index - 1], lines[index], max(_QUARTER_CAPACITY)) > _SURE_ROOM
                  and not lines[index - 1].chars.endswith(_CLAUSE_MARKS)]
    openings = [_bigrams(line.chars) for line in lines]
    words = []
    for index, (line, following) in enumerate(zip(lines, lines[1:])):
        mark = _FIRST_MARK.search(following.chars)
        parallel = max((len(openings[index + 1] & openings[other]) for other in sure if other != index + 1), default=0)
        words.append(_bin(usage.pairs[line.chars[-1:] + following.chars[:1]], "pair")
                     + _bin(usage.opens[following.chars[:2]], "opens")
                     + _bin(usage.closes[line.chars[-1:]], "closes")
                     + _bin(mark.start() if mark else math.inf, "clause")
                     + _bin(parallel, "parallel")
                     + (_ENDS_ON_MARK if line.chars.endswith(_CLAUSE_MARKS) else 0.0))
    return {capacity: [word + _bin(_room(line, following, capacity), "room")
                       for word, line, following in zip(words, lines, lines[1:])]
            for capacity in set(_QUARTER_CAPACITY)}


def _quarter_cells(texts: list[str], usage: _Usage, separate: set[int] = frozenset(),
                   most_lines: int | None = None) -> list[list[str]]:
    """Split the quarter lines into four cells: the split with the most evidence of cell
    boundaries at its three breaks (`_EVIDENCE`), no line wider than its column, and cells about
    as long as each other. A break after an index in `separate` must be a boundary (cells printed
    side by side on one line); no cell has more than `most_lines` lines (a row cut at the page
    bottom)."""
    count = len(texts)
    if count < QUARTERS:
        return [[text] for text in texts] + [[] for _ in range(QUARTERS - count)]
    lines = [_Line.of(text) for text in texts]
    evidence = _break_evidence(lines, usage)
    mean = count / QUARTERS
    uneven = [0.0] + [_UNEVEN * abs(math.log(size / mean)) for size in range(1, count + 1)]
    longest = min(most_lines or count, count - QUARTERS + 1)
    cells = _best_split(texts, lines, evidence, uneven, separate, longest, _QUARTER_CAPACITY)
    # Lines wider than these columns (a table laid out otherwise): split on the evidence alone
    # rather than not at all.
    return cells or _best_split(texts, lines, evidence, uneven, set(), count - QUARTERS + 1, (math.inf,) * QUARTERS)


def _best_split(texts: list[str], lines: list[_Line], evidence: dict[float, list[float]], uneven: list[float],
                separate: set[int], longest: int, capacities: tuple[float, ...]) -> list[list[str]] | None:
    count = len(lines)
    # best[q][end]: the most evidence for cells 0..q-1 covering lines[:end]
    best = [[_IMPOSSIBLE] * (count + 1) for _ in range(QUARTERS + 1)]
    choice = [[0] * (count + 1) for _ in range(QUARTERS + 1)]
    best[0][0] = 0.0
    for quarter in range(QUARTERS):
        capacity = capacities[quarter]
        weighed = evidence[_QUARTER_CAPACITY[quarter]]
        for end in range(quarter + 1, count - (QUARTERS - quarter - 1) + 1):
            closing = weighed[end - 1] if end < count else 0.0
            for first in range(end - 1, max(quarter, end - longest) - 1, -1):
                if lines[first].fit > capacity or (first < end - 1 and first in separate):
                    break
                value = best[quarter][first] + closing - uneven[end - first]
                if value > best[quarter + 1][end]:
                    best[quarter + 1][end], choice[quarter + 1][end] = value, first
    if best[QUARTERS][count] == _IMPOSSIBLE:
        return None
    cells: list[list[str]] = []
    end = count
    for quarter in range(QUARTERS, 0, -1):
        first = choice[quarter][end]
        cells.insert(0, texts[first:end])
        end = first
    return cells


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


def _row_cells(lines: list[str], names: _Names, usage: _Usage, spill: list[str]) -> _Cells:
    project, rest = _take_project(lines)
    task, rest = _take_task(rest)
    pieces: list[str] = []
    side_by_side: set[int] = set()
    for line in rest:
        split = _split_merged(line)
        side_by_side.update(range(len(pieces), len(pieces) + len(split) - 1))
        pieces += split
    items: list[_Item] = []
    start = len(pieces)
    # The department columns are the row's last lines, none wider than a name.
    narrow = len(pieces)
    while narrow > 1 and all(width(piece) <= SUPPORT_WIDTH + 0.5 for piece in _line_pieces(pieces[narrow - 1])):
        narrow -= 1
    for candidate in range(max(narrow, 1), len(pieces)):
        found = names.items(pieces[candidate:])
        if found is not None:
            start, items = candidate, found
            break
    lead = _split_lead(items) if items else 0
    # A task cut at the page bottom filled the row's room on the page: no quarter there is taller.
    most_lines = len(task) if spill and not task[-1].endswith(_SENTENCE_END) else None
    quarters = _quarter_cells(pieces[:start], usage, {index for index in side_by_side if index < start - 1}, most_lines)
    return _Cells(project, task, quarters, items[:lead], items[lead:])


def _full(text: str, capacity: float) -> bool:
    """Whether a quarter line leaves no room for another character."""
    return capacity - _Line.of(text).fit < 1


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
           if len(cell) == height and _full(cell[-1], _QUARTER_CAPACITY[quarter])] or [cells.quarters[-1]]
    for cell in cut[:-1]:
        end = next((index + 1 for index, piece in enumerate(pieces) if not _full(piece, min(_QUARTER_CAPACITY))), len(pieces))
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
    usage = _Usage(text)
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
        cells = _row_cells(row.lines, names, usage, row.spill)
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
