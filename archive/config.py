"""Site configuration: every option of site.yaml declared once, with its type, default and help."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


# libyaml's parser when the wheel has it: data files and 100,000 content files are read on every build.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load_yaml(text: str) -> Any:
    """yaml.safe_load, with the C parser when available."""
    return yaml.load(text, Loader=SAFE_LOADER)


class ConfigError(Exception):
    """site.yaml is unreadable or holds a value of the wrong type; the message says which and why."""


@dataclass(frozen=True)
class Option:
    key: str  # dotted path in site.yaml
    type: type
    default: Any
    help: str


OPTIONS: tuple[Option, ...] = (
    Option("site.title", str, "上海市长宁区人民政府文件库", "Site name shown in every page header."),
    Option("site.description", str, "上海市长宁区人民政府公开文件的检索与浏览", "One-line description for the home page and feed."),
    Option("site.base_url", str, "", "Absolute URL the site is served from (used only in sitemap.xml and the feed); empty keeps them relative."),
    Option("site.author", str, "上海市长宁区人民政府", "Publisher named in the Atom feed."),
    # The footer of a government website (GB/T 41480 / 政府网站与政务新媒体 rules): each line is shown only when set.
    Option("footer.organizer", str, "", "主办单位: the body that runs the site, shown in the footer when set."),
    Option("footer.contact", str, "", "联系方式: a telephone number or address for questions, shown in the footer when set."),
    Option("footer.site_code", str, "", "网站标识码: the government website code, shown in the footer when set."),
    Option("footer.icp", str, "", "ICP 备案号 (e.g. 沪ICP备00000000号), shown in the footer when set."),
    Option("footer.police_record", str, "", "公安备案号 (e.g. 沪公网安备 00000000000000号), shown in the footer when set."),
    Option("paths.sources", str, "sources", "Folder of raw documents that `build.py ingest` reads."),
    Option("paths.content", str, "content", "Folder of normalized Markdown documents with front-matter."),
    Option("paths.templates", str, "templates", "Folder of Jinja2 templates."),
    Option("paths.static", str, "static", "Folder of assets copied verbatim into the site."),
    Option("paths.output", str, "site", "Folder the built site is written to."),
    Option("paths.cache", str, "", "Folder for what a build keeps for the next one (parsed documents, page "
           "fingerprints, search analyses and segments) and for the staff index of `build.py search`; "
           "empty: <output>.cache beside the output folder."),
    Option("data.departments", str, "data/departments.yaml", "Department table: canonical names, short forms, kinds, slugs."),
    Option("data.topics", str, "data/topics.yaml", "Topic taxonomy and the rules that assign topics."),
    Option("build.page_size", int, 50, "Documents per page on year, department, topic and type indexes."),
    Option("build.feed_size", int, 20, "Number of latest documents in the Atom feed and on the home page."),
    Option("build.related_count", int, 5, "How many related documents a document page lists."),
    Option("build.strict", bool, False, "Treat warnings as errors (same as --strict)."),
)

_BY_KEY = {option.key: option for option in OPTIONS}


class Config:
    """Resolved configuration. Values are read as `config.get("paths.content")` or
    `config.path("paths.content")` for paths, which resolve against the folder of site.yaml."""

    def __init__(self, values: dict[str, Any], root: Path, source: Path | None):
        self._values = values
        self.root = root
        self.source = source

    def get(self, key: str) -> Any:
        return self._values[key]

    def path(self, key: str) -> Path:
        return (self.root / self._values[key]).resolve()

    def with_overrides(self, **overrides: Any) -> "Config":
        """Copy with dotted keys replaced, e.g. with_overrides(**{"paths.output": "out"})."""
        values = dict(self._values)
        for key, value in overrides.items():
            if key not in _BY_KEY:
                raise ConfigError(f"unknown option {key!r}")
            values[key] = value
        return Config(values, self.root, self.source)


def _flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and not any(o.key == dotted for o in OPTIONS):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _type_name(kind: type) -> str:
    return {str: "a string", int: "a whole number", bool: "true or false"}[kind]


def load_config(path: Path | str | None = None, root: Path | None = None) -> Config:
    """Read site.yaml (or only the defaults when path is None); collect every error, then raise once."""
    values = {option.key: option.default for option in OPTIONS}
    source = Path(path) if path is not None else None
    if source is None:
        return Config(values, (root or Path.cwd()).resolve(), None)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: file not found; pass --config with the path of site.yaml") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{source}: cannot be read as UTF-8 text ({error})") from None
    try:
        data = load_yaml(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{source}:{where}: not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of options at the top level, found {type(data).__name__}")
    errors = []
    for key, value in _flatten(data).items():
        option = _BY_KEY.get(key)
        if option is None:
            known = ", ".join(o.key for o in OPTIONS)
            errors.append(f"{source}: {key}: unknown option (known options: {known})")
        elif option.type is int and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            errors.append(f"{source}: {key}: expected a whole number of at least 1, found {value!r}")
        elif not isinstance(value, option.type):
            errors.append(f"{source}: {key}: expected {_type_name(option.type)}, found {value!r}")
        else:
            values[key] = value
    if errors:
        raise ConfigError("\n".join(errors))
    return Config(values, (root or source.parent).resolve(), source)
