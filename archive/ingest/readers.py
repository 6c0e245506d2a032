"""Read a source file of any supported format into plain text with LF line ends.

One reader per format; every failure, whatever the input, is a SourceError that names the file
and says what to do, so the ingest stage can report it and go on with the next file.

Decoding of text formats (.txt, .md, .html):
  * a byte-order mark decides: UTF-8 ("utf-8-sig") or UTF-16 LE/BE ("utf-16");
  * without one, a known binary signature (PNG, ZIP, PDF, ...) or any NUL byte is "a binary file";
  * otherwise strict UTF-8, then (HTML only) the charset the page declares, then strict GB18030
    (a superset of GBK and GB2312).  GB18030 maps almost any byte sequence to *some* characters,
    so a non-UTF-8 result is accepted only when it reads like Chinese text: no control
    characters, and at most 10% of the non-ASCII characters outside GB2312 (the 6,763 common
    hanzi plus CJK punctuation).  The sample documents measure below 0.1%; UTF-8 with a lost
    byte or Big5 misread as GB18030 measure above 30%.  Below about 20 bytes the two cannot be
    told apart, and such a file is read as GB18030 if it decodes.
  * a multi-byte character cut off at the very end of the file (an interrupted download or
    copy) is dropped: it can only be the last character, the rest decodes strictly.  A broken
    sequence anywhere else is an error naming its byte offset and line, never mojibake.
  * more than 1% control characters is a binary file; fewer are dropped.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.dammit import EncodingDetector
from bs4.element import PreformattedString
from docx import Document as open_docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from pdfminer.high_level import extract_text as extract_pdf_text
from pdfminer.layout import LAParams
from pdfminer.pdfdocument import PDFEncryptionError

from archive.document import DocumentError, FileError, split_front_matter

KINDS_BY_SUFFIX = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES = frozenset(KINDS_BY_SUFFIX)

EMPTY_MESSAGE = "is empty; nothing to ingest"


class SourceError(FileError):
    """A source file cannot be read."""


@dataclass(frozen=True)
class SourceText:
    text: str
    kind: str
    front_matter: dict[str, Any] | None = None
    encoding: str | None = None


def read_source(path: Path) -> SourceText:
    """The text of a source file; raises SourceError (and nothing else) when it cannot be used."""
    path = Path(path)
    kind = KINDS_BY_SUFFIX.get(path.suffix.lower())
    if kind is None:
        hint = "; open it in Word and save it as .docx" if path.suffix.lower() in (".doc", ".wps", ".rtf") else ""
        raise SourceError(path, f"has an unsupported file type '{path.suffix or '(none)'}'; "
                                f"supported: {' '.join(sorted(SUPPORTED_SUFFIXES))}{hint}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(path, f"cannot be read ({error.strerror or error}); check the path and its permissions") from None
    if not data.strip():
        raise SourceError(path, EMPTY_MESSAGE)
    if kind == "docx":
        return _checked(path, SourceText(_read_docx(path), kind))
    if kind == "pdf":
        return _checked(path, SourceText(_read_pdf(path), kind))
    if kind == "html":
        text, encoding = _decode_html(data, path)
        return _checked(path, SourceText(_html_to_text(text), kind, encoding=encoding))
    text, encoding = _decode(data, path)
    if kind == "markdown":
        try:
            meta, body, _ = split_front_matter(text, path)
        except DocumentError as error:
            raise SourceError(path, error.message, error.line) from None
        if meta is not None and not body.strip():
            raise SourceError(path, "has front-matter but no text after it; nothing to ingest")
        return _checked(path, SourceText(body, kind, front_matter=meta, encoding=encoding))
    return _checked(path, SourceText(text, kind, encoding=encoding))


def _checked(path: Path, source: SourceText) -> SourceText:
    if not source.text.strip():
        raise SourceError(path, EMPTY_MESSAGE)
    return source


# --- decoding -----------------------------------------------------------------------------------

# File signatures worth naming when someone renames a binary file to .txt.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive, e.g. a .docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document, e.g. a .doc"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)
_BINARY_ADVICE = "export the document as text, .docx or .pdf"
# C0 and C1 controls other than tab, LF, VT, FF and CR: more than 1% of them means binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_TRUNCATION_REASONS = ("unexpected end of data", "truncated data", "incomplete multibyte sequence")
_MAX_RARE_SHARE = 0.10


def _decode(data: bytes, path: Path, declared: str | None = None) -> tuple[str, str]:
    """(text with LF line ends, encoding name); see the module docstring for the rules."""
    if data.startswith(codecs.BOM_UTF8):
        text = _strict(data[len(codecs.BOM_UTF8):], "utf-8", path, len(codecs.BOM_UTF8), "starts with a UTF-8 byte-order mark")
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16", path, 0, "starts with a UTF-16 byte-order mark")
        encoding = "utf-16"
    else:
        _reject_binary(data, path)
        text, encoding = _decode_without_bom(data, path, declared)
    text = _lf(text)
    controls = len(_CONTROL.findall(text))
    if controls * 100 > len(text):
        control = _CONTROL.search(text)
        line = text.count("\n", 0, control.start()) + 1
        raise SourceError(path, f"looks like a binary file (control character U+{ord(control.group()):04X}); {_BINARY_ADVICE}", line)
    # A few stray controls (Word's cell and bell marks in exported text) carry no meaning.
    return _CONTROL.sub("", text) if controls else text, encoding


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _reject_binary(data: bytes, path: Path) -> None:
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise SourceError(path, f"looks like a binary file ({what}); {_BINARY_ADVICE}")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise SourceError(path, f"looks like a binary file (NUL byte at offset {nul}); {_BINARY_ADVICE}")


def _decode_without_bom(data: bytes, path: Path, declared: str | None) -> tuple[str, str]:
    # Valid UTF-8 with non-ASCII bytes is practically never anything else, so it goes first, even
    # before a declared charset: portals often declare gb2312 on pages re-saved as UTF-8.
    try:
        return _strict(data, "utf-8", path, 0, ""), "utf-8"
    except SourceError as utf8_error:
        for candidate in dict.fromkeys(filter(None, (declared, "gb18030"))):
            try:
                text = _strict(data, candidate, path, 0, "")
            # LookupError: a declared bytes-to-bytes codec such as "base64", which codecs.lookup accepts.
            except (SourceError, LookupError):
                continue
            if _reads_as_chinese(text):
                return text, candidate
        raise SourceError(path, f"{utf8_error.message}, and is not GB18030/GBK Chinese text either; "
                                "open it in an editor and save it as UTF-8", utf8_error.line) from None


def _strict(data: bytes, encoding: str, path: Path, offset: int, context: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        if error.end == len(data) and error.reason in _TRUNCATION_REASONS:
            # Only the final character is incomplete and everything before it decoded strictly.
            return data[:error.start].decode(encoding)
        line = _line_at(data, error.start)
        name = "UTF-16" if encoding == "utf-16" else encoding.upper()
        claim = f"{context}, but is not valid {name}" if context else f"is not valid {name}"
        raise SourceError(path, f"{claim} (bad byte at offset {error.start + offset}, line {line})", line) from None


def _line_at(data: bytes, offset: int) -> int:
    prefix = data[:offset]
    return (prefix.count(b"\n") if b"\n" in prefix else prefix.count(b"\r")) + 1


def _reads_as_chinese(text: str) -> bool:
    if _CONTROL.search(text):
        return False
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if not non_ascii:
        return True
    # Characters outside GB2312 (rare hanzi, private-use, unassigned) become '?' here; counting
    # them this way keeps the check at C speed for large files.
    rare = text.encode("gb2312", "replace").count(b"?") - text.count("?")
    return rare <= non_ascii * _MAX_RARE_SHARE


def _decode_html(data: bytes, path: Path) -> tuple[str, str]:
    declared = EncodingDetector.find_declared_encoding(data, is_html=True, search_entire_document=False)
    return _decode(data, path, _known_codec(declared))


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # Portals declare gb2312 but use GBK characters; GB18030 is the superset of both.
    return "gb18030" if codec in ("gb2312", "gbk", "gb18030") else codec


# --- HTML ---------------------------------------------------------------------------------------

# Class/id fragments of gov.cn-style portals' article containers, most specific first.
_STRONG_CONTENT_MARKERS = ("trs_editor", "pages_content", "pages-content", "xxgk_content", "custom_unionstyle",
                           "zoom", "main-text")
_CONTENT_MARKERS = _STRONG_CONTENT_MARKERS + ("article", "content")
_NOISE_FRAGMENTS = ("nav", "menu", "crumb", "share", "jiathis", "footer", "header", "sidebar", "topbar",
                    "toolbar", "qrcode", "copyright", "login", "search")
# Short words that also occur inside content names (e.g. "printContent"): whole words only.
_NOISE_WORDS = re.compile(r"(?<![a-z])(?:print|position|location|related|close)(?![a-z])")
_NOISE_TAGS = ("script", "style", "noscript", "template", "iframe", "nav", "header", "footer", "aside",
               "form", "button", "select", "input", "object", "embed", "svg", "canvas", "link", "meta")
_METADATA_LABELS = frozenset((
    "索引号", "主题分类", "体裁分类", "组配分类", "服务对象", "发文机关", "发布机构", "成文日期", "发布日期",
    "生成日期", "标题", "名称", "发文字号", "文号", "主题词", "信息来源", "公开方式", "公开范围", "有效性",
    "生效日期", "废止日期", "信息分类", "信息名称", "来源",
))
_BLOCK_TAGS = frozenset((
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre",
    "center", "address", "figure", "figcaption", "h4", "h5", "h6", "hr", "tr", "td", "th", "body",
))
_MIN_CONTENT_CHARS = 20
# "索引号：SY00263…" or a label cell "索引号：" whose value is the next cell; only the first colon splits.
_LABEL_AND_VALUE = re.compile(r"([^:：]*)[:：]?(.*)", re.DOTALL)


def _marker_text(tag: Tag) -> str:
    classes = tag.get("class") or []
    return " ".join([tag.get("id") or "", *(classes if isinstance(classes, list) else [classes])]).lower()


def _is_content(tag: Tag) -> bool:
    marks = _marker_text(tag)
    return any(marker in marks for marker in _STRONG_CONTENT_MARKERS)


def _is_noise(tag: Tag) -> bool:
    marks = _marker_text(tag)
    if not (any(noise in marks for noise in _NOISE_FRAGMENTS) or _NOISE_WORDS.search(marks)):
        return False
    # A wrapper named e.g. "header-wrap" sometimes holds the article too; keep it then.
    return not (_is_content(tag) or tag.find(_is_content))


def _html_to_text(html: str) -> str:
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(_NOISE_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if not tag.decomposed and _is_noise(tag):
            tag.decompose()

    metadata = []
    for table in soup.find_all("table"):
        # An outer layout table also "contains" the labels of a metadata table nested in it.
        if not table.decomposed and not table.find("table"):
            pairs = _metadata_pairs(table)
            if pairs:
                metadata.extend(pairs)
                table.decompose()

    container = _content_container(soup)
    flow = _Flow()
    if container is not None:
        _walk(container, flow)
        flow.flush()
        title = _page_title(soup, container)
        # Compared without spaces: the body may letter-space or break a centred title.
        if title and "".join(title.split()) not in "".join("".join(flow.blocks[:5]).split()):
            flow.blocks.insert(0, f"# {title}")
    lines = [f"{key}：{value}" for key, value in dict(metadata).items()]
    return "\n\n".join(lines + flow.blocks) + "\n"


def _clean(text: str) -> str:
    return " ".join(text.split())


def _metadata_pairs(table: Tag) -> list[tuple[str, str]]:
    cells = [_clean(cell.get_text(" ")) for cell in table.find_all(["td", "th"])]
    pairs = []
    index = 0
    while index < len(cells):
        cell = cells[index]
        key, value = _LABEL_AND_VALUE.match(cell).groups()
        # Labels are padded to equal width with spaces: "标　　题".
        key = "".join(key.split())
        if key in _METADATA_LABELS:
            if not value.strip() and index + 1 < len(cells) and "".join(cells[index + 1].split()).rstrip(":：") not in _METADATA_LABELS:
                value = cells[index + 1]
                index += 1
            if value.strip():
                pairs.append((key, value.strip()))
        index += 1
    return pairs if len({key for key, _ in pairs}) >= 2 else []


def _content_container(soup: BeautifulSoup) -> Tag | None:
    for marker in _CONTENT_MARKERS:
        candidates = [tag for tag in soup.find_all(True) if marker in _marker_text(tag)]
        best = max(candidates, key=lambda tag: len(_clean(tag.get_text())), default=None)
        if best is not None and len(_clean(best.get_text())) >= _MIN_CONTENT_CHARS:
            return best
    # No known container: the element whose own paragraphs hold the most text.
    totals: dict[int, tuple[int, Tag]] = {}
    for paragraph in soup.find_all("p"):
        parent = paragraph.parent
        if isinstance(parent, Tag):
            count, _ = totals.get(id(parent), (0, parent))
            totals[id(parent)] = (count + len(_clean(paragraph.get_text())), parent)
    if totals:
        return max(totals.values(), key=lambda item: item[0])[1]
    return soup.body or soup


def _page_title(soup: BeautifulSoup, container: Tag) -> str | None:
    if container.find("h1"):
        return None
    heading = soup.find("h1")
    if heading is None:
        heading = soup.find(lambda tag: tag.name not in ("title", "html", "head", "body")
                            and "title" in _marker_text(tag) and 4 <= len(_clean(tag.get_text())) <= 120)
    return _clean(heading.get_text(" ")) if heading is not None else None


class _Flow:
    """Collects Markdown blocks; inline text gathers into the current paragraph until a block ends it."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.parts: list[str] = []

    def text(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        paragraph = _clean("".join(self.parts))
        if paragraph:
            self.blocks.append(paragraph)
        self.parts = []

    def block(self, text: str) -> None:
        self.flush()
        if text:
            self.blocks.append(text)


def _walk(node: Tag, flow: _Flow) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, PreformattedString):
                flow.text(str(child))
        elif not isinstance(child, Tag):
            continue
        elif child.name in ("h1", "h2", "h3"):
            heading = _clean(child.get_text(" "))
            flow.block(f"{'#' * int(child.name[1])} {heading}" if heading else "")
        elif child.name == "table":
            _html_table(child, flow)
        elif child.name == "br":
            flow.flush()
        elif child.name in _BLOCK_TAGS:
            flow.flush()
            _walk(child, flow)
            flow.flush()
        else:
            _walk(child, flow)


