#!/usr/bin/env python3
"""How well ingest reads real documents: the policy-dev corpus and the laws corpus of ../shared.

    .venv/bin/python bench/ingest_quality.py [--corpus policy-dev|laws|all] [--limit N] [--show N]

For each corpus, every file the MANIFEST lists is ingested (the real `archive.ingest.convert.ingest`, into a
temporary content folder) and compared with what an independent reading of the text says:

  ingested      documents written (not refused); tracebacks are counted separately
  needs review  documents on the review list, by reason
  title right   our title == the MANIFEST title, both NFKC-folded and without spaces, the MANIFEST's
                【…】 prefix and a 文号 run onto its end removed; MANIFEST titles that are only a date
                (database records) are not comparable and are counted apart
  date found    among documents whose text prints a date in a dating position (a line that is a
                date, a 发布时间/发布日期/成文日期/印发日期 label, a date ending a short signature line,
                …年…月…日印发; for a law, a date in its adoption and amendment lines or its file name's version date), our `date`
                or `publish_date` is one of those printed dates
  文种 right    where the MANIFEST title (without a trailing (试行)/(征求意见稿)/(草案)) ends in one
                of the 15 公文 types or 纪要, `doc_type` is that type

Needs ../shared beside the repository; without it, says so and exits 0.
"""

from __future__ import annotations

import argparse
import collections
import csv
import re
import sys
import tempfile
import traceback
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPORA = {"policy-dev": SHARED / "corpora" / "policy-dev", "laws": SHARED / "corpora" / "laws"}
sys.path.insert(0, str(REPO))

from archive.config import load_config  # noqa: E402
from archive.document import DOC_TYPES, load_document  # noqa: E402
from archive.ingest.convert import FAILED, REVIEW_NAME, ingest, read_review_list  # noqa: E402

_BRACKET_PREFIX = re.compile(r"^【[^】]*】")
_NUMBER_ONLY = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[(【]\d{4}[〕\])】]第?\d{1,5}号|\d{4}年第\d{1,4}号")
_TRAILING_STATUS = re.compile(r"[(（](?:试行|暂行|征求意见稿|草案|修订|修订稿|送审稿)[)）]$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:\d{1,2}:\d{2}(?::\d{2})?)?$")
_CN = "〇○零一二三四五六七八九十"
_DATE = re.compile(rf"(?P<y>\d{{4}}|[{_CN}]{{4}})\s*(?:年|[-./／])\s*(?P<m>\d{{1,2}}|[{_CN}]{{1,3}})\s*(?:月|[-./／])\s*"
                   rf"(?P<d>\d{{2}}(?=\d{{1,2}}:)|\d{{1,2}}|[{_CN}]{{1,3}})\s*日?")
_DATE_LABEL = re.compile(r"^(?:发布时间|发布日期|成文日期|印发日期|发文日期|日期|时间)[:：]")
_INFO_END = "<!-- INFO END -->"
_FILE_NAME_DATE = re.compile(r"\((\d{4}-\d{2}-\d{2})\)")
_NOT_A_DATING = re.compile(r"起|至|前|后|期间|施行|执行|实施|截止|有效")


def fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _cn(value: str) -> int | None:
    if value.isdigit():
        return int(value)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0}
    if len(value) == 4:
        return int("".join(str(digits.get(c, 0)) for c in value))
    if "十" in value:
        tens, _, ones = value.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    return digits.get(value)


def _iso(match: re.Match[str]) -> str | None:
    try:
        y, m, d = (_cn(match[k]) for k in "ymd")
        if None in (y, m, d) or not (1900 < y < 2100 and 1 <= m <= 12 and 1 <= d <= 31):
            return None
        return f"{y:04d}-{m:02d}-{d:02d}"
    except (TypeError, ValueError):
        return None


def printed_dates(text: str) -> set[str]:
    """Dates the text prints where a reader would look for its date (independent of archive.ingest.metadata).
    A law's are the dates of its adoption and amendment lines, above `<!-- INFO END -->`."""
    if _INFO_END in text:
        return {date for date in map(_iso, _DATE.finditer(fold(text.split(_INFO_END, 1)[0]))) if date}
    found = set()
    for raw in text.splitlines():
        line = fold(raw)
        if not line or len(line) > 80 or _NOT_A_DATING.search(line):
            continue
        labelled = _DATE_LABEL.match(line)
        rest = line[labelled.end():] if labelled else line
        match = _DATE.match(rest)
        if match and (labelled or len(line) <= 40):
            found.add(_iso(match))
            continue
        match = None
        for match in _DATE.finditer(line):
            pass
        if match and len(line) <= 45 and (match.end() == len(line) or line[match.end():] == "印发"):
            found.add(_iso(match))
    return {date for date in found if date}


def expected_type(title: str) -> str | None:
    bare = _TRAILING_STATUS.sub("", title)
    for doc_type in sorted(DOC_TYPES + ("纪要",), key=len, reverse=True):
        if bare.endswith(doc_type):
            return doc_type
    return None


