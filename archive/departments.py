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

The table is one district's, so a bare short form (区绿化市容局, 财政局) names that district's body
only in that district's documents. Callers pass the document's jurisdiction (jurisdiction_of tells
it from an organ's name or a 发文字号): HOME, this district, where every form applies; CITY, another
district of the city or the municipality itself, where a district body counts only when the form
names the district (长宁区发改委) and a municipal one whenever it is named (市发改委 is the city's);
ELSEWHERE, outside the city, where a municipal body also has to be named with the city
(上海市发展和改革委员会). National bodies (level 国家) are the same everywhere.

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

from archive.config import load_yaml

KINDS = ("委办局", "街镇", "other")
LEVELS = ("区", "市", "国家")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MATCHING_KEY = "matching"
_ENTRY_KEYS = {"slug", "short", "kind", "level", "collective", "aliases", "false_friends", "seen_in_seeds", "verified", "note"}
_MATCHING_KEYS = {"home_prefixes", "home_number_prefixes", "city_prefixes", "city_districts",
                  "city_number_prefixes", "national_prefixes", "other_jurisdictions",
                  "collective_openings", "collective_endings"}
# A document's jurisdiction, as find_all and canonical take it (see the module docstring).
HOME, CITY, ELSEWHERE = "home", "city", "elsewhere"
# An organ named after a place other than the city (新疆维吾尔自治区质监局, 北京市人民政府) is
# outside it; the place names themselves are not worth a list. 城市, 都市 and 超市 are words, and
# a name that opens with 区, 市 or 县 is a level word of some body's short form.
_PLACE_ORGAN = re.compile(r"^(?![区市县省]|关于)[\u4e00-\u9fff]{2,8}?(?:省|自治区|特别行政区|(?<![城都超])市|自治州|县)")
# Between two characters of a name: any run of spaces and line breaks (PDF letter-spacing, page breaks).
_GAP = r"\s*"
_WHITESPACE = re.compile(r"\s+")
# The jieba user dictionary is "word freq tag" per line and jieba only keeps runs of these
# characters together, so forms with spaces or punctuation cannot be dictionary words.
_DICTIONARY_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]+$")


class DataError(Exception):
    """A data file (departments.yaml, topics.yaml) is unreadable or holds a wrong value; the message
    names the file, the entry and what is wrong."""


def read_data_file(path: Path, configured_as: str) -> Any:
    """A YAML data file's content; any failure is a DataError naming the file (and line)."""
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; {configured_as}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot be read as UTF-8 text ({error})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise DataError(f"{path}:{where}: not valid YAML ({getattr(error, 'problem', None) or error})") from None


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

    def __init__(self, departments: list[Department], false_friends: dict[str, str], matching: "_Matching"):
        self._departments = departments
        self._by_name = {department.name: department for department in departments}
        self._by_surface = {_squeeze(form): department.name
                            for department in departments for form in department.surface_forms}
        self._matching = matching
        self._home_prefixes = matching.home_prefixes
        self._other_jurisdictions = matching.other_jurisdictions + matching.city_districts
        # False friends share the matcher so that, being longer, they swallow the name inside them.
        self._targets: dict[str, str | None] = {**{form: None for form in false_friends}, **self._by_surface}
        self._pattern = re.compile(trie_pattern(sorted(self._targets))) if self._targets else None

    @classmethod
    def load(cls, path: Path | str) -> "DepartmentTable":
        path = Path(path)
        data = read_data_file(path, "the department table is configured as data.departments in site.yaml")
        if not isinstance(data, dict):
            raise DataError(f"{path}: expected a mapping of canonical names to entries, found {type(data).__name__}")
        matching = _read_matching(path, data.get(MATCHING_KEY) or {})
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
        return cls(departments, false_friends, matching)

    def __iter__(self) -> Iterator[Department]:
        return iter(self._departments)

    def __len__(self) -> int:
        return len(self._departments)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, canonical: str) -> Department | None:
        """The department whose canonical name this is (use canonical() first for a short form).
        A phrase that names a group the table does not list (各部门, 区28家签约单位, …领导小组成员单位)
        is a collective: it is shown as written and never becomes one body's page."""
        found = self._by_name.get(canonical)
        if found is None and self.is_group_phrase(canonical):
            return Department(name=canonical, kind="other", level="区", aliases=(), slug="", collective=True)
        return found

    def is_group_phrase(self, name: str) -> bool:
        """Whether a name as written is a group of bodies by its wording (collective_openings/_endings)."""
        squeezed = _squeeze(name)
        return squeezed not in self._by_surface and (squeezed.startswith(self._matching.collective_openings)
                                                     or squeezed.endswith(self._matching.collective_endings))

    def canonical(self, name: str, jurisdiction: str = HOME) -> str | None:
        """Canonical name for one name as written (short or full, spaces and line breaks ignored);
        None when it is not a body in the table, or when, written so, it names another body in a
        document of that jurisdiction. 长宁区财政局 is accepted for 区财政局 (home_prefixes)."""
        squeezed = _squeeze(name)
        if squeezed in self._by_surface:
            found = self._by_surface[squeezed]
            return found if self._applies(squeezed, found, jurisdiction) else None
        for prefix in self._home_prefixes:
            rest = squeezed[len(prefix):]
            if squeezed.startswith(prefix) and rest in self._by_surface:
                return self._by_surface[rest]
        return None

    def find_all(self, text: str, *, collective: bool = False, jurisdiction: str = HOME) -> list[str]:
        """Canonical names of the bodies named in text, each once, in order of first occurrence.
        Collective references (各街（镇）) are left out unless collective is True; in a document of
        another jurisdiction only the bodies its forms can be told apart by (module docstring)."""
        found: dict[str, None] = {}
        for name in self._scan(text, jurisdiction):
            if collective or not self._by_name[name].collective:
                found.setdefault(name)
        return list(found)

    def _scan(self, text: str, jurisdiction: str) -> Iterator[str]:
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            form = _squeeze(match.group())
            name = self._targets[form]
            if name is None:
                continue
            if text.endswith(self._other_jurisdictions, 0, match.start()) and not form.startswith(self._home_prefixes):
                continue
            if self._applies(form, name, jurisdiction):
                yield name

    def _applies(self, form: str, name: str, jurisdiction: str) -> bool:
        """Whether form, found in a document of jurisdiction, names this table's body name."""
        level = self._by_name[name].level
        if jurisdiction == HOME or level == "国家":
            return True
        if level == "区":
            return any(prefix in form for prefix in self._home_prefixes)
        return jurisdiction == CITY or form.startswith(self._matching.city_prefixes)

    def jurisdiction_of(self, organ: str) -> str | None:
        """HOME, CITY or ELSEWHERE for an organ's name as written (上海市徐汇区人民政府办公室 -> CITY,
        国务院 -> ELSEWHERE, 区府办 -> HOME); None when the name does not tell."""
        squeezed = _squeeze(organ)
        matching = self._matching
        if not squeezed:
            return None
        if any(prefix in squeezed for prefix in self._home_prefixes):
            return HOME
        city = next((prefix for prefix in matching.city_prefixes if squeezed.startswith(prefix)), "")
        rest = squeezed[len(city):]
        if rest.startswith(matching.city_districts):
            return CITY
        known = self.get(self.canonical(squeezed) or "")
        if known is not None:
            return {"区": HOME, "市": CITY}.get(known.level, ELSEWHERE)
        if city:
            return CITY
        if squeezed.startswith(matching.national_prefixes) or _PLACE_ORGAN.match(squeezed):
            return ELSEWHERE
        return None

    def names_home_body(self, text: str) -> bool:
        """Whether text names one of this district's bodies by a form that names the district too
        (长宁区人民政府, 长宁区发改委); 长宁 in a list of districts is not enough."""
        return any(self._by_name[name].level == "区" for name in self.find_all(text, jurisdiction=CITY))

    def jurisdiction_of_number(self, doc_number: str) -> str | None:
        """HOME or CITY from the issuer's abbreviation that opens a 发文字号 (长府 -> HOME, 沪府办 or
        徐府办发 -> CITY); None otherwise: the abbreviations of other places are too many to list."""
        squeezed = _squeeze(doc_number)
        if squeezed.startswith(self._matching.home_number_prefixes):
            return HOME
        if squeezed.startswith(self._matching.city_number_prefixes):
            return CITY
        return None

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


