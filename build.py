#!/usr/bin/env python3
"""Command line of the archive. Every stage lives in the `archive` package; this file only parses
arguments, calls the stage and turns its outcome into messages and an exit code.

Exit codes: 0 success; 1 some documents failed (the others were still processed) or, with
--strict, warnings; 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE = 0, 1, 2


def _config(args: argparse.Namespace):
    from archive.config import load_config
    return load_config(args.config or ROOT / "site.yaml")


def cmd_ingest(args: argparse.Namespace) -> int:
    from archive.ingest import FAILED, ingest
    config = _config(args)
    paths = [Path(p) for p in args.paths] or [config.path("paths.sources")]
    content_dir = Path(args.content) if args.content else config.path("paths.content")
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
    from archive.pipeline import build
    config = _config(args)
    report = build(config,
                   content_dir=Path(args.content) if args.content else None,
                   out_dir=Path(args.out) if args.out else None,
                   strict=args.strict or config.get("build.strict"))
    print(report.summary())
    return report.exit_code


def cmd_default(args: argparse.Namespace) -> int:
    args.paths, args.content, args.force, args.out, args.strict = [], None, False, None, False
    ingest_code = cmd_ingest(args)
    build_code = cmd_build(args)
    if build_code != EXIT_USAGE:
        out = _config(args).path("paths.output")
        python = os.path.relpath(sys.executable) if Path(sys.executable).is_relative_to(Path.cwd()) else "python"
        print(f"\nOpen the archive: {(out / 'index.html').as_uri()}\n"
              f"or serve it:      {python} build.py serve   (then http://127.0.0.1:8000/)")
    return max(ingest_code, build_code)


def cmd_serve(args: argparse.Namespace) -> int:
    from archive.serve import serve
    out = Path(args.out) if args.out else _config(args).path("paths.output")
    if not (out / "index.html").exists():
        print(f"error: {out} holds no built site; run `python build.py build` first", file=sys.stderr)
        return EXIT_USAGE
    serve(out, args.port)
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from archive.staff_search import SearchError, format_results, search
    config = _config(args)
    try:
        from archive.cache import STAFF_INDEX, configured_cache_dir
        out = Path(args.out) if args.out else config.path("paths.output")
        result = search(configured_cache_dir(config, out) / STAFF_INDEX, " ".join(args.query),
                        year=args.year, date_from=args.date_from, date_to=args.date_to,
                        department=args.department, topic=args.topic, doc_type=args.type, limit=args.limit)
    except SearchError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_results(result))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="build.py", description="Build the searchable archive of government documents. "
        "With no command: ingest new or changed sources, then build the site.")
    root.add_argument("--config", help="site configuration file (default: site.yaml beside build.py)")
    root.set_defaults(func=cmd_default)
    commands = root.add_subparsers(title="commands", metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="normalize raw sources into content/ (Markdown with front-matter)")
    ingest.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to ingest (default: sources/)")
    ingest.add_argument("--content", metavar="DIR", help="content folder to write (default: content/)")
    ingest.add_argument("--force", action="store_true", help="overwrite content files even when edited by hand")
    ingest.set_defaults(func=cmd_ingest)

    build = commands.add_parser("build", help="render content/ into the static site")
    build.add_argument("--content", metavar="DIR", help="content folder to read (default: content/)")
    build.add_argument("--out", metavar="DIR", help="folder to write the site to (default: site/)")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors (exit code 1)")
    build.set_defaults(func=cmd_build)

    serve = commands.add_parser("serve", help="serve the built site on http://127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--out", metavar="DIR", help="built site folder (default: site/)")
    serve.set_defaults(func=cmd_serve)

    search = commands.add_parser("search", help="search the archive from the command line (Whoosh index)")
    search.add_argument("query", nargs="+", metavar="QUERY", help="words, \"phrases\", -exclusions, title:… or doc_number:…")
    search.add_argument("--year", type=int, help="only documents of this year")
    search.add_argument("--from", dest="date_from", metavar="DATE", help="only documents dated on or after YYYY-MM-DD")
    search.add_argument("--to", dest="date_to", metavar="DATE", help="only documents dated on or before YYYY-MM-DD")
    search.add_argument("--department", metavar="D", help="only documents naming this department (any of its names)")
    search.add_argument("--topic", metavar="T", help="only documents with this topic")
    search.add_argument("--type", metavar="T", help="only documents of this type (文种), e.g. 通知")
    search.add_argument("--limit", type=int, default=20, metavar="N", help="at most N results (default: 20)")
    search.add_argument("--out", metavar="DIR", help="the built site whose index to search (default: site/)")
    search.add_argument("--json", action="store_true", help="print results as JSON")
    search.set_defaults(func=cmd_search)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # pdfminer logs a warning for every font it measures roughly; that says nothing to a user.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    from archive.config import ConfigError
    from archive.departments import DataError
    try:
        return args.func(args)
    except (ConfigError, DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
