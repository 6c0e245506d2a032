"""The department table: canonical names of the bodies documents name, their short forms, and a
fast matcher that finds them in text.

All names live in data/departments.yaml; this module only reads and applies them. Matching is one
compiled regular expression built as a character trie over every surface form, so a document is
scanned once however many names the table holds, and the longest name at a position wins
(北新泾街道 over 新泾镇's 新泾, 区人力资源社会保障局 over 人社局). Whitespace, including line breaks,
is tolerated between any two characters of a name because PDF extraction letter-spaces short names
(科 委) and breaks long ones across lines (规划资源 / 局).

Collective references (各街（镇）, 区政府各委、办、局) name a group, not one body: they are in the
table so that they are recognised and not mistaken for a body, but find_all leaves them out unless
asked with collective=True.

Every department has a display short name (Department.short_name: 财政局, 发改委, 区府办,
华阳路街道), the form a table or a list of names prints where the full name would not fit. It is the
entry's `short:`, else its first alias, else its name; it is always one of the entry's surface forms,
so a short name shown on a page reads back as the same body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

KINDS = ("委办局", "街镇", "other")
LEVELS = ("区", "市", "国家")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MATCHING_KEY = "matching"
_ENTRY_KEYS = {"slug", "short", "kind", "level", "collective", "aliases", "false_friends", "seen_in_seeds", "verified", "note"}
_MATCHING_KEYS = {"home_prefixes", "other_jurisdictions"}
# Between two characters of a name: any run of spaces and line breaks (PDF letter-spacing, page breaks).
_GAP = r"\s*"
_WHITESPACE = re.compile(r"\s+")
# The jieba user dictionary is "word freq tag" per line and jieba only keeps runs of these
# characters together, so forms with spaces or punctuation cannot be dictionary words.
_DICTIONARY_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]+$")


class DataError(Exception):
    """A data file (departments.yaml, topics.yaml) is unreadable or holds a wrong value; the message
    names the file, the entry and what is wrong."""


@dataclass(frozen=True)
class Department:
    name: str  # canonical full name
    kind: str  # one of KINDS
    level: str  # one of LEVELS
    aliases: tuple[str, ...]
    slug: str
    collective: bool = False
    short_name: str = ""  # display short name; empty means the first alias, else the name

    def __post_init__(self) -> None:
        if not self.short_name:
            object.__setattr__(self, "short_name", self.aliases[0] if self.aliases else self.name)

    @property
    def surface_forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _squeeze(text: str) -> str:
    return _WHITESPACE.sub("", text)


def trie_pattern(words: list[str]) -> str:
    """A regex matching any of words, written as a trie so that the engine tests one branch per
    character instead of every word, preferring the longest word at a position. Whitespace is
    allowed between any two characters (letter-spaced and line-broken PDF text).
    Also used by topics.py for its keywords."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        parts = []
        for char in sorted(key for key in node if key):
            child = node[char]
            branches = [key for key in child if key]
            if not branches:
                parts.append(re.escape(char))
            else:
                optional = "?" if "" in child else ""
                parts.append(f"{re.escape(char)}(?:{_GAP}{build(child)}){optional}")
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return build(trie)