def _html_table(table: Tag, flow: _Flow) -> None:
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    grid = [row.find_all(["td", "th"], recursive=False) for row in rows]
    # Old portals lay whole pages out with tables: a one-column table or one holding tables is layout.
    if table.find("table") or max((len(cells) for cells in grid), default=0) <= 1:
        flow.flush()
        _walk(table, flow)
        flow.flush()
        return
    texts = []
    for cells in grid:
        row = []
        for cell in cells:
            row.append(_clean(cell.get_text(" ")))
            span = str(cell.get("colspan") or "1")
            # Empty cells keep the columns after a spanning cell aligned.
            row.extend([""] * (min(int(span), 50) - 1 if span.isdigit() else 0))
        texts.append(row)
    flow.block(_pipe_table(texts))


def _pipe_table(rows: list[list[str]]) -> str:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)

    def line(cells: list[str]) -> str:
        cells = [" ".join(cell.split()).replace("|", "\\|") for cell in cells]
        return "| " + " | ".join(cells + [""] * (width - len(cells))) + " |"

    return "\n".join([line(rows[0]), line(["---"] * width), *(line(row) for row in rows[1:])])


# --- Word -------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def _read_docx(path: Path) -> str:
    try:
        document = open_docx(str(path))
        blocks = [_docx_block(item) for item in document.iter_inner_content()]
    except (PackageNotFoundError, zipfile.BadZipFile):
        raise SourceError(path, "is not a Word .docx file (not a valid ZIP package); "
                                "open it in Word or WPS and save it as .docx again") from None
    except Exception as error:  # noqa: BLE001 - a damaged package can fail anywhere inside python-docx and lxml
        raise SourceError(path, f"is a damaged Word document ({type(error).__name__}: {error}); "
                                "open it in Word or WPS and save it as .docx again") from None
    return "\n\n".join(block for block in blocks if block) + "\n"


