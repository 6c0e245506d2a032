#!/usr/bin/env python3
"""Make benchmark archives of any size, deterministically.

    python bench/make_archive.py --kind laws --count 3422 --out bench/out/laws
    python bench/make_archive.py --kind synthetic --count 10000 --out bench/out/syn10k/sources
    python bench/make_archive.py --kind synthetic --count 10000 --out bench/out/syn10k/content --form content

Kinds
  laws       the real laws and regulations of ../shared/corpora/laws/ (3,422 documents), copied as
             Markdown sources without front-matter (title in the `#` heading, the version date in
             the file name); a seeded sample of N of them when N is smaller.
  synthetic  N raw 公文 texts recombined from real sentences (the project's sources/, the samples in
             ../shared/extra-docs/, the laws): masthead, 文号, title, 主送, body with 一、（一）
             headings, 责任单位 lines naming departments of data/departments.yaml, signature and date
             over 2010–2025, sometimes 附件, 抄送 and 印发 imprint. Median ~3,300 characters.

Forms
  raw        (default) source files as `python build.py ingest` reads them.
  content    content/<id>.md with YAML front-matter written by archive.document.dump_document, so
             the site build can be benchmarked without ingest.

Same arguments and seed -> byte-identical output. The output folder is emptied of files this script
wrote before (*.txt, *.md at its top level); other files are left alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = (REPO / ".." / "shared").resolve()
LAWS = SHARED / "corpora" / "laws"
EXTRA = SHARED / "extra-docs"
SOURCES = REPO / "sources"
DEPARTMENTS = REPO / "data" / "departments.yaml"

sys.path.insert(0, str(REPO))

HAN = re.compile(r"[\u3400-\u9fff]")
SENTENCE = re.compile(r"[^。！？；]+[。！？；]")
CN_NUM = "一二三四五六七八九十"


class MissingCorpus(Exception):
    pass


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals as used in section headings (十一, 二十三)."""
    if n <= 10:
        return CN_NUM[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_NUM[tens - 1]) + "十" + (CN_NUM[ones - 1] if ones else "")


# ───────────────────────────── reading the real text ─────────────────────────────

def law_files() -> list[Path]:
    """Every law file listed in MANIFEST.tsv, in manifest order (stable)."""
    manifest = LAWS / "MANIFEST.tsv"
    if not manifest.is_file():
        raise MissingCorpus(f"{manifest} not found: the laws corpus lives in ../shared/corpora/laws/")
    files = []
    with manifest.open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            name = line.split("\t", 1)[0]
            if name:
                files.append(LAWS / name)
    return files


def law_body(text: str) -> str:
    """The law's body after its info block (chapters and articles)."""
    marker = text.find("<!-- INFO END -->")
    return text[marker + len("<!-- INFO END -->"):] if marker >= 0 else text


def unwrap(text: str) -> str:
    """Join PDF-broken lines: a line not ending a sentence continues on the next one."""
    out = []
    for raw in text.splitlines():
        line = re.sub(r"\s+", "", raw)
        if not line:
            continue
        heading = HEADING.match(line) or SUBHEADING.match(line) or re.match(r"^[一二三四五六七八九十]+、|^[（(][一二三四五六七八九十]+[）)]", line)
        if heading and out and out[-1] == "":
            out.append("\n")
        out.append(line)
        out.append("\n" if line[-1] in "。！？；：:" or (heading and len(line) < 30) else "")
    return "".join(out)


def clean_sentence(s: str) -> str | None:
    s = s.replace("**", "").strip()
    s = re.sub(r"^第[一二三四五六七八九十百零〇]+条\s*", "", s)
    s = re.sub(r"^[（(][一二三四五六七八九十]+[）)]|^[一二三四五六七八九十]+、|^\d+[.、．]", "", s)
    s = re.sub(r"\s+", "", s)
    if not 10 <= len(s) <= 160:
        return None
    han = len(HAN.findall(s))
    if han < 0.6 * len(s):
        return None
    if s[0] in "，、。；：）)》”" or "|" in s or "#" in s or "<" in s:
        return None
    return s