class DepartmentTable:
    """Departments in file order; look-ups by any surface form; find_all over long texts."""

    def __init__(self, departments: list[Department], false_friends: dict[str, str],
                 home_prefixes: tuple[str, ...], other_jurisdictions: tuple[str, ...]):
        self._departments = departments
        self._by_name = {department.name: department for department in departments}
        self._by_surface = {_squeeze(form): department.name
                            for department in departments for form in department.surface_forms}
        self._home_prefixes = home_prefixes
        self._other_jurisdictions = other_jurisdictions
        # False friends share the matcher so that, being longer, they swallow the name inside them.
        self._targets: dict[str, str | None] = {**{form: None for form in false_friends}, **self._by_surface}
        self._pattern = re.compile(trie_pattern(sorted(self._targets))) if self._targets else None

    @classmethod
    def load(cls, path: Path | str) -> "DepartmentTable":
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(f"{path}: file not found; the department table is configured as data.departments in site.yaml") from None
        except (OSError, UnicodeDecodeError) as error:
            raise DataError(f"{path}: cannot be read as UTF-8 text ({error})") from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise DataError(f"{path}:{where}: not valid YAML ({getattr(error, 'problem', None) or error})") from None
        if not isinstance(data, dict):
            raise DataError(f"{path}: expected a mapping of canonical names to entries, found {type(data).__name__}")
        matching = data.get(MATCHING_KEY) or {}
        home_prefixes, other_jurisdictions = _read_matching(path, matching)
        departments: list[Department] = []
        false_friends: dict[str, str] = {}
        owner: dict[str, str] = {}
        slugs: dict[str, str] = {}
        for name, entry in data.items():
            if name == MATCHING_KEY:
                continue
            department, friends = _read_entry(path, name, entry)
            if department.slug in slugs:
                raise DataError(f"{path}: {name}: slug {department.slug!r} is already used by {slugs[department.slug]}; slugs must be unique")
            slugs[department.slug] = name
            for form in map(_squeeze, department.surface_forms):
                if owner.get(form, name) != name:
                    raise DataError(f"{path}: {name}: name or alias {form!r} also belongs to {owner[form]}; a form can name only one body")
                owner[form] = name
            for friend in friends:
                false_friends[friend] = name
            departments.append(department)
        for friend, name in false_friends.items():
            if friend in owner:
                raise DataError(f"{path}: {name}: false friend {friend!r} is also a name of {owner[friend]}")
        return cls(departments, false_friends, home_prefixes, other_jurisdictions)

    def __iter__(self) -> Iterator[Department]:
        return iter(self._departments)

    def __len__(self) -> int:
        return len(self._departments)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, canonical: str) -> Department | None:
        """The department whose canonical name this is (use canonical() first for a short form)."""
        return self._by_name.get(canonical)

    def canonical(self, name: str) -> str | None:
        """Canonical name for one name as written (short or full, spaces and line breaks ignored);
        None when it is not a body in the table. 长宁区财政局 is accepted for 区财政局 (home_prefixes)."""
        squeezed = _squeeze(name)
        if squeezed in self._by_surface:
            return self._by_surface[squeezed]
        for prefix in self._home_prefixes:
            rest = squeezed[len(prefix):]
            if squeezed.startswith(prefix) and rest in self._by_surface:
                return self._by_surface[rest]
        return None

    def find_all(self, text: str, *, collective: bool = False) -> list[str]:
        """Canonical names of the bodies named in text, each once, in order of first occurrence.
        Collective references (各街（镇）) are left out unless collective is True."""
        found: dict[str, None] = {}
        for name in self._scan(text):
            if collective or not self._by_name[name].collective:
                found.setdefault(name)
        return list(found)

    def _scan(self, text: str) -> Iterator[str]:
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            form = _squeeze(match.group())
            name = self._targets[form]
            if name is None:
                continue
            if text.endswith(self._other_jurisdictions, 0, match.start()) and not form.startswith(self._home_prefixes):
                continue
            yield name

    def names_for_dictionary(self) -> list[str]:
        """Every canonical name and alias that can be a jieba user-dictionary word, longest first."""
        words = {_squeeze(form) for department in self._departments for form in department.surface_forms}
        return sorted((word for word in words if _DICTIONARY_WORD.match(word)), key=lambda word: (-len(word), word))


def _string_list(path: Path, name: str, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise DataError(f"{path}: {name}: {key} must be a list of non-empty names, found {value!r}")
    return value


def _read_matching(path: Path, matching: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(matching, dict):
        raise DataError(f"{path}: {MATCHING_KEY}: expected a mapping with home_prefixes and other_jurisdictions, found {matching!r}")
    unknown = set(matching) - _MATCHING_KEYS
    if unknown:
        raise DataError(f"{path}: {MATCHING_KEY}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: {', '.join(sorted(_MATCHING_KEYS))}")
    home = _string_list(path, MATCHING_KEY, "home_prefixes", matching.get("home_prefixes"))
    other = _string_list(path, MATCHING_KEY, "other_jurisdictions", matching.get("other_jurisdictions"))
    # Longest first so that canonical() strips 上海市长宁区 rather than 长宁 when both fit.
    return tuple(sorted(home, key=len, reverse=True)), tuple(other)


def _read_entry(path: Path, name: Any, entry: Any) -> tuple[Department, list[str]]:
    if not isinstance(name, str) or not name.strip():
        raise DataError(f"{path}: {name!r}: a canonical name must be non-empty text")
    if not isinstance(entry, dict):
        raise DataError(f"{path}: {name}: expected a mapping with slug, kind and aliases, found {entry!r}")
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise DataError(f"{path}: {name}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: {', '.join(sorted(_ENTRY_KEYS))}")
    slug = entry.get("slug")
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        raise DataError(f"{path}: {name}: slug must be lower-case ASCII words joined by hyphens (e.g. fagaiwei), found {slug!r}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise DataError(f"{path}: {name}: kind must be one of {', '.join(KINDS)}, found {kind!r}")
    level = entry.get("level", "区")
    if level not in LEVELS:
        raise DataError(f"{path}: {name}: level must be one of {', '.join(LEVELS)}, found {level!r}")
    collective = entry.get("collective", False)
    if not isinstance(collective, bool):
        raise DataError(f"{path}: {name}: collective must be true or false, found {collective!r}")
    aliases = _string_list(path, name, "aliases", entry.get("aliases"))
    friends = [_squeeze(friend) for friend in _string_list(path, name, "false_friends", entry.get("false_friends"))]
    forms = [_squeeze(form) for form in (name, *aliases)]
    for friend in friends:
        if not any(form in friend and form != friend for form in forms):
            raise DataError(f"{path}: {name}: false friend {friend!r} contains none of the entry's names, so it would never apply")
    short = entry.get("short")
    if short is not None and (not isinstance(short, str) or _squeeze(short) not in forms):
        raise DataError(f"{path}: {name}: short must be the name or one of the aliases (what a table prints must "
                        f"read back as this body), found {short!r}")
    department = Department(name=name, kind=kind, level=level, aliases=tuple(aliases), slug=slug,
                            collective=collective, short_name=short or "")
    return department, friends
