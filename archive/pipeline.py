"""The site build, top to bottom: load content, assemble the model, render, write the search bundle,
swap the new site in, update the staff index. `build()` returns a BuildReport; it prints nothing.

A rebuild does the same steps but parses only content files that changed (cache.DocumentCache) and
renders only pages whose data changed (render.Renderer.plan, cache.PageManifest); every other file is
linked from the previous site into the new one, which is still built aside and swapped in whole."""

from __future__ import annotations

import collections
import contextlib
import ctypes
import ctypes.util
import gc
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from tqdm import tqdm

from archive.config import ConfigError
from archive.departments import DataError, DepartmentTable
from archive.search import search_index, staff_search
from archive.site import cache, model, shown, urls
from archive.site.output import OutputError, SiteWriter, catalog, catalog_lines, document_data, read_marker
from archive.site.render import Planned, Renderer
from archive.topics import TopicRules
from archive.workers import available_cores, collector_paused, worker_pool

# Below this many documents a build takes a few seconds and a progress bar is only noise.
PROGRESS_MIN_DOCUMENTS = 500
# The summary shows this many warnings, then says how many more there are.
WARNINGS_SHOWN = 20
# Below this many pages to render, starting worker processes costs more than it saves.
PARALLEL_MIN_PAGES = 400
# Pages a render worker takes at a time: few enough to share the work evenly, enough to keep
# the messages between processes rare.
RENDER_CHUNK = 64


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
    rendered: int = 0  # files rendered this build (pages and open-data files)
    reused: int = 0  # files unchanged since the previous build, taken from it
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

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
            stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.timings.items())
            lines.append(f"build: {self.rendered} files rendered, {self.reused} unchanged; {stages}")
        else:
            lines.append(f"build: not written: {len(self.warnings)} warnings under --strict; "
                         f"the previous site in {self.out_dir} is unchanged")
        return "\n".join(lines)


def build(config: Any, *, content_dir: Path | None = None, out_dir: Path | None = None,
          strict: bool = False, progress: bool = True, workers: int | None = None) -> BuildReport:
    """Build the site from content_dir into out_dir (defaults: paths.content, paths.output).

    Documents that cannot be read are reported and left out; the rest are built. With strict,
    any warning stops the build before anything is written. Raises ConfigError when the content
    folder, templates or data files are missing or invalid. Parsing and rendering use up to
    `workers` processes (default: one per available core). What the previous build left in the
    cache folder (cache.configured_cache_dir) spares parsing unchanged files and rendering
    unchanged pages; the output is the same with or without it.
    """
    started = time.perf_counter()
    content_dir = Path(content_dir) if content_dir else config.path("paths.content")
    out_dir = Path(out_dir) if out_dir else config.path("paths.output")
    workers = workers or available_cores()
    if not content_dir.is_dir():
        raise ConfigError(f"{content_dir}: content folder not found; run `python build.py ingest` or pass --content")
    departments, topics = _load_data(config)
    clock = _Clock()
    # jieba's dictionaries load in a worker while the content is read and the site assembled.
    with _frozen_stages(), search_index.WarmAnalyser(departments) as warm:
        # Gather and cross-link every document before writing anything, so every page sees the whole archive.
        folder = cache.configured_cache_dir(config, out_dir)
        documents = cache.DocumentCache(folder)
        loaded, problems = model.read_content(content_dir, documents, workers)
        gc.freeze()
        clock.lap("load")
        with collector_paused():
            site = model.assemble([doc for doc, _ in loaded], config, departments, topics,
                                  {doc.id: found for doc, found in loaded}, workers)
        del loaded
        gc.freeze()
        clock.lap("assemble")
        report = BuildReport(documents=len(site.entries), warnings=site.warnings, errors=problems,
                             strict=strict, out_dir=out_dir)
        if strict and report.warnings:
            return _finish(report, started)

        renderer = Renderer(config)
        try:
            writer = SiteWriter(out_dir)
        except OutputError as error:
            raise ConfigError(str(error)) from None
        with contextlib.ExitStack() as finally_:
            finally_.callback(writer.close)
            try:
                recipe = cache.site_recipe(config)
                manifest = cache.PageManifest(folder)
                previous = manifest.load(recipe, read_marker(out_dir))
                with collector_paused():
                    planned = renderer.plan(site) + [
                        Planned(urls.document_data_url(entry.doc), entry.digest, ("data", index))
                        for index, entry in enumerate(site.entries)]
                clock.lap("plan")
                todo = [page for page in planned if previous.get(page.url) != page.fingerprint or not writer.reuse(page.url)]
                report.reused = len(planned) - len(todo)
                clock.lap("reuse")
                # What each page shows, as text: both indexes read it, worked out once.
                shown_keys = cache.Memo(folder, "shown-keys")
                with collector_paused():
                    searched = shown.shown_documents(site, shown_keys.load(recipe))
                gc.freeze()
                # The staff index starts once the bundle has every document's words (when many
                # documents changed, in a process of its own while the tiers are grouped and the
                # pages rendered) and is put in place after the new site.
                staff = finally_.enter_context(staff_search.StaffUpdate(
                    searched, config, folder / cache.STAFF_INDEX, folder / cache.SEARCH_STORE, out_dir))
                search_index.write_search_bundle(searched, writer.path, config, folder / cache.SEARCH_STORE,
                                                 warm=warm, analysed=staff.start)
                warm.close()
                clock.lap("search bundle")
                # Hand back what the bundle freed before forking the render workers (a rebuild of a
                # few pages forks none, and the collection costs 0.1 s at 10,000 documents).
                if len(todo) >= PARALLEL_MIN_PAGES:
                    _release_memory()
                # A core is left to the staff index's writer while it writes: sharing every core with
                # it made the rendering, and so the whole build, longer.
                _produce(site, renderer, writer, todo, workers, lambda: max(1, workers - staff.in_background), progress)
                report.rendered = len(todo)
                for page in renderer.summary_pages(site):
                    writer.write(page.url, page.text)
                    report.rendered += 1
                report.pages = report.rendered + report.reused - len(site.entries)  # less the open-data files
                # Kept now, whatever becomes of this build (each line follows from its document
                # alone): at 100,000 documents the lines are 0.1 GB the rest of the build need not hold.
                catalog_memo = cache.Memo(folder, "catalog-lines")
                lines = catalog_lines(site, catalog_memo.load(recipe))
                for url, data in catalog(site, lines):
                    writer.write(url, data)
                catalog_memo.save(recipe, lines)
                del lines
                writer.copy_tree(config.path("paths.static"), urls.STATIC)
                clock.lap("render")
                fingerprints = {page.url: page.fingerprint for page in planned}
                token = cache.PageManifest.token(recipe, fingerprints)
                writer.mark(token)
                writer.commit(wait=False)
                clock.lap("swap")
            except BaseException:
                writer.abort()
                raise
            report.written = True
            manifest.save(recipe, token, fingerprints)
            shown_keys.save(recipe, {doc.identity: doc.key for doc in searched})
            documents.save()
            clock.lap("cache")
            staff.finish()
            clock.lap("staff index")
        clock.lap("old site deleted")
        report.timings = clock.laps
        return _finish(report, started)