def manifest_rows(corpus: str) -> list[dict[str, str]]:
    with (CORPORA[corpus] / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def run_corpus(corpus: str, limit: int | None, show: int) -> None:
    root = CORPORA[corpus]
    rows = manifest_rows(corpus)[:limit]
    config = load_config(None, root=REPO)
    tracebacks: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="ingest-quality-") as tmp:
        content = Path(tmp) / "content"
        files = [root / row["file"] for row in rows]
        try:
            results = ingest(files, content, config)
        except Exception:  # noqa: BLE001 -- one file's crash must not hide the others' figures
            results = []
            for path in files:
                try:
                    results += ingest([path], content, config)
                except Exception:  # noqa: BLE001
                    tracebacks.append((path.name, traceback.format_exc(limit=3)))
        by_source = {result.source.resolve(): result for result in results}
        review = collections.Counter()
        reviewed = read_review_list(content / REVIEW_NAME)
        for entry in reviewed:
            for reason in entry["reasons"].split("; "):
                review[reason] += 1

        counts = collections.Counter()
        misses: dict[str, list[str]] = collections.defaultdict(list)
        for row in rows:
            result = by_source.get((root / row["file"]).resolve())
            if result is None or result.status == FAILED:
                counts["refused"] += 1
                misses["refused"].append(f"{row['file']}: {result.message if result else 'traceback'}")
                continue
            counts["ingested"] += 1
            meta = load_document(result.content).meta
            text = (root / row["file"]).read_text(encoding="utf-8", errors="replace")
            full = fold(row["title"])
            wanted = _BRACKET_PREFIX.sub("", full) or full
            title = fold(meta.get("title"))
            if _DATE_ONLY.match(wanted):
                counts["title not comparable"] += 1
            else:
                counts["title compared"] += 1
                # Right: the MANIFEST title with or without its 【】 prefix, or that followed by a 文号.
                if title in (wanted, full, full.strip("【】")) or (title and any(
                        whole.startswith(title) and _NUMBER_ONLY.fullmatch(whole[len(title):]) for whole in (wanted, full))):
                    counts["title right"] += 1
                else:
                    misses["title"].append(f"{row['file']}: {meta.get('title')!r} != {wanted!r}")
            dates = printed_dates(text)
            # A law's version date is printed in its file name (README of the laws corpus).
            dates |= set(_FILE_NAME_DATE.findall(Path(row["file"]).name)) if dates and _INFO_END in text else set()
            if dates:
                counts["date printed"] += 1
                if {meta.get("date"), meta.get("publish_date")} & dates:
                    counts["date found"] += 1
                else:
                    misses["date"].append(f"{row['file']}: date={meta.get('date')} publish_date="
                                          f"{meta.get('publish_date')} printed={sorted(dates)}")
            doc_type = expected_type(_NUMBER_ONLY.sub("", wanted) if _NUMBER_ONLY.search(wanted) else wanted)
            if doc_type and not _DATE_ONLY.match(wanted):
                counts["type expected"] += 1
                if meta.get("doc_type") == doc_type or (doc_type == "纪要" and meta.get("doc_type") == "纪要"):
                    counts["type right"] += 1
                else:
                    misses["type"].append(f"{row['file']}: {meta.get('doc_type')} != {doc_type} ({wanted})")

    def share(part: str, whole: str) -> str:
        total = counts[whole] if whole in counts else len(rows)
        return f"{counts[part]}/{total} = {100 * counts[part] / total:.1f}%" if total else "n/a"

    print(f"\n== {corpus}: {len(rows)} documents ({root.relative_to(SHARED.parent)})")
    print(f"ingested            {share('ingested', '')}   refused {counts['refused']}   tracebacks {len(tracebacks)}")
    print(f"needs review        {len(reviewed)}/{len(rows)} = {100 * len(reviewed) / len(rows):.1f}%")
    for reason, number in review.most_common():
        print(f"    {number:5}  {reason}")
    print(f"title right         {share('title right', 'title compared')}   "
          f"(+{counts['title not comparable']} whose MANIFEST title is only a date)")
    print(f"date found          {share('date found', 'date printed')}   (of the documents that print a date)")
    print(f"文种 right           {share('type right', 'type expected')}   (of the titles ending in a 文种)")
    for kind in ("refused", "title", "date", "type"):
        for line in misses[kind][:show]:
            print(f"  miss {kind}: {line}")
    for name, text in tracebacks[:show]:
        print(f"  traceback {name}:\n{text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=["policy-dev", "laws", "all"], default="all")
    parser.add_argument("--limit", type=int, help="only the first N documents of each MANIFEST")
    parser.add_argument("--show", type=int, default=10, help="misses of each kind to print (default 10)")
    args = parser.parse_args(argv)
    corpora = list(CORPORA) if args.corpus == "all" else [args.corpus]
    missing = [name for name in corpora if not (CORPORA[name] / "MANIFEST.tsv").is_file()]
    if missing:
        print(f"skipped: {', '.join(missing)} not found under {SHARED} (the corpora beside the repository)")
        corpora = [name for name in corpora if name not in missing]
    for corpus in corpora:
        run_corpus(corpus, args.limit, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
