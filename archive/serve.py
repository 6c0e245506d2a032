"""`python build.py serve`: the built site over http on 127.0.0.1 only, for looking at it locally."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

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


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A missing page gets the site's own 404 page, with the 404 status."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", CONTENT_TYPES[".html"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_server(out_dir: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A server for out_dir on 127.0.0.1:port (port 0 picks a free one: see server.server_address)."""
    handler = functools.partial(SiteHandler, directory=str(Path(out_dir).resolve()))
    return http.server.ThreadingHTTPServer((HOST, port), handler)


def serve(out_dir: Path, port: int) -> None:
    """Serve until interrupted (Ctrl-C)."""
    with make_server(out_dir, port) as server:
        print(f"Serving {out_dir} at http://{HOST}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
        server.serve_forever()