HEADING = re.compile(r"^\s*[一二三四五六七八九十]+、\s*([\u4e00-\u9fff，、（）]{2,24})\s*$")
SUBHEADING = re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]\s*([\u4e00-\u9fff，、]{2,24}?)[。]?\s*$")
SUBJECT = re.compile(r"(?:加强|推进|做好|深化|优化|完善|开展|规范|落实|促进|推动|提升)([\u4e00-\u9fff]{2,10}?)(?:工作|管理|建设|服务|机制|体系)")


class Corpus:
    """Real sentences, headings and title subjects, read once, in a stable order."""

    def __init__(self) -> None:
        if not SHARED.is_dir():
            raise MissingCorpus(f"{SHARED} is absent: the benchmark archives are made from ../shared")
        # sources/ are raw PDF text (hard line breaks); extra-docs are one paragraph per line.
        gov_texts = [unwrap(p.read_text(encoding="utf-8")) for p in sorted(SOURCES.glob("*.txt"))]
        gov_texts += [p.read_text(encoding="utf-8") for p in sorted(EXTRA.glob("*.txt"))
                      if not p.name.endswith(".source.txt")]
        self.law_paths = law_files()
        law_texts = [law_body(p.read_text(encoding="utf-8")) for p in self.law_paths]

        headings, subheadings = set(), set()
        for text in gov_texts:
            for line in text.splitlines():
                m = HEADING.match(line)
                if m:
                    if len(m.group(1)) >= 4:
                        headings.add(m.group(1))
                m = SUBHEADING.match(line)
                if m:
                    subheadings.add(m.group(1))
        law_chapters = set()
        for text in law_texts:
            for m in re.finditer(r"^##\s*第[一二三四五六七八九十]+章\s+(\S{2,12})\s*$", text, re.M):
                law_chapters.add(m.group(1))
        self.headings = sorted(headings)
        self.law_headings = sorted(law_chapters - headings)
        self.subheadings = sorted(subheadings)

        def sentences(texts: list[str]) -> list[str]:
            seen, out = set(), []
            for text in texts:
                for m in SENTENCE.finditer(text):
                    s = clean_sentence(m.group(0))
                    if s and s not in seen:
                        seen.add(s)
                        out.append(s)
            return out

        self.gov = sentences(gov_texts)
        self.law = sentences(law_texts)
        subjects, actions = set(), set()
        for s in self.gov + self.law[::3]:
            for m in SUBJECT.finditer(s):
                subject = m.group(1)
                if len(subject) >= 3 and not re.search(r"[的和与及或对在了是为等并]|相关$|基本公共$", subject):
                    subjects.add(subject)
                    actions.add(m.group(0))
        self.subjects = sorted(subjects)
        # Sub-headings: the real （一） heads of the samples plus real "推进……工作" phrases.
        self.subheadings = sorted(set(self.subheadings) | actions)


