"""What a document page shows, as text: the one definition that the page's information rows, the
browser index and the staff index all read.

A visitor who reads a string anywhere in a document's page expects search to find that document
with it: the title, every information row (发文机关, 成文日期 as the page writes it, 索引号 …), the
agenda of minutes (议题, 汇报部门, 补充汇报, 主题), every cell of a task table, attachments, the
imprint and the body. `shown(entry)` gives all of it for one document:

* `fields`: the metadata values by field (archive.search.query.META_FIELDS order), which rank above the body;
* `text`: the body's plain text, then every other run of text the page shows, one per line.

The labels the page prints around these values are declared here too (ROW_LABELS, AGENDA_LABELS,
TASK_COLUMNS …) and handed to the templates, so the page and the indexes cannot drift apart;
tests/test_shown.py renders each sample page and searches for every text run of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import marshal
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from archive.document import Document, OfDocument
from archive.search.tokenizer import plain_text

# Metadata fields searched along with the body; a hit in one of them ranks above a hit in the body.
META_FIELDS = ("title", "doc_number", "issuer", "departments", "topics", "doc_type", "attachments", "cc",
               "printer", "index_number", "keywords")

# The information rows of a document page, in the order of a 政府信息公开 page. Rows marked
# always are shown with a dash when empty; the others only when the document has a value.
ROW_LABELS = {
    "index_number": "索引号",
    "topics": "主题分类",
    "issuer": "发文机关",
    "date": "成文日期",
    "doc_type": "文　　种",
    "doc_number": "发文字号",
    "publish_date": "发布日期",
    "validity": "有效性",
    "keywords": "主题词",
    "meeting": "会　　议",
    "departments": "涉及部门",
}
ALWAYS_SHOWN = frozenset({"topics", "issuer", "date", "doc_type", "doc_number", "departments"})
EMPTY = "—"
UNDATED = "日期不详"

AGENDA_LABELS = {"heading": "会议议题", "departments": "汇报部门", "supplementary": "补充汇报", "topics": "主题"}
TASK_COLUMNS = ("序号", "重要项目", "目标任务和工作要求", "第一季度", "第二季度", "第三季度", "第四季度", "主责部门", "配合部门")
ATTACHMENTS_HEADING = "附件"
IMPRINT_LABELS = {"heading": "版记", "cc": "抄送", "printer": "印发"}
LIST_JOINER = "、"
CC_JOINER = "，"

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def chinese_date(value: str | None) -> str:
    """2024-04-24 -> 2024年4月24日, as every page writes dates; other values as they are."""
    match = _DATE.match(value or "")
    if not match:
        return value or ""
    year, month, day = match.groups()
    return f"{year}年{int(month)}月{int(day)}日"


def meeting_text(meeting: Any) -> str:
    """第73次常务会议，张三主持 (what the 会议 row shows), or "" without a meeting."""
    if not isinstance(meeting, dict):
        return ""
    text = f"第{meeting['number']}次常务会议" if meeting.get("number") else ""
    if meeting.get("chair"):
        text += f"，{meeting['chair']}主持"
    return text


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, (str, int)) and str(item)]
    if isinstance(value, (int, float)):
        return [str(value)]
    return []


@dataclass(frozen=True)
class Row:
    """One information row: its key (a front-matter key), label and values as the page writes them."""

    key: str
    label: str
    values: tuple[str, ...]


def info_rows(entry: Any) -> list[Row]:
    """The information rows of the entry's page, in page order."""
    meta = entry.meta
    values = {
        "index_number": _strings(meta.get("index_number")),
        "topics": [term.label for term in entry.topics],
        "issuer": [entry.issuer.label] if entry.issuer else [],
        "date": [chinese_date(entry.date) if entry.date else UNDATED],
        "doc_type": [entry.doc_type],
        "doc_number": _strings(meta.get("doc_number")),
        "publish_date": [chinese_date(value) for value in _strings(meta.get("publish_date"))],
        "validity": _strings(meta.get("validity")),
        "keywords": _strings(meta.get("keywords")),
        "meeting": _strings(meeting_text(meta.get("meeting"))),
        "departments": [term.label for term in entry.departments],
    }
    return [Row(key, label, tuple(values[key])) for key, label in ROW_LABELS.items()
            if values[key] or key in ALWAYS_SHOWN]


def meta_fields(entry: Any) -> dict[str, list[str]]:
    """The document's searchable metadata, field by field, as displayed (not folded)."""
    meta = entry.meta
    fields = {key: _strings(meta.get(key)) for key in META_FIELDS}
    # The page names the issuer and departments as the department table does.
    if entry.issuer:
        fields["issuer"] = list(dict.fromkeys([*fields["issuer"], entry.issuer.label]))
    fields["departments"] = department_labels(entry)
    return fields


def department_labels(entry: Any) -> list[str]:
    """meta_fields' departments: as the front-matter writes them, then as the department table does."""
    return list(dict.fromkeys([*_strings(entry.meta.get("departments")), *(t.label for t in entry.departments)]))


def _names(terms: list[Any], short: bool) -> str:
    return LIST_JOINER.join(term.short if short else term.label for term in terms)


