"""What one build keeps for the next: parsed content files, and the fingerprint of every page it wrote.

The cache folder sits beside the output folder (`site/` -> `site.cache/`) and only ever makes a build
faster: deleting it, or a cache written by other code, costs one full build and changes no output.

- `DocumentCache`: each content file's Document and model.Features, keyed by the path as found and
  trusted while the file's size and modification time are unchanged. Kept in shards by path, so a
  rebuild after editing one file rewrites one shard.
- `PageManifest`: url -> fingerprint of the data the file was made from (render.Renderer.plan), for the
  site currently in the output folder. A page whose fingerprint is unchanged is linked from that
  site instead of rendered again. The manifest names the build it describes by a token that the
  output folder's marker file also holds (output.SiteWriter), so a manifest is never applied to a
  site it does not describe (a build killed between swapping the site in and saving the manifest).

Cache files are pickles: the folder is the builder's own, never input from elsewhere.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
from pathlib import Path
from typing import Any, Iterable

from archive.config import OPTIONS
from archive.document import Document
from archive.workers import collector_paused

# Documents are spread over this many shard files by a hash of their path.
SHARDS = 64
PACKAGE = Path(__file__).resolve().parent.parent
# The modules whose code decides what a page or open-data file holds (the search modules write
# their own files and keep their own caches), by their path in the package.
DOCUMENT_MODULES = ("document.py", "site/model.py")
PAGE_MODULES = ("config.py", "departments.py", "document.py", "pipeline.py", "search/tokenizer.py", "site/cache.py",
                "site/model.py", "site/output.py", "site/render.py", "site/shown.py", "site/urls.py", "topics.py")
# Libraries whose version changes what a page looks like or how a file parses.
LIBRARIES = ("Jinja2", "MarkupSafe", "markdown-it-py", "mdit-py-cjk-friendly", "PyYAML")


SEARCH_STORE = "search"  # in the cache folder: the browser index's analyses and built segments
STAFF_INDEX = "staff"  # in the cache folder: the staff index that `build.py search` reads


def cache_dir(out_dir: Path, named: Path | None = None) -> Path:
    """Where a build of out_dir keeps what the next one reuses, and the staff index: the folder the
    user named (paths.cache), else the output folder's sibling <name>.cache; never the source tree."""
    if named is not None:
        return Path(named).resolve()
    out = Path(out_dir).resolve()
    return out.with_name(f"{out.name}.cache")


def configured_cache_dir(config: Any, out_dir: Path) -> Path:
    """cache_dir for a build of out_dir under config's paths.cache."""
    return cache_dir(out_dir, config.path("paths.cache") if config.get("paths.cache") else None)


def _digest_files(paths: Iterable[Path], digest: Any) -> None:
    """Names and contents (names without folders: moving the project must not change a recipe)."""
    for path in sorted(paths):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")


def _versions() -> str:
    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name}=?")
    return ",".join(found)


def parser_recipe() -> str:
    """Identifies the code that turns a content file into a Document and its Features."""
    digest = hashlib.sha1(_versions().encode("utf-8"))
    _digest_files((PACKAGE / name for name in DOCUMENT_MODULES), digest)
    return digest.hexdigest()