class Departments:
    """Canonical names and aliases from data/departments.yaml (never hard-coded here)."""

    def __init__(self, path: Path = DEPARTMENTS) -> None:
        import yaml

        table = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.all = []
        for name, info in table.items():
            info = info or {}
            aliases = [a for a in (info.get("aliases") or []) if " " not in a]
            self.all.append({
                "name": name,
                "kind": info.get("kind"),
                "level": info.get("level", "区"),
                "collective": bool(info.get("collective")),
                "aliases": aliases,
                "provisional": "待核" in name,
            })
        self.bureaus = [d for d in self.all if d["kind"] == "委办局" and not d["provisional"]
                        and not d["name"].endswith("人民政府办公室")]
        self.streets = [d for d in self.all if d["kind"] == "街镇"]
        self.collective = [d for d in self.all if d["collective"]]
        self.linkable = [d for d in self.all if not d["collective"] and d["level"] == "区" and d["aliases"]]
        self.government = self._find("人民政府", exact_suffix=True)
        self.office = self._find("人民政府办公室", exact_suffix=True)

    def _find(self, suffix: str, exact_suffix: bool) -> dict:
        for d in self.all:
            if d["level"] == "区" and d["name"].endswith(suffix) and d["name"].startswith("上海市"):
                return d
        raise ValueError(f"no district body ending in {suffix} in {DEPARTMENTS}")

    @staticmethod
    def short(dept: dict) -> str:
        """A 区-prefixed short form as used in 主送/责任单位 lines (区发改委), else the shortest alias."""
        district = [a for a in dept["aliases"] if a.startswith("区") and len(a) <= 8]
        if district:
            return district[0]
        return min(dept["aliases"] or [dept["name"]], key=lambda a: (len(a), a))

    @staticmethod
    def number_prefix(dept: dict) -> str:
        """文号 prefix of a department, derived from its shortest alias: 发改委 -> 长发改, 教育局 -> 长教育."""
        bare = [a for a in dept["aliases"] if not a.startswith(("区", "长宁", "上海"))]
        alias = (bare or dept["aliases"] or [dept["name"]])[0]
        alias = re.sub(r"(委员会|办公室|管理局|事务局|局|委|办|中心)$", "", alias) or alias
        return "长" + alias[:2]


# ───────────────────────────── synthetic 公文 ─────────────────────────────

# Weights are a rough picture of a district government's published output.
TYPE_WEIGHTS = {
    "通知": 36, "意见": 11, "批复": 9, "函": 8, "决定": 5, "报告": 5, "通报": 4, "通告": 4,
    "公告": 4, "纪要": 5, "请示": 3, "决议": 1, "公报": 1, "命令": 0.5, "议案": 0.5, "政府工作报告": 0.6,
}
START = dt.date(2010, 1, 1)
DAYS = (dt.date(2025, 12, 31) - START).days + 1


def letter_spaced(text: str) -> str:
    return " " + " ".join(text)