def shown_runs(entry: Any) -> list[str]:
    """Every run of text the page shows outside the body and the metadata fields, in page order."""
    runs: list[str] = []
    for row in info_rows(entry):
        runs.append(row.label)
        runs.extend(row.values or (EMPTY,))
    if entry.agenda:
        runs.append(AGENDA_LABELS["heading"])
        for item in entry.agenda:
            runs.append(item.subject)
            for key in ("departments", "supplementary"):
                if getattr(item, key):
                    runs.append(f"{AGENDA_LABELS[key]}：{_names(getattr(item, key), short=True)}")
            if item.topics:
                runs.append(f"{AGENDA_LABELS['topics']}：{_names(item.topics, short=False)}")
    if entry.tasks:
        runs.append(task_heading(len(entry.tasks)))
        runs.extend(TASK_COLUMNS)
        area = None
        for row in entry.tasks:
            if row.area and row.area != area:
                runs.append(row.area)
            area = row.area
            runs.extend([row.number, row.project, row.task, *row.quarters,
                         _names(row.lead, short=True), _names(row.support, short=True)])
    if entry.meta.get("attachments"):
        runs.append(ATTACHMENTS_HEADING)
    cc, printer, print_date = (entry.meta.get(key) for key in ("cc", "printer", "print_date"))
    if cc or printer or print_date:
        runs.append(IMPRINT_LABELS["heading"])
        if cc:
            runs.extend([IMPRINT_LABELS["cc"], CC_JOINER.join(_strings(cc))])
        if printer or print_date:
            runs.extend([IMPRINT_LABELS["printer"], imprint_text(printer, print_date)])
    return [run for run in runs if run]


def task_heading(count: int) -> str:
    return f"重点工作目标（{count} 项）"


def imprint_text(printer: Any, print_date: Any) -> str:
    """上海市长宁区人民政府办公室 2020年2月28日印发 (what the 印发 line shows)."""
    text = printer if isinstance(printer, str) else ""
    if isinstance(print_date, str) and print_date:
        text += f" {chinese_date(print_date)}印发"
    return text.strip()


@dataclass(frozen=True)
class Shown(OfDocument):
    """One document as search sees it: what its page shows, as text. The text is worked out when
    first asked for, as the content hash is unless the last build's is known (shown_documents): a
    rebuild needs the text only of the documents it indexes again."""

    doc: Document
    url: str
    doc_type: str
    entry: Any = field(repr=False, compare=False)
    known_key: str | None = field(default=None, repr=False, compare=False)

    # The fields, like the text, are worked out when first asked for: a rebuild needs them only of
    # the documents it indexes again (all of them were 2.5 s of a rebuild at 100,000 documents).
    @cached_property
    def fields(self) -> dict[str, list[str]]:
        """Its searchable metadata, field by field (meta_fields)."""
        return meta_fields(self.entry)

    # What the search page's filters need of every document, without working out every field.
    @property
    def department_labels(self) -> list[str]:
        return self.__dict__["fields"]["departments"] if "fields" in self.__dict__ else department_labels(self.entry)

    @property
    def topic_labels(self) -> list[str]:
        return self.__dict__["fields"]["topics"] if "fields" in self.__dict__ else _strings(self.meta.get("topics"))

    @cached_property
    def text(self) -> str:
        """The body's plain text, then every other run of text the page shows."""
        return self._work_out_text()

    def _work_out_text(self) -> str:
        return "\n".join([plain_text(self.doc.body), *shown_runs(self.entry)])

    @cached_property
    def key(self) -> str:
        """The content hash of what search knows of the document (what its page shows, and its
        front-matter): both indexes key their caches by it, computed once per build."""
        if self.known_key:
            return self.known_key
        # The text is not kept for this: a first build would hold every document's at once.
        text = self.__dict__["text"] if "text" in self.__dict__ else self._work_out_text()
        value = (self.doc.meta, self.fields, text, self.url, self.doc_type)
        try:
            # marshal format 2 keeps no back-references, so equal values give equal bytes; JSON
            # was 3x slower at 10,000 documents.
            payload = marshal.dumps(value, 2)
        except ValueError:  # a front-matter value marshal cannot write (a date object)
            payload = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
        return hashlib.sha256(payload).hexdigest()

    @property
    def identity(self) -> str:
        return identity(self.entry)

    def forget_text(self) -> None:
        """Drop the text worked out so far; it is worked out again if asked for."""
        self.__dict__.pop("text", None)

    def __getstate__(self) -> dict[str, Any]:
        """Sent to a worker process: the text, not the whole site its entry is part of, nor the
        body the text was made from. Pickling a str leaves a UTF-8 copy of it inside the str for
        good: sending the bodies left one in every body the build holds, 1.2 GB at 100,000 documents."""
        return {**self.__dict__, "doc": dataclasses.replace(self.doc, body=""), "fields": self.fields,
                "text": self.text, "key": self.key, "entry": None}


def identity(entry: Any) -> str:
    """What a document's Shown depends on besides the build's recipe (cache.site_recipe): its
    content digest (front-matter and body) and its URL."""
    return f"{entry.digest}\0{entry.url}"


def shown(entry: Any, known_key: str | None = None) -> Shown:
    """What the entry's page shows: metadata fields, and the body's plain text then every other run."""
    return Shown(entry.doc, entry.url, entry.doc_type, entry, known_key)


def shown_documents(site: Any, known: dict[str, str] | None = None) -> list[Shown]:
    """Every document of the site as search sees it, newest first (by the date lists order it by),
    undated last: search's order. known: content hashes by Shown.identity from the last build with
    the same recipe (cache.Memo)."""
    entries = sorted((e for e in site.entries if e.sort_date), key=lambda e: e.id)
    entries.sort(key=lambda e: e.sort_date, reverse=True)
    entries += sorted((e for e in site.entries if not e.sort_date), key=lambda e: e.id)
    known = known or {}
    return [shown(entry, known.get(identity(entry)) if entry.digest else None) for entry in entries]
