#!/usr/bin/env python3
"""A static file server for the benchmark: 127.0.0.1 only, no caching, optional gzip.

    python bench/serve.py SITE_DIR [--port 0] [--gzip]

Prints `PORT <n>` on its first line once listening. Counts what it sends (requests, header and
body bytes) so the benchmark sees requests a page's workers make too: GET /__bench/reset returns
the counters and zeroes them, GET /__bench/stats returns them. With --gzip, text files (html, js, css, json,
xml, svg, txt) are sent gzip-encoded when the browser accepts it, as a typical static host
(nginx `gzip on`, GitHub Pages) would; binary files, including Pagefind's already-compressed
index files, are sent as they are.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import os
import sys
import threading
from pathlib import Path

COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".xml", ".svg", ".txt"}


STATS = {"requests": 0, "bytes": 0, "body_bytes": 0, "paths": []}
STATS_LOCK = threading.Lock()


def make_handler(root: Path, use_gzip: bool):
    cache: dict[tuple[str, float], bytes] = {}
    lock = threading.Lock()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):  # quiet
            pass

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")
            header_bytes = sum(len(chunk) for chunk in getattr(self, "_headers_buffer", [])) + 2
            if not self.path.startswith("/__bench/"):
                with STATS_LOCK:
                    STATS["requests"] += 1
                    STATS["bytes"] += header_bytes
                    STATS["paths"].append(self.path)
            super().end_headers()

        def copyfile(self, source, outputfile):
            data = source.read()
            self._count_body(len(data))
            outputfile.write(data)

        def _count_body(self, size: int) -> None:
            if self.path.startswith("/__bench/"):
                return
            with STATS_LOCK:
                STATS["bytes"] += size
                STATS["body_bytes"] += size

        def do_GET(self):
            if self.path.startswith("/__bench/"):
                # Counters of what this server sent, for the benchmark: /__bench/stats, /__bench/reset.
                import json

                with STATS_LOCK:
                    payload = json.dumps(STATS).encode()
                    if self.path.startswith("/__bench/reset"):
                        STATS.update(requests=0, bytes=0, body_bytes=0, paths=[])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if (use_gzip and path.suffix in COMPRESSIBLE and path.is_file()
                    and "gzip" in self.headers.get("Accept-Encoding", "")):
                stat = path.stat()
                key = (str(path), stat.st_mtime)
                with lock:
                    data = cache.get(key)
                if data is None:
                    data = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
                    with lock:
                        cache[key] = data
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(str(path)))
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Vary", "Accept-Encoding")
                self.end_headers()
                self._count_body(len(data))
                self.wfile.write(data)
                return
            super().do_GET()

    Handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                              ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
                              ".json": "application/json", ".pagefind": "application/octet-stream",
                              ".pf_meta": "application/octet-stream", ".pf_index": "application/octet-stream",
                              ".pf_fragment": "application/octet-stream", ".pf_filter": "application/octet-stream"}
    return Handler


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.root.resolve(), args.gzip))
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
