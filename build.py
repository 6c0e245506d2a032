#!/usr/bin/env python3
"""Command line of the archive. Every stage lives in the `archive` package; this file only parses
arguments, calls the stage and turns its outcome into messages and an exit code.

Exit codes: 0 success; 1 some documents failed (the others were still processed), or, with
--strict, warnings, or a folder could not be written (disk full, no permission); 2 usage or
configuration error; 3 another run still held the folder's lock after --wait seconds.

`ingest` and `build` hold a lock beside each folder they write: content.lock, site.lock and, for
the cache folder holding the staff index, site.cache.lock (archive/lock.py), so a scheduled rebuild and a manual one run
one after the other.
"""

from __future__ import annotations

import argparse
import errno
import gc
import json
import logging
import os
import re
import signal
import sys
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent
EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
# Seconds a run waits for another one holding its folder (a sample build takes a few, 10,000
# documents about a minute from scratch).
DEFAULT_WAIT = 600
# Errors of the machine rather than of the input: reported in one line naming the folder.
WRITE_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
                errno.EACCES: "no permission to write there", errno.EPERM: "no permission to write there",
                errno.EROFS: "the file system is read-only"}


def _config(args: argparse.Namespace):
    from archive.config import load_config
    return load_config(args.config or ROOT / "site.yaml")


def _content_dir(args: argparse.Namespace, config) -> Path:
    return Path(args.content) if args.content else config.path("paths.content")


def _out_dir(args: argparse.Namespace, config) -> Path:
    return Path(args.out) if args.out else config.path("paths.output")


def _written_by_build(args: argparse.Namespace, config) -> tuple[Path, Path]:
    """What a build writes: the site, and its cache folder with the staff index (which two sites
    may share when paths.cache names one)."""
    from archive.site.cache import configured_cache_dir
    out = _out_dir(args, config)
    return out, configured_cache_dir(config, out)


@contextmanager
def _locked(args: argparse.Namespace, *folders: Path) -> Iterator[None]:
    """Hold the lock of each folder for the block (always in the order content, site, cache:
    see archive/lock.py)."""
    from archive.lock import hold
    with ExitStack() as stack:
        for folder in folders:
            stack.enter_context(hold(folder, args.wait, lambda message: print(message, file=sys.stderr, flush=True)))
        yield


def cmd_ingest(args: argparse.Namespace) -> int:
    config = _config(args)
    with _locked(args, _content_dir(args, config)):
        return _ingest(args, config)


def _ingest(args: argparse.Namespace, config) -> int:
    from archive.ingest.convert import FAILED, ingest
    paths = [Path(p) for p in args.paths] or [config.path("paths.sources")]
    content_dir = _content_dir(args, config)
    counts: dict[str, int] = {}

    def report(result) -> None:
        counts[result.status] = counts.get(result.status, 0) + 1
        line = f"{result.status:9} {result.source}"
        if result.content and result.status != FAILED:
            line += f" -> {result.content}"
        if result.message:
            line += f": {result.message}"
        print(line, file=sys.stderr if result.status == FAILED else sys.stdout, flush=True)

    results = ingest(paths, content_dir, config, force=args.force, on_result=report)
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("written", "unchanged", "kept", "failed"))
    print(f"ingest: {len(results)} documents: {summary}")
    return EXIT_DOCUMENT_ERRORS if counts.get(FAILED) else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    config = _config(args)
    # Content is only read: ingest writes each file aside and renames it in, so no lock is needed there.
    with _locked(args, *_written_by_build(args, config)):
        return _build(args, config)


def _build(args: argparse.Namespace, config) -> int:
    from archive.site.output import read_marker
    from archive.pipeline import build
    out = _out_dir(args, config)
    before = read_marker(out)
    try:
        report = build(config, content_dir=_content_dir(args, config), out_dir=out,
                       strict=args.strict or config.get("build.strict"))
    except OSError as error:
        if error.errno not in WRITE_ERRORS:
            raise
        # The site is swapped in whole or not at all (archive/site/output.py): its marker tells which.
        kept = "the site there is as it was" if read_marker(out) == before else "the new site is in place"
        print(_write_error(error, out) + f" ({kept})", file=sys.stderr)
        return EXIT_DOCUMENT_ERRORS
    print(report.summary(), flush=True)
    return report.exit_code


