"""The site build, top to bottom: load content, assemble the model, render, write the search bundle,
swap the new site in, update the staff index. `build()` returns a BuildReport; it prints nothing."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from tqdm import tqdm

from archive import model, search_index, staff_search, urls
from archive.config import ConfigError
from archive.departments import DataError, DepartmentTable
from archive.output import OutputError, SiteWriter, open_data
from archive.render import Renderer
from archive.topics import TopicRules

# Below this many documents a build takes a few seconds and a progress bar is only noise.
PROGRESS_MIN_DOCUMENTS = 500
# The summary shows this many warnings, then says how many more there are.
WARNINGS_SHOWN = 20


@dataclass
class BuildReport:
    documents: int = 0
    pages: int = 0
    warnings: list[str] = field(default_factory=list)  # each names the file
    errors: list[str] = field(default_factory=list)  # documents that could not be built, each naming the file
    seconds: float = 0.0
    strict: bool = False
    out_dir: Path | None = None
    written: bool = False

    @property
    def exit_code(self) -> int:
        """0 when the build is clean; 1 when documents failed, or warnings were raised under --strict.
        (Usage and configuration errors raise ConfigError instead, which the command line turns into 2.)"""
        return 1 if self.errors or (self.strict and self.warnings) else 0

    def summary(self) -> str:
        lines = [f"error: {message}" for message in self.errors]
        label = "error" if self.strict else "warning"
        lines += [f"{label}: {message}" for message in self.warnings[:WARNINGS_SHOWN]]
        if len(self.warnings) > WARNINGS_SHOWN:
            lines.append(f"{label}: ... and {len(self.warnings) - WARNINGS_SHOWN} more warnings")
        if self.written:
            lines.append(f"build: {self.documents} documents, {self.pages} pages written to {self.out_dir} "
                         f"in {self.seconds:.1f} s ({len(self.errors)} errors, {len(self.warnings)} warnings)")
        else:
            lines.append(f"build: not written: {len(self.warnings)} warnings under --strict; "
                         f"the previous site in {self.out_dir} is unchanged")
        return "\n".join(lines)


def build(config: Any, *, content_dir: Path | None = None, out_dir: Path | None = None,
          strict: bool = False, progress: bool = True) -> BuildReport:
    """Build the site from content_dir into out_dir (defaults: paths.content, paths.output).

    Documents that cannot be read are reported and left out; the rest are built. With strict,
    any warning stops the build before anything is written. Raises ConfigError when the content
    folder, templates or data files are missing or invalid.
    """
    started = time.perf_counter()
    content_dir = Path(content_dir) if content_dir else config.path("paths.content")
    out_dir = Path(out_dir) if out_dir else config.path("paths.output")
    if not content_dir.is_dir():
        raise ConfigError(f"{content_dir}: content folder not found; run `python build.py ingest` or pass --content")
    departments, topics = _load_data(config)

    # Gather and cross-link every document before writing anything, so every page sees the whole archive.
    documents, problems = model.load_content(content_dir)
    site = model.assemble(documents, config, departments, topics)
    report = BuildReport(documents=len(site.entries), warnings=site.warnings, errors=problems,
                         strict=strict, out_dir=out_dir)
    if strict and report.warnings:
        return _finish(report, started)

    renderer = Renderer(config)
    try:
        writer = SiteWriter(out_dir)
    except OutputError as error:
        raise ConfigError(str(error)) from None
    try:
        for page in _progress(renderer.pages(site), site, renderer.page_size, progress):
            writer.write(page.url, page.text)
            report.pages += 1
        for url, data in open_data(site):
            writer.write(url, data)
        writer.copy_tree(config.path("paths.static"), urls.STATIC)
        search_index.write_search_bundle(site, writer.path, config)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    report.written = True
    staff_search.update_index(site, config.path("paths.search_index"))
    return _finish(report, started)


def _finish(report: BuildReport, started: float) -> BuildReport:
    report.seconds = time.perf_counter() - started
    return report


def _load_data(config: Any) -> tuple[DepartmentTable, TopicRules]:
    """The department table and topic rules; a broken data file is a configuration error (exit 2)."""
    try:
        return DepartmentTable.load(config.path("data.departments")), TopicRules.load(config.path("data.topics"))
    except DataError as error:
        raise ConfigError(str(error)) from None


def _progress(pages: Iterable[Any], site: model.Site, page_size: int, wanted: bool) -> Iterator[Any]:
    """A progress bar on stderr for long builds in a terminal; otherwise the pages pass straight through."""
    show = wanted and len(site.entries) >= PROGRESS_MIN_DOCUMENTS and sys.stderr.isatty()
    if not show:
        return iter(pages)
    total = len(site.entries) + sum(c.page_count(page_size) for c in site.collections()) + 10
    return iter(tqdm(pages, total=total, unit="page", desc="build", file=sys.stderr, leave=False))