# The forked render workers find their work here (set just before the pool starts).
_WORK: dict[str, Any] = {}


def _produce(site: model.Site, renderer: Renderer, writer: SiteWriter, todo: list[Planned], workers: int,
             free: Callable[[], int], progress: bool) -> None:
    """Render the planned pages and data files in todo into the writer, in worker processes when
    there are many: each forked worker sees the assembled site as it is and writes its own files.
    At most free() chunks are rendered at once, asked again after each one: the cores the staff
    index's writer leaves (at 100,000 documents it finished long before the pages, which had
    rendered on one core meanwhile and went on doing so)."""
    _WORK.update(site=site, renderer=renderer, writer=writer, todo=todo, collections=list(site.collections()))
    try:
        bar = _progress(len(todo), len(site.entries), progress)
        if workers > 1 and len(todo) >= PARALLEL_MIN_PAGES:
            # Objects that exist now are never collected in the workers: freezing them keeps the
            # collector from touching (and so copying) every page of memory they share with this
            # process. build() thaws them at its end.
            gc.freeze()
            with worker_pool(workers) as pool:
                running: collections.deque = collections.deque()
                for start in range(0, len(todo), RENDER_CHUNK):
                    while running and len(running) >= free():
                        bar.update(running.popleft().get())
                    running.append(pool.apply_async(_produce_chunk, (start,)))
                while running:
                    bar.update(running.popleft().get())
        else:
            for start in range(0, len(todo), RENDER_CHUNK):
                bar.update(_produce_chunk(start))
        bar.close()
    finally:
        _WORK.clear()


def _produce_chunk(start: int) -> int:
    site, renderer, writer, todo = _WORK["site"], _WORK["renderer"], _WORK["writer"], _WORK["todo"]
    chunk = todo[start:start + RENDER_CHUNK]
    for planned in chunk:
        if planned.job[0] == "data":
            writer.write(planned.url, document_data(site.entries[planned.job[1]]))
        else:
            writer.write(planned.url, renderer.render(site, planned, _WORK["collections"]).text)
    return len(chunk)


class _Clock:
    """Seconds per build stage, for the summary."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now


@contextlib.contextmanager
def _frozen_stages() -> Iterator[None]:
    """What each stage leaves lives until the build ends, so the build freezes it there (gc.freeze):
    the cyclic collector's full passes over it were 1 s of a 5.5 s one-document rebuild at 10,000
    documents. Reference counting still frees what is dropped; the rest is thawed at the end."""
    try:
        yield
    finally:
        gc.unfreeze()


def _release_memory() -> None:
    """Hand the memory the search bundle freed back to the system before the render workers are
    forked: glibc keeps freed heap pages, and at 10,000 documents they were the build's peak."""
    gc.collect()
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _finish(report: BuildReport, started: float) -> BuildReport:
    report.seconds = time.perf_counter() - started
    return report


def _load_data(config: Any) -> tuple[DepartmentTable, TopicRules]:
    """The department table and topic rules; a broken data file is a configuration error (exit 2)."""
    try:
        return DepartmentTable.load(config.path("data.departments")), TopicRules.load(config.path("data.topics"))
    except DataError as error:
        raise ConfigError(str(error)) from None


def _progress(total: int, documents: int, wanted: bool) -> Any:
    """A progress bar on stderr for long builds in a terminal; otherwise one that shows nothing."""
    show = wanted and documents >= PROGRESS_MIN_DOCUMENTS and sys.stderr.isatty()
    return tqdm(total=total, unit="file", desc="build", file=sys.stderr, leave=False, disable=not show)