@dataclass(frozen=True)
class _Matching:
    """The `matching` section of departments.yaml; each list is described there."""
    home_prefixes: tuple[str, ...]
    home_number_prefixes: tuple[str, ...]
    city_prefixes: tuple[str, ...]
    city_districts: tuple[str, ...]
    city_number_prefixes: tuple[str, ...]
    national_prefixes: tuple[str, ...]
    other_jurisdictions: tuple[str, ...]
    collective_openings: tuple[str, ...]
    collective_endings: tuple[str, ...]


def _read_matching(path: Path, matching: Any) -> _Matching:
    if not isinstance(matching, dict):
        raise DataError(f"{path}: {MATCHING_KEY}: expected a mapping with {', '.join(sorted(_MATCHING_KEYS))}, found {matching!r}")
    unknown = set(matching) - _MATCHING_KEYS
    if unknown:
        raise DataError(f"{path}: {MATCHING_KEY}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: {', '.join(sorted(_MATCHING_KEYS))}")
    # Longest first so that canonical() strips 上海市长宁区 rather than 长宁 when both fit, and
    # jurisdiction_of takes 上海市 rather than 上海 off 上海市徐汇区.
    lists = {key: tuple(sorted(_string_list(path, MATCHING_KEY, key, matching.get(key)), key=len, reverse=True))
             for key in sorted(_MATCHING_KEYS)}
    return _Matching(**lists)


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
