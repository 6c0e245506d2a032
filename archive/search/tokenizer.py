"""Text analysis for search: folding for matching, plain text from Markdown, and jieba words.

This is the only module that imports jieba. Search matches *folded* text: every character is
mapped on its own (so a position in folded text maps back to one original character) by

  1. dropping whitespace and control characters (PDF extraction letter-spaces names, "科 委",
     and breaks lines inside words, so "高 质 量" must still match 高质量);
  2. NFKC when it yields one character (full-width ＡＢＣ１２３ -> ABC123, Kangxi radicals ⼀ -> 一);
  3. lower case when it yields one character;
  4. traditional -> simplified, from opencc's TSCharacters dictionary (營 -> 营);
  5. bracket variants used in 发文字号 to one form (〔2020〕, ［2020］, [2020], 【2020】 -> [2020]).

The browser applies the same steps: NFKC and lower case with its own Unicode tables, steps 4 and
5 from `fold_table_for`, which ships only the mappings whose result occurs in the archive.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import re
import tempfile
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import opencc

# Characters dropped by folding. Written out rather than str.isspace() so the browser (whose \s
# differs from Python's) can use the very same set; search/archive-search.js copies this list.
DROPPED = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
    + "".join(chr(code) for code in range(0x20)) + "\x7f"
)

BRACKETS = {"〔": "[", "〕": "]", "【": "[", "】": "]", "〖": "[", "〗": "]", "﹝": "[", "﹞": "]"}

# Changing folding or segmentation invalidates every cached analysis and every shipped index.
ANALYSIS_VERSION = "1"


def _opencc_t2s() -> dict[str, str]:
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1 and source != target:
            table[source] = target
    return table


def _basic(char: str) -> str:
    """NFKC and lower case, each only when it keeps the character single (the browser does the same)."""
    normal = unicodedata.normalize("NFKC", char)
    if len(normal) == 1:
        char = normal
    lower = char.lower()
    return lower if len(lower) == 1 else char


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """Folded form of every character that steps 4 and 5 change, applied until it no longer
    changes, so folding is idempotent (fold(fold(x)) == fold(x))."""
    raw = {**_opencc_t2s(), **BRACKETS}
    table = {}
    for source in raw:
        key = _basic(source)
        value = key
        for _ in range(4):
            step = _basic(raw.get(value, value))
            if step == value:
                break
            value = step
        if value != key:
            table[key] = value
    return table


@lru_cache(maxsize=65536)
def fold_char(char: str) -> str:
    if char in DROPPED:
        return ""
    char = _basic(char)
    if char in DROPPED:
        return ""
    return _table().get(char, char)


class _Folder:
    """fold() at regex speed: a character class matches every character not yet known to fold to
    itself, so Python code runs only for the few characters that change (line breaks, full-width
    punctuation, traditional characters) and for characters not yet in the class. Folding 44
    million characters took 30 s one character at a time."""

    def __init__(self) -> None:
        self.changes: dict[str, str] = {}
        self.unchanged: set[str] = set()
        self.compiled = -1
        self._compile()

    def _compile(self) -> None:
        keep = "".join(re.escape(char) for char in sorted(self.unchanged))
        self.pattern = re.compile(f"[^{keep}]" if keep else "(?s).")
        self.compiled = len(self.unchanged)

    def _replace(self, match: re.Match) -> str:
        char = match.group()
        folded = self.changes.get(char)
        if folded is not None:
            return folded
        if char in self.unchanged:
            return char
        folded = fold_char(char)
        if folded == char:
            self.unchanged.add(char)
        else:
            self.changes[char] = folded
        return folded

    def __call__(self, text: str) -> str:
        result = self.pattern.sub(self._replace, text)
        # Compiling a class of thousands of characters takes milliseconds: only when it grew by a quarter.
        if len(self.unchanged) > self.compiled * 5 // 4 + 32:
            self._compile()
        return result


_FOLDER = _Folder()


def fold(text: str) -> str:
    """Folded text: each character mapped on its own by fold_char (see the module docstring)."""
    return _FOLDER(text)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each folded character, the index of the original character."""
    chars, offsets = [], []
    for index, char in enumerate(text):
        folded = fold_char(char)
        if folded:
            chars.append(folded)
            offsets.append(index)
    return "".join(chars), offsets