class Synth:
    def __init__(self, corpus: Corpus, departments: Departments, doc_types: tuple[str, ...]) -> None:
        self.c = corpus
        self.d = departments
        self.types = [t for t in TYPE_WEIGHTS if t in doc_types]
        self.type_weights = [TYPE_WEIGHTS[t] for t in self.types]
        self.district = "长宁区"

    def issuer(self, rng: random.Random, doc_type: str) -> tuple[dict, str]:
        """(issuing body, 文号 prefix)."""
        if doc_type in ("政府工作报告", "议案", "命令", "决议"):
            return self.d.government, "长府"
        if doc_type == "纪要":
            return self.d.government, "长府会议纪要"
        roll = rng.random()
        if roll < 0.38:
            prefix = {"函": "长府函", "批复": "长府", "通告": "长府告", "公告": "长府告"}.get(doc_type)
            regulation = ["长府规"] if doc_type in ("通知", "意见", "决定") else []
            return self.d.government, prefix or rng.choice(["长府", "长府", "长府", "长府发"] + regulation)
        if roll < 0.58:
            regulation = ["长府办规"] if doc_type in ("通知", "意见", "决定") else []
            prefix = {"函": "长府办函"}.get(doc_type) or rng.choice(["长府办", "长府办", "长府办发"] + regulation)
            return self.d.office, prefix
        if roll < 0.63 and self.d.streets:
            street = rng.choice(self.d.streets)
            return street, "长" + street["name"][:2] + rng.choice(["", "委"])
        dept = rng.choice(self.d.bureaus)
        return dept, Departments.number_prefix(dept)

    def title(self, rng: random.Random, issuer: dict, doc_type: str, year: int, seq: int) -> str:
        name = issuer["name"]
        subject = rng.choice(self.c.subjects)
        if doc_type == "政府工作报告":
            return f"{year}年上海市长宁区人民政府工作报告"
        if doc_type == "纪要":
            return f"{name}第{seq}次常务会议纪要"
        if doc_type == "批复":
            asker = Departments.short(rng.choice(self.d.bureaus + self.d.streets))
            return f"{name}关于同意{asker}{subject}{rng.choice(['工作方案', '实施方案', '有关事项', '项目'])}的批复"
        if doc_type == "函":
            return f"{name}关于{subject}有关事项的函"
        if doc_type == "报告":
            return f"{name}关于{year}年{subject}工作情况的报告"
        if doc_type == "请示":
            return f"{name}关于{subject}有关问题的请示"
        if doc_type in ("通告", "公告"):
            return f"{name}关于{subject}{rng.choice(['有关事项', '工作', '实施安排'])}的{doc_type}"
        if doc_type == "通报":
            return f"{name}关于{year}年度{subject}工作{rng.choice(['检查情况', '考核结果', '表彰'])}的通报"
        if doc_type == "通知" and rng.random() < 0.45:
            what = rng.choice(["实施方案", "工作方案", "管理办法", "实施意见", "工作要点", "若干措施", "三年行动计划"])
            who = "" if rng.random() < 0.6 else Departments.short(rng.choice(self.d.bureaus))
            verb = "转发" if who else "印发"
            if what == "三年行动计划":
                what = f"（{year}—{year + 2}年）" + what if rng.random() < 0.5 else what
            scope = rng.choice(["长宁区", "本区", "区", ""])
            return f"{name}关于{verb}{who}《{scope}{subject}{what}》的通知"
        verb = rng.choice(["进一步加强", "加快推进", "做好", "深化", "全面推进", "切实做好", "优化"])
        return f"{name}关于{verb}{subject}工作的{doc_type}"

    def sentence(self, rng: random.Random) -> str:
        pool = self.c.gov if rng.random() < 0.6 else self.c.law
        return pool[rng.randrange(len(pool))]

    def paragraph(self, rng: random.Random, budget: int) -> str:
        parts, size = [], 0
        for _ in range(rng.randint(1, 5)):
            s = self.sentence(rng)
            parts.append(s)
            size += len(s)
            if size >= budget:
                break
        return "".join(parts)

    def responsibility(self, rng: random.Random, named: list[str]) -> str:
        depts = rng.sample(self.d.linkable, k=min(len(self.d.linkable), rng.randint(1, 4)))
        named.extend(d["name"] for d in depts if d["name"] not in named)
        names = [rng.choice(d["aliases"]) if rng.random() < 0.4 else Departments.short(d) for d in depts]
        if rng.random() < 0.5 or len(names) == 1:
            return f"责任单位：{'、'.join(names)}"
        return f"牵头单位：{names[0]}；配合单位：{'、'.join(names[1:])}"

    def addressees(self, rng: random.Random, issuer: dict, doc_type: str) -> str:
        if doc_type in ("报告", "请示", "议案"):
            return "上海市长宁区人民代表大会常务委员会：" if doc_type == "议案" else "上海市人民政府：" if issuer is self.d.government else "区政府："
        if doc_type == "批复":
            return Departments.short(rng.choice(self.d.bureaus + self.d.streets)) + "："
        if doc_type in ("通告", "公告", "公报", "纪要", "政府工作报告"):
            return ""
        if issuer in (self.d.government, self.d.office):
            return rng.choice(["区政府各委、办、局，各街道办事处，新泾镇政府：",
                               "区政府各委、办、局，各街道办事处、镇政府：",
                               "各街道办事处、新泾镇政府，区政府各委、办、局，各有关单位："])
        return rng.choice(["各街道办事处、新泾镇政府，区各相关单位：", "各有关单位：", "区各相关部门，各街道（镇）："])

    def document(self, i: int, seed: int) -> dict:
        rng = random.Random(f"{seed}:{i}")
        doc_type = rng.choices(self.types, self.type_weights)[0]
        date = START + dt.timedelta(days=rng.randrange(DAYS))
        issuer, prefix = self.issuer(rng, doc_type)
        seq = 1 + int(rng.expovariate(1 / 25))
        number = f"{prefix}〔{date.year}〕{seq}号"
        title = self.title(rng, issuer, doc_type, date.year, seq)
        target = int(min(40000, max(400, math.exp(rng.gauss(math.log(2900), 0.55)))))

        head = []
        if doc_type in ("函", "报告", "请示"):
            masthead = issuer["name"]
        elif doc_type == "纪要":
            masthead = f"{issuer['name']}常务会议纪要"
        elif doc_type == "政府工作报告":
            masthead = "会议文件"
        else:
            masthead = f"{issuer['name']}文件"
        head.append(letter_spaced(masthead) if rng.random() < 0.15 else masthead)
        if doc_type != "政府工作报告":
            head.append(number)
        head.append("")
        if len(title) > 26 and rng.random() < 0.3:
            cut = title.find("关于") + 2 if "关于" in title else len(title) // 2
            head += [title[:cut], title[cut:]]
        else:
            head.append(title)
        head.append("")
        addressees = self.addressees(rng, issuer, doc_type)
        if addressees:
            head += [addressees, ""]

        body, size = [], 0
        departments = [issuer["name"]]
        body.append(self.paragraph(rng, 300))
        size += len(body[-1])
        k = 0
        while size < target:
            if k < 15:
                k += 1
                roll = rng.random()
                headings = (self.c.headings if roll < 0.5 else self.c.law_headings if roll < 0.8 else self.c.subheadings)
                body.append(f"{cn_number(k)}、{rng.choice(headings or self.c.subheadings)}")
            for j in range(1, rng.randint(1, 4) + 1):
                if size >= target:
                    break
                if rng.random() < 0.6:
                    body.append(f"（{cn_number(j)}）{rng.choice(self.c.subheadings)}")
                para = self.paragraph(rng, rng.randint(150, 600))
                body.append(para)
                size += len(para)
                if rng.random() < 0.35:
                    line = self.responsibility(rng, departments)
                    body.append(line)
                    size += len(line)
        if doc_type == "通知":
            body.append("特此通知。")
        elif doc_type == "批复":
            body.append("此复。")
        elif doc_type == "请示":
            body.append("妥否，请批示。")
        attachments = []
        if rng.random() < 0.15 and doc_type in ("通知", "意见", "决定"):
            attachments = [f"{rng.choice(self.c.subjects)}{rng.choice(['工作任务分解表', '实施细则', '申报表', '名单'])}"
                           for _ in range(rng.randint(1, 2))]
            body.append("附件：" + "\n".join(f"{n}.{a}" if len(attachments) > 1 else a
                                              for n, a in enumerate(attachments, 1)))

        tail = ["", issuer["name"], "", f"{date.year}年{date.month}月{date.day}日"]
        if rng.random() < 0.5:
            tail.append("（此件公开发布）")
        cc, printer, print_date = [], None, None
        if rng.random() < 0.4:
            picks = rng.sample(self.d.all, k=3)
            cc = [Departments.short(d) if not d["collective"] else d["name"] for d in picks]
            printer = self.d.office["name"]
            print_date = date + dt.timedelta(days=rng.randint(0, 3))
            tail += ["", f"抄送：{'，'.join(cc)}。",
                     f"{printer}    {print_date.year}年{print_date.month}月{print_date.day}日印发"]
        text = "\n".join(head) + "\n" + "\n\n".join(body) + "\n" + "\n".join(tail) + "\n"
        return {
            "i": i, "date": date, "title": title, "doc_type": doc_type, "doc_number": number if doc_type != "政府工作报告" else None,
            "issuer": issuer["name"], "departments": departments, "cc": cc, "printer": printer,
            "print_date": print_date, "attachments": attachments, "text": text, "body": body,
        }