def site_recipe(config: Any) -> str:
    """Identifies everything besides the documents that a page depends on: the code of PAGE_MODULES, the
    templates, the data tables and every configuration value but the folders (what the folders hold
    counts instead). Any change means a full render."""
    digest = hashlib.sha1(_versions().encode("utf-8"))
    values = [(option.key, config.get(option.key)) for option in OPTIONS if not option.key.startswith("paths.")]
    digest.update(repr(values).encode("utf-8"))
    templates = config.path("paths.templates")
    _digest_files((PACKAGE / name for name in PAGE_MODULES), digest)
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        digest.update(path.relative_to(templates).as_posix().encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    _digest_files([config.path("data.departments"), config.path("data.topics")], digest)
    return digest.hexdigest()


def write_pickle(path: Path, value: Any) -> None:
    """Write aside, then rename: a killed build leaves the previous file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(temporary, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)


def read_pickle(path: Path) -> Any:
    """The pickled value, or None when the file is missing or unreadable (any unpickling error:
    a cache from other code may fail in many ways, and every one of them just means no cache)."""
    try:
        with open(path, "rb") as handle, collector_paused():
            return pickle.load(handle)
    except Exception:
        return None


class DocumentCache:
    """Parsed content files between builds (model.read_content uses it)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder) / "documents"
        self.recipe = parser_recipe()
        self._shards: dict[int, dict[str, tuple]] = {}
        self._dirty: set[int] = set()

    @staticmethod
    def _shard_of(key: str) -> int:
        return int.from_bytes(hashlib.sha1(key.encode("utf-8", "surrogateescape")).digest()[:4], "little") % SHARDS

    def _shard(self, number: int) -> dict[str, tuple]:
        if number not in self._shards:
            stored = read_pickle(self.folder / f"{number:02d}.pickle")
            valid = isinstance(stored, tuple) and len(stored) == 2 and stored[0] == self.recipe
            try:
                with collector_paused():
                    self._shards[number] = {key: (stamp, Document(meta, body.decode("utf-8"), Path(path)), features)
                                            for key, (stamp, meta, body, path, features) in stored[1].items()} if valid else {}
            except (TypeError, ValueError, AttributeError):
                self._shards[number] = {}
        return self._shards[number]

    @staticmethod
    def _stamp(stat: os.stat_result) -> tuple[int, int, int]:
        return stat.st_size, stat.st_mtime_ns, stat.st_ino

    def get(self, path: str, stat: os.stat_result) -> tuple[Document, Any] | None:
        found = self._shard(self._shard_of(path)).get(path)
        if found is None or found[0] != self._stamp(stat):
            return None
        return found[1], found[2]

    def put(self, path: str, stat: os.stat_result, document: Document, features: Any) -> None:
        number = self._shard_of(path)
        self._shard(number)[path] = (self._stamp(stat), document, features)
        self._dirty.add(number)

    def forget_others(self, paths: Iterable[str]) -> None:
        """Drop every file but these (deleted files must not pile up in the cache)."""
        keep = set(paths)
        for number in range(SHARDS):
            shard = self._shard(number)
            gone = [key for key in shard if key not in keep]
            for key in gone:
                del shard[key]
            if gone:
                self._dirty.add(number)

    def save(self) -> None:
        # Bodies go in as UTF-8 bytes made here and dropped after each shard: pickling a str makes
        # CPython keep a UTF-8 copy inside it for good, which at 100,000 documents doubles the
        # memory the bodies take for the rest of the build.
        for number in sorted(self._dirty):
            shard = {key: (stamp, doc.meta, doc.body.encode("utf-8"), str(doc.path), features)
                     for key, (stamp, doc, features) in self._shards[number].items()}
            write_pickle(self.folder / f"{number:02d}.pickle", (self.recipe, shard))
        self._dirty.clear()


class PageManifest:
    """url -> fingerprint of each file of the site in the output folder (see the module docstring)."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / "pages.pickle"

    def load(self, recipe: str, token: str | None) -> dict[str, str]:
        """The fingerprints of the site whose marker holds token, if it was built with this recipe."""
        stored = read_pickle(self.path)
        if not (isinstance(stored, dict) and token and stored.get("token") == token and stored.get("recipe") == recipe):
            return {}
        pages = stored.get("pages")
        return pages if isinstance(pages, dict) else {}

    @staticmethod
    def token(recipe: str, pages: dict[str, str]) -> str:
        """Names a build by what it wrote; the same content and recipe give the same token, so two
        builds of one archive stay byte-identical."""
        digest = hashlib.sha1(recipe.encode("utf-8"))
        for url in sorted(pages):
            digest.update(f"{url}\0{pages[url]}\n".encode("utf-8"))
        return digest.hexdigest()

    def save(self, recipe: str, token: str, pages: dict[str, str]) -> None:
        write_pickle(self.path, {"recipe": recipe, "token": token, "pages": pages})


class Memo:
    """Values worked out from one document alone, by its shown.identity (content digest and URL),
    from the last build with the same recipe, so that a rebuild works them out only for documents
    that changed: the content hash of what each page shows (shown.Shown.key; all of them cost 1.4 s
    at 10,000 documents) and each document's catalog line (output.catalog_lines)."""

    def __init__(self, folder: Path, name: str):
        self.path = Path(folder) / f"{name}.pickle"
        self._loaded: dict[str, Any] = {}

    def load(self, recipe: str) -> dict[str, Any]:
        stored = read_pickle(self.path)
        if not (isinstance(stored, dict) and stored.get("recipe") == recipe and isinstance(stored.get("values"), dict)):
            return {}
        self._loaded = stored["values"]
        return stored["values"]

    def save(self, recipe: str, values: dict[str, Any]) -> None:
        """Keep values (only those of this build's documents) unless they are what was loaded."""
        if values != self._loaded:
            write_pickle(self.path, {"recipe": recipe, "values": values})
        self._loaded = {}