def fold_table_for(characters: Iterable[str]) -> dict[str, str]:
    """The traditional/bracket mappings (keyed by NFKC+lower-cased character) whose folded result
    is one of `characters`: all the browser needs, since a query character folding to anything
    else cannot match the archive anyway. Bracket mappings are always included."""
    wanted = set(characters)
    return {key: value for key, value in _table().items() if value in wanted or key in BRACKETS}


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.MULTILINE)
_BLOCK_MARK = re.compile(r"^\s{0,3}(?:>\s?|[-*+]\s+)", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """What a reader sees of a Markdown body: headings, emphasis, links and table rules reduced to
    their text, table cells separated by line breaks. Search matches and snippets use this text."""
    # Each pattern runs only where its mark occurs (a substring test is far cheaper than a scan
    # by the pattern): this runs over every document at every build.
    text = _TABLE_RULE.sub("", markdown) if "---" in markdown else markdown
    text = _HEADING.sub("", text) if "#" in text else text
    text = _BLOCK_MARK.sub("", text)
    text = _LINK.sub(r"\1", text) if "](" in text else text
    text = _EMPHASIS.sub(r"\2", text) if "**" in text or "__" in text else text
    text = text.replace("|", "\n")
    return (re.sub(r"\n{3,}", "\n\n", text) if "\n\n\n" in text else text).strip()


class Segmenter:
    """jieba's search-mode words for ranking, from a private dictionary that also holds the department
    table's names. rjieba (jieba-rs) cuts 16x faster and, given the same dictionary and word
    frequencies, the same words (tests/test_tokenizer.py checks it on the sample archive); jieba
    itself is the fallback and always computes the added words' frequencies, so both cut alike."""

    def __init__(self, extra_words: Iterable[str] = (), accelerate: bool = True):
        self.extra_words = sorted(set(extra_words))
        self.accelerate = accelerate
        self._memo: dict[str, str] = {}  # word as cut -> folded word or "": words repeat a lot
        # What the words depend on, known without loading jieba: a rebuild whose words are all
        # cached never pays jieba's start-up (about a second).
        self.fingerprint = hashlib.sha256(
            ("\n".join([ANALYSIS_VERSION, importlib.metadata.version("jieba"), *self.extra_words])).encode("utf-8")
        ).hexdigest()[:16]
        self._loaded = False

    def load(self) -> None:
        """Load the dictionaries now (before forking workers that share them)."""
        if self._loaded:
            return
        # Imported here: jieba (and the pkg_resources it imports) cost every command that folds
        # text, such as `build.py search`, 65 ms before it loaded a word.
        import jieba
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        # jieba caches its parsed dictionary in a file named after the dictionary; keep ours in our
        # own temp folder so parallel builds and other programs never share a half-written cache.
        cache_dir = Path(tempfile.gettempdir()) / "archive-jieba"
        cache_dir.mkdir(exist_ok=True)
        self._jieba.tmp_dir = str(cache_dir)
        self._jieba.initialize()
        self._blocks = jieba.re_han_default  # how jieba splits text into blocks
        self.frequencies = []
        for word in self.extra_words:
            frequency = max(self._jieba.suggest_freq(word, tune=False), 100)
            self._jieba.add_word(word, freq=frequency)
            self.frequencies.append((word, frequency))
        self._fast = _rjieba(self.frequencies) if self.accelerate else None
        self._loaded = True

    def cut(self, text: str) -> list[str]:
        """jieba's cut_for_search words of text, unfolded."""
        self.load()
        if self._fast is None:
            return list(self._jieba.cut_for_search(text))
        # jieba-rs keeps runs like 2017-2035, R2-04 or gov.cn whole where jieba splits them at the
        # punctuation, so blocks (jieba's own split) holding such punctuation go to jieba. Lines
        # without it go to rjieba in one call each run of them: a call costs microseconds.
        words: list[str] = []
        clean: list[str] = []
        for line in text.splitlines(keepends=True):
            if not _ASCII_JOINERS.search(line):
                clean.append(line)
                continue
            if clean:
                words.extend(self._fast.cut_for_search("".join(clean)))
                clean = []
            for index, block in enumerate(self._blocks.split(line)):
                if block:
                    cutter = self._jieba if index % 2 and _ASCII_JOINERS.search(block) else self._fast
                    words.extend(cutter.cut_for_search(block))
        if clean:
            words.extend(self._fast.cut_for_search("".join(clean)))
        return words

    def words(self, text: str) -> list[str]:
        """Folded search-mode words of two or more characters (single characters and punctuation
        are already exact in the n-gram index and carry no word boundary worth a bonus)."""
        memo = self._memo
        result = []
        for word in self.cut(text):
            folded = memo.get(word)
            if folded is None:
                folded = memo[word] = _keepable(word)
            if folded:
                result.append(folded)
        return result


def _keepable(word: str) -> str:
    """The folded word if it is worth a word bonus, else ""."""
    folded = fold(word) if len(word) >= 2 else ""
    return folded if len(folded) >= 2 and any(char.isalnum() for char in folded) else ""


_ASCII_JOINERS = re.compile(r"[+#&._%\-]")


def _rjieba(frequencies: list[tuple[str, int]]):
    """An rjieba segmenter with jieba's default dictionary plus frequencies, or None without rjieba."""
    try:
        import rjieba
    except ImportError:
        return None
    fast = rjieba.Jieba()
    for word, frequency in frequencies:
        fast.add_word(word, frequency, None)
    return fast


_SEGMENTERS: dict[tuple[str, ...], Segmenter] = {}


def segmenter(extra_words: Iterable[str] = ()) -> Segmenter:
    """One Segmenter per dictionary for the process: jieba's start-up costs about a second."""
    key = tuple(sorted(set(extra_words)))
    if key not in _SEGMENTERS:
        _SEGMENTERS[key] = Segmenter(key)
    return _SEGMENTERS[key]