def _ingest_and_build(args: argparse.Namespace, config) -> int:
    """Ingest new or changed sources, then build; the content lock is held across both."""
    with _locked(args, _content_dir(args, config)):
        ingest_code = _ingest(args, config)
        with _locked(args, *_written_by_build(args, config)):
            return max(ingest_code, _build(args, config))


def cmd_default(args: argparse.Namespace) -> int:
    args.paths, args.content, args.force, args.out, args.strict = [], None, False, None, False
    code = _ingest_and_build(args, _config(args))
    if code != EXIT_USAGE:
        out = _config(args).path("paths.output")
        python = os.path.relpath(sys.executable) if Path(sys.executable).is_relative_to(Path.cwd()) else "python"
        print(f"\nOpen the archive: {(out / 'index.html').as_uri()}\n"
              f"or serve it:      {python} build.py serve   (then http://127.0.0.1:8000/)")
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        return _serve(args)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(f"error: port {args.port} is in use (another server?); pass --port N, or --port 0 for a free one",
              file=sys.stderr)
        return EXIT_USAGE


def _serve(args: argparse.Namespace) -> int:
    from archive.site.serve import serve
    config = _config(args)
    out = _out_dir(args, config)
    if args.no_watch:
        if not (out / "index.html").exists():
            print(f"error: {out} holds no built site; run `python build.py build` first", file=sys.stderr)
            return EXIT_USAGE
        serve(out, args.port)
        return EXIT_OK
    args.paths, args.content, args.force, args.strict = [], None, False, False
    sources = config.path("paths.sources")

    def rebuild(changed: list[Path]) -> list[Path]:
        """Called by the watcher with what changed: sources are ingested first, then the site is
        built. Returns the folders written besides the site (content/ when ingested)."""
        config = _config(args)  # site.yaml may be what changed
        if any(path.is_relative_to(sources) for path in changed):
            _ingest_and_build(args, config)
            return [_content_dir(args, config)]
        with _locked(args, *_written_by_build(args, config)):
            _build(args, config)
        return []

    # Built once at the start, so the preview shows what the files say now.
    code = _ingest_and_build(args, config)
    if code == EXIT_USAGE or not (out / "index.html").exists():
        return code
    watched = [config.path(key) for key in ("paths.sources", "paths.content", "paths.templates", "paths.static")]
    watched += [config.path(key).parent for key in ("data.departments", "data.topics")]
    if config.source is not None:
        watched.append(config.source)
    serve(out, args.port, watch=watched, rebuild=rebuild)
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from archive.departments import DepartmentTable
    from archive.search.staff_search import SearchError, format_results, search
    from archive.site.cache import STAFF_INDEX, configured_cache_dir
    config = _config(args)
    out = _out_dir(args, config)
    try:
        result = search(configured_cache_dir(config, out) / STAFF_INDEX, " ".join(args.query), site_dir=out,
                        year=args.year, date_from=args.date_from, date_to=args.date_to,
                        department=args.department, topic=args.topic, doc_type=args.type, limit=args.limit,
                        # read for --department only: the table takes a tenth of a second to load
                        departments=DepartmentTable.load(config.path("data.departments")) if args.department else None)
    except SearchError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_results(result))
    return EXIT_OK


