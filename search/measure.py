#!/usr/bin/env python3
"""First-query and repeated-query cost of the browser search on a built site, in headless Chromium.

    python search/measure.py SITE_DIR [QUERY ...]

Serves SITE_DIR on 127.0.0.1, opens search.html in a fresh browser profile for each query, calls
window.ArchiveSearch.search(query, {limit: LIMIT}) (the first results page a person sees) and
prints, per query: total, bytes fetched (raw and gzip-compressed, the search code included), requests, ms from navigation
to results, and the median of five repeats of the same query on the same page.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import statistics
import sys
import tempfile
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUERIES = ["发展", "建设", "管理", "营商环境", "电动自行车", "城市更新", "发改委", "区府办", "资布局优化", "2286.2",
           "2020", "长府〔2020〕8号", "长府[2020]8号", "2024 招商", '"公园城市"', "会"]
LIMIT = 10
FIRST = """async (q) => {
  await window.ArchiveSearch.ready;
  const r = await window.ArchiveSearch.search(q, {limit: %d});
  return {total: r.total, ms: performance.now()};
}""" % LIMIT
REPEAT = """async (q) => { const t = performance.now(); await window.ArchiveSearch.search(q, {limit: %d});
  return performance.now() - t; }""" % LIMIT


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main(site: Path, queries: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/search.html"
    print("query\ttotal\tKB raw\tKB gzip\trequests\tfirst ms\trepeat ms")
    with sync_playwright() as p:
        for query in queries:
            with tempfile.TemporaryDirectory() as profile:
                context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=ARGS, headless=True)
                page = context.new_page()
                bodies: list[bytes] = []
                page.on("response", lambda r: bodies.append(r.body()) if "/search/" in r.url and r.ok else None)
                page.goto(url)
                first = page.evaluate(FIRST, query)
                raw, packed = sum(map(len, bodies)), sum(len(gzip.compress(b, 6)) for b in bodies)
                repeats = [page.evaluate(REPEAT, query) for _ in range(5)]
                print(f"{query}\t{first['total']}\t{raw / 1024:.1f}\t{packed / 1024:.1f}\t{len(bodies)}\t"
                      f"{first['ms']:.0f}\t{statistics.median(repeats):.1f}", flush=True)
                context.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:] or QUERIES)