def _docx_block(item: Any) -> str:
    if isinstance(item, Table):
        rows = []
        for row in item.rows:
            cells = row.cells
            # python-docx repeats a merged cell once per grid column it spans; keep it once.
            rows.append([cell.text for index, cell in enumerate(cells)
                         if index == 0 or cell._tc is not cells[index - 1]._tc])
        return _pipe_table(rows)
    text = item.text.strip()
    if not text:
        return ""
    style = item.style.name if item.style is not None else ""
    match = _HEADING_STYLE.match(style or "")
    if match:
        return f"{'#' * max(1, min(int(match.group(1)), 6))} {text}"
    if style in ("Title", "标题"):
        return f"# {text}"
    return text


# --- PDF --------------------------------------------------------------------------------------

# pdfminer's defaults, spelled out: they give one text box per printed line, the shape of the
# sample sources/*.txt that normalize rejoins into paragraphs.  A larger line_margin merges some
# paragraphs' lines and not others, which is worse than merging none.
_LAPARAMS = LAParams(line_margin=0.5, char_margin=2.0, word_margin=0.1, boxes_flow=0.5)
_CID = re.compile(r"\(cid:\d+\)")
# CJK fonts share one glyph between a radical and its ideograph (⽉ and 月, ⺠ and 民); PDF
# writers such as Chromium's map the glyph back to the radical, which breaks search for 人民.
# Kangxi radicals have an NFKC decomposition (NFKC on the whole text would also turn full-width
# punctuation into ASCII, so only they get it).  CJK Radicals Supplement characters have none:
# their ideographs were read off Noto Sans CJK SC's cmap, the glyphs the two code points share.
_RADICAL_IDEOGRAPHS = {
    **{code: unicodedata.normalize("NFKC", chr(code)) for code in range(0x2F00, 0x2FD6)},
    **str.maketrans(
        "⺂⺃⺅⺇⺉⺋⺍⺏⺐⺒⺓⺔⺕⺖⺘⺙⺛⺞⺟⺠⺡⺣⺤⺦⺨⺩⺭⺮⺯⺰⺱⺳⺹⺺⺽⺾⻂⻅⻆⻇⻈⻉⻊⻋⻌⻐⻑⻒⻓⻔⻕⻖⻘⻙⻚⻛⻜⻝⻞⻟⻠⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻮⻯⻰⻱⻲⻳",
        "乛乚亻𠘨刂㔾𭕄尣尢巳幺彑彐忄扌攵旡歺母民氵灬爫丬犭𤣩礻𥫗糹纟罓㓁耂肀𦥑艹衤见角𧢲讠贝𧾷车辶钅長镸长门𨸏阝青韦页风飞食𩙿飠饣𩠐马骨鬼鱼鸟卤麦黄黾斉齐齿竜龙龜亀龟",
    ),
}


def _read_pdf(path: Path) -> str:
    try:
        text = extract_pdf_text(str(path), laparams=_LAPARAMS)
    except PDFEncryptionError:  # includes PDFPasswordIncorrect: the empty user password did not open it
        raise SourceError(path, "is an encrypted PDF; save an unprotected copy (print to PDF) or supply the text") from None
    except Exception as error:  # noqa: BLE001 - pdfminer raises many unrelated types on damaged files
        raise SourceError(path, f"is not a readable PDF ({type(error).__name__}: {error}); "
                                "re-export it as PDF or supply the text") from None
    text = _lf(text).replace("\f", "\n\n").translate(_RADICAL_IDEOGRAPHS)
    if not text.strip():
        raise SourceError(path, "has no text layer (a scanned image?); run OCR first or supply the text")
    if sum(map(len, _CID.findall(text))) * 2 > len("".join(text.split())):
        raise SourceError(path, "has a text layer without Unicode mapping (fonts embedded as glyph ids); "
                                "run OCR first or supply the text")
    return text.strip("\n") + "\n"