def _date(text: str) -> str:
    """argparse type of --from and --to: a date that exists, as YYYY-MM-DD."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date that exists, written YYYY-MM-DD (e.g. 2024-01-31), got {text!r}") from None


def _positive(text: str) -> int:
    """argparse type of --limit: a whole number of 1 or more."""
    if not re.fullmatch(r"\+?[0-9]+", text.strip()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    """argparse type of --wait: seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="build.py", description="Build the searchable archive of government documents. "
        "With no command: ingest new or changed sources, then build the site.")
    root.add_argument("--config", help="site configuration file (default: site.yaml beside build.py)")
    # Given before or after the command: the commands' copy leaves the root's value when not given.
    waiting = argparse.ArgumentParser(add_help=False)
    waiting.add_argument("--wait", type=_seconds, default=argparse.SUPPRESS, metavar="SECONDS",
                         help="when another run is writing the same folder, wait this long for it, "
                         f"then give up with exit code 3; 0 gives up at once (default: {DEFAULT_WAIT})")
    root.add_argument("--wait", type=_seconds, default=DEFAULT_WAIT, metavar="SECONDS", help=argparse.SUPPRESS)
    root.set_defaults(func=cmd_default)
    commands = root.add_subparsers(title="commands", metavar="COMMAND")

    ingest = commands.add_parser("ingest", parents=[waiting], help="normalize raw sources into content/ (Markdown with front-matter)")
    ingest.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to ingest (default: sources/)")
    ingest.add_argument("--content", metavar="DIR", help="content folder to write (default: content/)")
    ingest.add_argument("--force", action="store_true", help="overwrite content files even when edited by hand")
    ingest.set_defaults(func=cmd_ingest)

    build = commands.add_parser("build", parents=[waiting], help="render content/ into the static site")
    build.add_argument("--content", metavar="DIR", help="content folder to read (default: content/)")
    build.add_argument("--out", metavar="DIR", help="folder to write the site to (default: site/)")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors (exit code 1)")
    build.set_defaults(func=cmd_build)

    serve = commands.add_parser(
        "serve", parents=[waiting], help="preview on http://127.0.0.1: build, then rebuild on every change "
        "to sources/, content/, templates/, static/, data/ or site.yaml and reload the open page")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve.add_argument("--out", metavar="DIR", help="built site folder (default: site/)")
    serve.add_argument("--no-watch", action="store_true", help="only serve the site already built in --out")
    serve.set_defaults(func=cmd_serve)

    search = commands.add_parser("search", help="search the archive from the command line (Whoosh index)")
    search.add_argument("query", nargs="+", metavar="QUERY", help="words, \"phrases\", -exclusions, title:… or doc_number:…")
    search.add_argument("--year", type=int, help="only documents of this year")
    search.add_argument("--from", dest="date_from", type=_date, metavar="DATE", help="only documents dated on or after YYYY-MM-DD")
    search.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="only documents dated on or before YYYY-MM-DD")
    search.add_argument("--department", metavar="D", help="only documents naming this department (any of its names)")
    search.add_argument("--topic", metavar="T", help="only documents with this topic")
    search.add_argument("--type", metavar="T", help="only documents of this type (文种), e.g. 通知")
    search.add_argument("--limit", type=_positive, default=20, metavar="N", help="at most N results (default: 20)")
    search.add_argument("--out", metavar="DIR", help="the built site whose index to search (default: site/)")
    search.add_argument("--json", action="store_true", help="print results as JSON")
    search.set_defaults(func=cmd_search)
    return root


def _write_error(error: OSError, folder: Path | None = None) -> str:
    """One line for a write the machine refused: the folder it was meant for (a site being built
    aside, site.tmp-<pid> and deleted by now, is named as the site folder it was to become; a failed
    write() names no file, so then the folder being written), why, and what to do."""
    if error.filename:
        folder = Path(os.fsdecode(error.filename)).parent
        for parent in [folder, *folder.parents]:
            match = re.fullmatch(r"(.+)\.(tmp|old)-[0-9]+", parent.name)
            if match:
                folder = parent.with_name(match.group(1))
                break
    return (f"error: {folder or 'a folder'}: cannot write: {WRITE_ERRORS[error.errno]}; "
            "free space or fix the permissions, then run again")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # pdfminer logs a warning for every font it measures roughly; that says nothing to a user.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    from archive.config import ConfigError
    from archive.departments import DataError
    from archive.lock import Busy
    try:
        return args.func(args)
    except (ConfigError, DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Busy as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as error:
        if error.errno not in WRITE_ERRORS:
            raise
        print(_write_error(error), file=sys.stderr)
        return EXIT_DOCUMENT_ERRORS
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    if hasattr(signal, "SIGPIPE"):
        # `build.py search … | head` closes the pipe early: end quietly, as other commands do.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    status = main()
    # What the command built dies with the process: the interpreter's last garbage collection of
    # it took 0.25 s of a 5 s rebuild of 10,000 documents. Frozen objects are not collected.
    gc.freeze()
    sys.exit(status)