def content_body(body: list[str]) -> str:
    out = []
    for para in body:
        if re.match(r"^[一二三四五六七八九十]+、", para):
            out.append("## " + para)
        elif re.match(r"^（[一二三四五六七八九十]+）", para) and len(para) < 40:
            out.append("### " + para)
        else:
            out.append(para)
    return "\n\n".join(out)


# ───────────────────────────── writers ─────────────────────────────

def clear_output(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for p in list(out.glob("*.txt")) + list(out.glob("*.md")):
        p.unlink()


_SYNTH: Synth | None = None


def _write_range(job: tuple[int, int, Path, int, str]) -> int:
    from archive.document import Document, dump_document

    start, stop, out, seed, form = job
    total = 0
    for i in range(start, stop):
        doc = _SYNTH.document(i, seed)
        stem = f"{doc['date'].isoformat()}-syn-{i:06d}"
        if form == "raw":
            data = doc["text"]
            (out / f"{stem}.txt").write_text(data, encoding="utf-8", newline="\n")
        else:
            meta = {
                "id": f"syn-{i:06d}", "title": doc["title"], "doc_type": doc["doc_type"],
                "date": doc["date"].isoformat(), "doc_number": doc["doc_number"], "issuer": doc["issuer"],
                "departments": doc["departments"], "attachments": doc["attachments"], "cc": doc["cc"],
                "printer": doc["printer"], "print_date": doc["print_date"].isoformat() if doc["print_date"] else None,
                "source": f"sources/{stem}.txt",
            }
            data = dump_document(Document(meta=meta, body=content_body(doc["body"])))
            (out / f"syn-{i:06d}.md").write_text(data, encoding="utf-8", newline="\n")
        total += len(data)
    return total


def write_synthetic(count: int, out: Path, seed: int, form: str, jobs: int) -> int:
    """Documents are independent (each has its own seeded generator), so workers may share the range."""
    global _SYNTH
    from archive.document import DOC_TYPES

    _SYNTH = Synth(Corpus(), Departments(), DOC_TYPES)
    clear_output(out)
    step = 500
    work = [(start, min(count, start + step), out, seed, form) for start in range(0, count, step)]
    if jobs <= 1 or count <= step:
        return sum(map(_write_range, work))
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        return sum(pool.imap_unordered(_write_range, work))


def law_meta(path: Path, text: str, index: int) -> tuple[dict, str]:
    from archive.document import DOC_TYPES

    title_match = re.search(r"^#\s+(.+)$", text, re.M)
    title = title_match.group(1).strip() if title_match else path.stem
    date_match = re.search(r"\((\d{4}-\d{2}-\d{2})\)$", path.stem)
    doc_type = next((t for t in sorted(DOC_TYPES, key=len, reverse=True) if title.endswith(t)), None)
    meta = {"id": f"law-{index:04d}", "title": title, "doc_type": doc_type,
            "date": date_match.group(1) if date_match else None,
            "source": str(path.relative_to(LAWS))}
    body = law_body(text).strip()
    return meta, body


def write_laws(count: int, out: Path, seed: int, form: str) -> int:
    files = law_files()
    if count < len(files):
        picked = sorted(random.Random(f"laws:{seed}").sample(range(len(files)), count))
        files = [files[k] for k in picked]
    clear_output(out)
    seen: set[str] = set()
    total = 0
    for index, path in enumerate(files):
        text = path.read_text(encoding="utf-8")
        if form == "raw":
            name = path.name
            if name in seen:
                name = f"{path.parent.name}-{name}"
            seen.add(name)
            (out / name).write_text(text, encoding="utf-8", newline="\n")
            total += len(text)
        else:
            from archive.document import Document, dump_document

            meta, body = law_meta(path, text, index)
            data = dump_document(Document(meta=meta, body=body))
            (out / f"{meta['id']}.md").write_text(data, encoding="utf-8", newline="\n")
            total += len(data)
    return len(files), total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=["laws", "synthetic"], required=True)
    parser.add_argument("--count", type=int, required=True, help="number of documents (laws: at most 3,422)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (its *.txt/*.md are replaced)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--form", choices=["raw", "content"], default="raw")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes for synthetic archives (output is the same for any value)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.kind == "laws":
            n, chars = write_laws(args.count, args.out, args.seed, args.form)
        else:
            n, chars = args.count, write_synthetic(args.count, args.out, args.seed, args.form, args.jobs)
    except MissingCorpus as error:
        print(f"make_archive: {error}; nothing written.", file=sys.stderr)
        return 2
    print(f"make_archive: {n} {args.kind} documents ({args.form}), {chars:,} characters -> {args.out} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
