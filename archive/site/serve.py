"""`python build.py serve`: the built site over http on 127.0.0.1 only, for looking at it locally,
and, while editing, a live preview: a watcher rebuilds the site when a source, content file,
template, static file, data table or site.yaml changes, and the page open in the browser reloads.

The reload is a small polling script that only this server adds to the HTML it sends; the files
in the site folder, which are what gets published, never contain it.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

HOST = "127.0.0.1"
# Python's own table misses or varies for some of these (.js, .mjs, .csv), and text types need the
# charset so that Chinese displays right whatever the browser guesses.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".wasm": "application/wasm",
}
# What the reload script asks for the site's generation, and the script itself: a file, not inline
# code, because the pages' Content-Security-Policy allows scripts from the site only. No site URL
# starts with "__".
GENERATION_URL = "/__generation"
RELOAD_URL = "/__reload.js"
RELOAD_SCRIPT = b"""/* added by build.py serve, not part of the site: reload the page after a rebuild */
(function () {
  var seen = document.currentScript.src.split("?")[1];
  function poll() {
    fetch("%s", {cache: "no-store"}).then(function (response) { return response.text(); }).then(
      function (generation) { if (generation !== seen) { location.reload(); } else { setTimeout(poll, 1000); } },
      function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
""" % GENERATION_URL.encode("ascii")


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A missing page gets the site's own 404 page, with the 404 status."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        self._send_html(404, page.read_bytes())

    def _send_html(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPES[".html"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class Generation:
    """Which build the server shows: a number that a rebuild raises, read by the reload script."""

    def __init__(self) -> None:
        # The start time too: a page left open across a restart of the server reloads as well.
        self._prefix = f"{time.time_ns():x}-"
        self._count = 0

    def __str__(self) -> str:
        return f"{self._prefix}{self._count}"

    def advance(self) -> None:
        self._count += 1


class LiveHandler(SiteHandler):
    """SiteHandler that adds the reload script to every page and answers the script's question."""

    def __init__(self, *args, generation: Generation, **kwargs) -> None:
        self.generation = generation
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self._send(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._send(head=True)

    def _send(self, head: bool) -> None:
        served = {GENERATION_URL: (str(self.generation).encode("ascii"), ".txt"), RELOAD_URL: (RELOAD_SCRIPT, ".js")}
        if self.path.split("?")[0] in served:
            body, kind = served[self.path.split("?")[0]]
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPES[kind])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
            return
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?")[0].endswith("/"):
            path = os.path.join(path, "index.html")
        if path.endswith(".html") and os.path.isfile(path):
            with open(path, "rb") as handle:
                self._send_html(200, handle.read())
        elif head:
            super().do_HEAD()
        else:
            super().do_GET()

    def _send_html(self, status: int, body: bytes) -> None:
        script = f'<script src="{RELOAD_URL}?{self.generation}"></script>\n'.encode("ascii")
        at = body.rfind(b"</body>")
        body = body[:at] + script + body[at:] if at >= 0 else body + script
        super()._send_html(status, body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Every open page asks for the generation each second: logging that would bury the rest.
        if not self.path.startswith((GENERATION_URL, RELOAD_URL)):
            super().log_request(code, size)

    def end_headers(self) -> None:
        # A preview must show the latest build, never one the browser kept.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def make_server(out_dir: Path, port: int, generation: Generation | None = None) -> http.server.ThreadingHTTPServer:
    """A server for out_dir on 127.0.0.1:port (port 0 picks a free one: see server.server_address).
    With a generation, pages carry the reload script (a live preview)."""
    directory = str(Path(out_dir).resolve())
    if generation is None:
        handler = functools.partial(SiteHandler, directory=directory)
    else:
        handler = functools.partial(LiveHandler, directory=directory, generation=generation)
    return http.server.ThreadingHTTPServer((HOST, port), handler)


def serve(out_dir: Path, port: int, *, watch: Iterable[Path] = (),
          rebuild: Callable[[list[Path]], Iterable[Path]] | None = None) -> None:
    """Serve until interrupted (Ctrl-C). With folders or files to watch and a rebuild function,
    rebuild(changed paths) runs on each change and the open pages reload; rebuild returns the
    folders it wrote into (the content folder when it ingested), whose changes it made itself."""
    watched = list(dict.fromkeys(Path(path) for path in watch if Path(path).exists()))
    generation = Generation() if rebuild and watched else None
    with make_server(out_dir, port, generation) as server:
        url = f"http://{HOST}:{server.server_address[1]}/"
        if generation is None:
            print(f"Serving {out_dir} at {url} (Ctrl-C to stop)", flush=True)
            server.serve_forever()
            return
        stop = threading.Event()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        message = f"Serving {out_dir} at {url}; watching {', '.join(_shown(p) for p in watched)} (Ctrl-C to stop)"
        try:
            _watch(watched, rebuild, generation, stop, ready=lambda: print(message, flush=True))
        finally:
            stop.set()
            server.shutdown()


def _watch(watched: list[Path], rebuild: Callable[[list[Path]], Iterable[Path]], generation: Generation,
           stop: threading.Event, ready: Callable[[], None]) -> None:
    from watchfiles import Change, watch

    own: list[Path] = []  # folders the last rebuild wrote into
    finished = 0.0
    # The watcher is set up before its first look, which ends empty after rust_timeout
    # (yield_on_timeout): only then is "Serving" printed, so no edit made after it is missed.
    for changes in watch(*watched, stop_event=stop, raise_interrupt=True, yield_on_timeout=True, rust_timeout=500):
        if ready is not None:
            ready()
            ready = None
        added = {Path(path) for change, path in changes if change == Change.added}
        changed = [path for path in sorted({Path(path) for _, path in changes})
                   if not _temporary(path, added) and not _made_by(path, own, finished)]
        if not changed:
            continue
        shown = ", ".join(_shown(path) for path in changed[:3])
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        print(f"\nserve: {shown}{more} changed; rebuilding", flush=True)
        try:
            own = [Path(folder) for folder in rebuild(changed)]
        except Exception as error:  # the preview keeps running; the editor fixes the file and saves again
            print(f"serve: rebuild failed, still showing the previous build: {type(error).__name__}: {error}",
                  file=sys.stderr, flush=True)
            own = []
            continue
        finally:
            finished = time.time()
        generation.advance()
        print("serve: rebuilt; open pages reload", flush=True)


def _temporary(path: Path, added: set[Path]) -> bool:
    """A file created and removed again since the last look (an editor's or a writer's file aside)."""
    return path in added and not path.exists()


def _made_by(path: Path, folders: list[Path], finished: float) -> bool:
    """Whether path lies in a folder the last rebuild wrote into and was last changed by then
    (a file gone from there went in that rebuild too: ingest's files written aside)."""
    if not any(path.is_relative_to(folder) for folder in folders):
        return False
    try:
        return path.stat().st_mtime <= finished
    except OSError:
        return True


def _shown(path: Path) -> str:
    """path relative to the working folder when it is inside it, else as it is."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
