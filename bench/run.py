#!/usr/bin/env python3
"""The benchmark: build archives of 1,000 and 10,000 documents (100,000 behind a flag), measure the
build, the site and the browser search, and the same figures for Pagefind run on our built HTML.

    python bench/run.py                          # sizes 1000,10000; prints one table
    python bench/run.py --sizes 1000 --skip-pagefind
    python bench/run.py --sizes 1000,10000,laws  # 'laws' = the 3,422 real laws and regulations
    python bench/run.py --with-100k              # adds 100000 (Pagefind skipped there, see --pagefind-max)

Needs ../shared (the corpora); without it, says so and exits 0. Everything it makes goes under
--out (default bench/out/, git-ignored): per size a folder with sources/, content/, site/, logs/,
and results.json for the whole run. A failing stage records its error, shows it in the table and
the run goes on. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
SHARED = (REPO / ".." / "shared").resolve()
PY = sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGEFIND_DIR = "pagefind_bench"
DOC_PAGE_GLOB = "{[0-9][0-9][0-9][0-9],undated}/*.html"  # document pages, as archive/site/urls.py lays them out
REPEATS = 3

sys.path.insert(0, str(REPO))


# ───────────────────────────── small helpers ─────────────────────────────

def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".replace("\n", " ")
    return text[:400]


def run_child(cmd: list[str], logs: Path, name: str, timeout: float, cwd: Path = REPO) -> dict:
    """Run a command, timing it and taking its peak RSS (largest process of its tree) from wait4()."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{name}.out", logs / f"{name}.err"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env, start_new_session=True)
        status = rusage = None
        tree_peak = 0
        next_sample = 0.0
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if now >= next_sample:  # the whole tree's RSS, summed: worker processes count too
                tree_peak = max(tree_peak, tree_rss(proc.pid))
                next_sample = now + 0.2
            if time.perf_counter() - started > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, rusage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise TimeoutError(f"{name} took longer than {timeout:.0f} s; killed (log {err_path})")
            time.sleep(0.02)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = {"seconds": round(seconds, 3), "peak_rss_mb": round(rusage.ru_maxrss / 1024, 1),
              "peak_tree_rss_mb": round(tree_peak / 1048576, 1),
              "exit": proc.returncode, "cmd": " ".join(cmd)}
    if proc.returncode not in (0, 1):
        tail = (err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines() or ["(no stderr)"])[-3:]
        raise RuntimeError(f"{name} exited {proc.returncode}: {' | '.join(tail)[:300]}")
    if proc.returncode == 1:
        tail = err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-2:]
        result["warning"] = f"exit 1 (some documents failed): {' | '.join(tail)[:200]}"
    return result


PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root_pid: int) -> int:
    """Bytes of resident memory of a process and all its descendants, from /proc (sampled)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * PAGE
    total, todo = 0, [root_pid]
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def tree_size(root: Path, exclude: str | None = None) -> dict:
    files = size = 0
    for dirpath, dirnames, filenames in os.walk(root):
        if exclude and exclude in dirnames:
            dirnames.remove(exclude)
        for name in filenames:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, name))
    return {"bytes": size, "mb": round(size / 1e6, 2), "files": files}


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def query_terms(query: str) -> list[str]:
    """Terms of a query for the substring scan: a "quoted phrase" is one term, the rest split on spaces."""
    terms = []
    for quoted, bare in re.findall(r'"([^"]*)"|(\S+)', query):
        term = fold(quoted if quoted else bare).strip()
        if term:
            terms.append(term)
    return terms


NOT_TEXT = {"id", "source", "source_sha256", "date", "print_date"}


def strings(value) -> list[str]:
    """Every text in a front-matter value (lists and mappings of tasks, agenda ... included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in strings(v)]
    return [] if value is None or isinstance(value, bool) else [str(value)]


def url_to_id(url: str) -> str:
    path = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    name = path.rsplit("/", 1)[-1]
    return name[:-5] if name.endswith(".html") else name


# ───────────────────────────── the stages ─────────────────────────────

class SizeRun:
    """One archive size: every stage writes into self.r; errors are recorded, never raised."""

    def __init__(self, label: str, args: argparse.Namespace, save) -> None:
        self.label = label
        self.args = args
        self.save = save
        self.count = None if label == "laws" else int(label)
        self.base = args.out / (f"laws" if label == "laws" else f"syn-{label}")
        self.logs = self.base / "logs"
        self.r: dict = {"size": label, "stages": {}}
        self.timeout = args.stage_timeout or max(1800.0, (self.count or 3422) * 0.12)
        self.truth_docs: dict[str, str] | None = None
        self.titles: dict[str, str] = {}

    def stage(self, name: str, fn) -> dict | None:
        log(f"{self.label}: {name} …")
        started = time.perf_counter()
        try:
            value = fn()
        except Exception as error:  # noqa: BLE001 -- one failing stage must not stop the run
            (self.logs).mkdir(parents=True, exist_ok=True)
            with (self.logs / "errors.txt").open("a", encoding="utf-8") as handle:
                handle.write(f"== {name}\n{traceback.format_exc()}\n")
            value = {"error": error_text(error)}
            log(f"{self.label}: {name} FAILED: {value['error']}")
        else:
            log(f"{self.label}: {name} done in {time.perf_counter() - started:.1f} s")
        self.r["stages"][name] = value
        self.save()
        return value

    def ok(self, name: str) -> bool:
        value = self.r["stages"].get(name)
        return isinstance(value, dict) and "error" not in value

    # -- archive, ingest, build --

    def generate(self, form: str, folder: Path) -> dict:
        kind = "laws" if self.label == "laws" else "synthetic"
        count = 100000 if self.label == "laws" else self.count
        stamp = folder / ".bench-made"
        key = f"{kind} {count} seed={self.args.seed} form={form} generator={file_digest(BENCH / 'make_archive.py')}"
        if not self.args.regenerate and stamp.is_file() and stamp.read_text() == key:
            files = len([p for p in folder.iterdir() if p.suffix in (".txt", ".md")])
            return {"seconds": None, "reused": True, "documents": files}
        result = run_child([PY, str(BENCH / "make_archive.py"), "--kind", kind, "--count", str(count),
                            "--out", str(folder), "--seed", str(self.args.seed), "--form", form],
                           self.logs, f"make_archive_{form}", self.timeout)
        stamp.write_text(key)
        result["documents"] = len([p for p in folder.iterdir() if p.suffix in (".txt", ".md")])
        return result

    def write_config(self) -> Path:
        config = self.base / "site.yaml"
        text = (REPO / "site.yaml").read_text(encoding="utf-8")
        import yaml

        data = yaml.safe_load(text) or {}
        paths = data.setdefault("paths", {})
        for key in ("templates", "static"):
            paths[key] = str(REPO / paths.get(key, key))
        paths["sources"] = str(self.base / "sources")
        paths["content"] = str(self.base / "content")
        paths["output"] = str(self.base / "site")
        paths["cache"] = str(self.base / "cache")
        for key, value in list((data.get("data") or {}).items()):
            data["data"][key] = str(REPO / value)
        config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return config

    def ingest(self) -> dict:
        content = self.base / "content"
        if content.exists():
            shutil.rmtree(content)
        result = run_child([PY, "build.py", "--config", str(self.config), "ingest", str(self.base / "sources"),
                            "--content", str(content)], self.logs, "ingest", self.timeout)
        result["documents"] = len(list(content.glob("*.md"))) if content.is_dir() else 0
        if not result["documents"]:
            raise RuntimeError(f"ingest wrote no content files ({result.get('warning', '')})")
        return result

    def build(self, content: Path, name: str = "build") -> dict:
        if name == "build":  # a full build: nothing left from an earlier run may be reused
            for folder in ("site", "cache", "site.cache", "staff-index"):  # cache: paths.cache in write_config
                shutil.rmtree(self.base / folder, ignore_errors=True)
        result = run_child([PY, "build.py", "--config", str(self.config), "build", "--content", str(content),
                            "--out", str(self.base / "site")], self.logs, name, self.timeout)
        if not (self.base / "site").is_dir():
            raise RuntimeError("build wrote no site folder")
        return result

    def measure_site(self) -> dict:
        site = self.base / "site"
        whole = tree_size(site, exclude=PAGEFIND_DIR)
        search = tree_size(site / "search") if (site / "search").is_dir() else {"bytes": 0, "mb": 0, "files": 0}
        return {"site": whole, "search": search, "search_html": (site / "search.html").is_file()}

    # -- ground truth --

    def load_truth(self, content: Path) -> dict:
        from archive.document import split_front_matter

        docs: dict[str, str] = {}
        for path in sorted(content.glob("*.md")):
            meta, body, _ = split_front_matter(path.read_text(encoding="utf-8"), path)
            meta = meta or {}
            doc_id = str(meta.get("id") or path.stem)
            fields = [text for key, value in meta.items() if key not in NOT_TEXT for text in strings(value)]
            docs[doc_id] = fold("\n".join(fields + [body]))
            self.titles[doc_id] = str(meta.get("title") or "")
        self.truth_docs = docs
        return {"documents": len(docs)}

    def truth(self, query: str) -> set[str]:
        terms = query_terms(query)
        return {doc_id for doc_id, text in self.truth_docs.items() if all(t in text for t in terms)}

    # -- Pagefind --

    def pagefind_index(self) -> dict:
        site = self.base / "site"
        out = site / PAGEFIND_DIR
        if out.exists():
            shutil.rmtree(out)
        result = run_child([PY, "-m", "pagefind", "--site", str(site), "--output-subdir", PAGEFIND_DIR,
                            "--glob", DOC_PAGE_GLOB], self.logs, "pagefind", self.timeout)
        text = (self.logs / "pagefind.out").read_text(encoding="utf-8", errors="replace")
        pages = re.search(r"Indexed (\d+) pages", text)
        words = re.search(r"Indexed (\d+) words", text)
        result.update(pages=int(pages.group(1)) if pages else None, words=int(words.group(1)) if words else None,
                      bundle=tree_size(out))
        (out / "bench.html").write_text("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                                        "<title>pagefind bench</title></head><body></body></html>\n", encoding="utf-8")
        # Result id -> page URL, read from the fragments here so recall needs no fragment downloads.
        import gzip

        mapping = {}
        for fragment in (out / "fragment").glob("*.pf_fragment"):
            raw = gzip.decompress(fragment.read_bytes())
            if raw.startswith(b"pagefind_dcd"):
                raw = raw[len(b"pagefind_dcd"):]
            mapping[fragment.name[:-len(".pf_fragment")]] = json.loads(raw)["url"]
        self.pagefind_urls = mapping
        return result


def file_digest(path: Path) -> str:
    import hashlib

    return hashlib.sha1(path.read_bytes()).hexdigest()[:12]


# ───────────────────────────── the browser ─────────────────────────────

# What a person sees first: the first page of results, with the exact total (as Pagefind's UI shows 10).
FIRST_PAGE = 10

OURS_JS = """async ([q, timeout, repeats]) => {
  const limit = (p) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error('timeout after ' + timeout + ' ms')), timeout))]);
  const t0 = performance.now();
  const r = await limit((async () => {
    const deadline = Date.now() + timeout;
    while (!window.ArchiveSearch && Date.now() < deadline) await new Promise(ok => setTimeout(ok, 5));
    if (!window.ArchiveSearch) throw new Error('window.ArchiveSearch is not defined on search.html');
    await window.ArchiveSearch.ready;
    return await window.ArchiveSearch.search(q, {limit: FIRST_PAGE});
  })());
  const t1 = performance.now();
  const results = (r && r.results) || [];
  return {total: r ? r.total : null, ids: results.map(x => x.id), urls: results.map(x => x.url),
          search_ms: t1 - t0, since_navigation_ms: t1};
}""".replace("FIRST_PAGE", str(FIRST_PAGE))

# Every match, for recall and precision: asked after the first page was measured, so it is not counted.
OURS_ALL_JS = """async ([q, timeout]) => {
  const r = await Promise.race([window.ArchiveSearch.search(q, {limit: null}),
                                new Promise((_, no) => setTimeout(() => no(new Error('timeout')), timeout))]);
  return {ids: r.results.map(x => x.id), urls: r.results.map(x => x.url)};
}"""

OURS_REPEAT_JS = """async ([q, timeout]) => {
  const t0 = performance.now();
  await Promise.race([window.ArchiveSearch.search(q, {limit: FIRST_PAGE}),
                      new Promise((_, no) => setTimeout(() => no(new Error('timeout')), timeout))]);
  return performance.now() - t0;
}""".replace("FIRST_PAGE", str(FIRST_PAGE))

# Pagefind: what its UI does for a first screen -- search, then load the first 10 results' data.
PAGEFIND_JS = """async ([q, timeout, dir]) => {
  const limit = (p) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error('timeout after ' + timeout + ' ms')), timeout))]);
  const t0 = performance.now();
  const out = await limit((async () => {
    const pf = await import('/' + dir + '/pagefind.js');
    window.__pf = pf;
    await pf.init();
    const r = await pf.search(q);
    const shown = await Promise.all(r.results.slice(0, 10).map(x => x.data()));
    return {total: r.results.length, ids: r.results.map(x => x.id), urls: shown.map(d => d.url)};
  })());
  const t1 = performance.now();
  return Object.assign(out, {search_ms: t1 - t0, since_navigation_ms: t1});
}"""

PAGEFIND_REPEAT_JS = """async ([q, timeout]) => {
  const t0 = performance.now();
  await Promise.race([(async () => { const r = await window.__pf.search(q);
                                     await Promise.all(r.results.slice(0, 10).map(x => x.data())); })(),
                      new Promise((_, no) => setTimeout(() => no(new Error('timeout')), timeout))]);
  return performance.now() - t0;
}"""


# Known-item ranking: each of KNOWN_ITEMS titles asked in one page, the first 10 results kept.
KNOWN_ITEMS = 200
OURS_RANKS_JS = """async ([queries]) => {
  await window.ArchiveSearch.ready;
  const out = [];
  for (const q of queries) out.push((await window.ArchiveSearch.search(q, {limit: 10})).results.map(x => x.id));
  return out;
}"""
PAGEFIND_RANKS_JS = """async ([queries, dir]) => {
  const pf = await import('/' + dir + '/pagefind.js');
  await pf.init();
  const out = [];
  for (const q of queries) {
    const r = await pf.search(q);
    out.push((await Promise.all(r.results.slice(0, 10).map(x => x.data()))).map(d => d.url));
  }
  return out;
}"""


class Browser:
    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
        self.version = self.browser.version

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self._pw.stop()

    def first_query(self, url: str, js: str, js_args: list, repeat_js: str, repeat_args: list, timeout_s: float,
                    server: str, all_js: str | None = None) -> dict:
        """A fresh context (empty cache, cache disabled), navigate, run the query. Requests and bytes are
        counted by bench/serve.py (it sees the requests of workers too); CDP adds the decoded sizes."""
        context = self.browser.new_context()
        try:
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            net = {"requests": 0, "encoded": 0, "decoded": 0, "failed": 0, "urls": []}

            def will_send(event):
                if event["request"]["url"].startswith("http") and not event["request"]["url"].endswith("/favicon.ico"):
                    net["requests"] += 1
                    net["urls"].append(event["request"]["url"])

            def finished(event):
                net["encoded"] += event.get("encodedDataLength", 0)

            def data(event):
                net["decoded"] += event.get("dataLength", 0)

            def failed(event):
                net["failed"] += 1

            cdp.on("Network.requestWillBeSent", will_send)
            cdp.on("Network.loadingFinished", finished)
            cdp.on("Network.dataReceived", data)
            cdp.on("Network.loadingFailed", failed)
            page.set_default_timeout(timeout_s * 1000)
            server_stats(server, reset=True)
            started = time.perf_counter()
            page.goto(url, wait_until="load")
            result = page.evaluate(js, js_args)
            wall = time.perf_counter() - started
            page.wait_for_timeout(50)  # let the last loadingFinished events arrive
            sent = server_stats(server, reset=True)
            first = {"requests": sent["requests"], "kb": round(sent["bytes"] / 1024, 1),
                     "kb_body": round(sent["body_bytes"] / 1024, 1), "paths_sample": sent["paths"][:40],
                     "cdp_page_requests": net["requests"], "cdp_page_kb_decoded": round(net["decoded"] / 1024, 1),
                     "failed_requests": net["failed"],
                     "ms": round(result["since_navigation_ms"], 1), "search_ms": round(result["search_ms"], 1),
                     "wall_ms": round(wall * 1000, 1), "total": result["total"]}
            repeats = [page.evaluate(repeat_js, repeat_args) for _ in range(REPEATS)]
            again = server_stats(server, reset=True)
            first["repeat_requests"] = again["requests"]
            first["repeat_kb"] = round(again["bytes"] / 1024, 1)
            first["repeat_ms"] = round(statistics.median(repeats), 1)
            first["repeat_all_ms"] = [round(x, 1) for x in repeats]
            if all_js:
                # Every match, for recall; its failure (a timeout on a huge result set) is recorded
                # without losing the first-query figures above.
                try:
                    result.update(page.evaluate(all_js, repeat_args))
                except Exception as error:  # noqa: BLE001
                    first["all_error"] = error_text(error)
                    result["ids"] = result["urls"] = None
            return {"first": first, "result": result}
        finally:
            context.close()


def known_items(run: SizeRun, browser: Browser, port: int, engine: str) -> dict:
    """MRR@10 of KNOWN_ITEMS titles (drawn with the run's seed), each asked as typed: 1/rank of the
    first result with that title within the first 10, else 0."""
    import random

    ids = random.Random(run.args.seed).sample(sorted(i for i, t in run.titles.items() if t), KNOWN_ITEMS)
    titles = [run.titles[i] for i in ids]
    context = browser.browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(600_000)
        if engine == "ours":
            page.goto(f"http://127.0.0.1:{port}/search.html", wait_until="load")
            returned = page.evaluate(OURS_RANKS_JS, [titles])
        else:
            page.goto(f"http://127.0.0.1:{port}/{PAGEFIND_DIR}/bench.html", wait_until="load")
            returned = [[url_to_id(u) for u in urls] for urls in page.evaluate(PAGEFIND_RANKS_JS, [titles, PAGEFIND_DIR])]
    finally:
        context.close()
    ranks = [next((rank for rank, doc in enumerate(got, 1) if run.titles.get(str(doc)) == title), None)
             for title, got in zip(titles, returned)]
    return {"queries": len(titles), "mrr10": round(sum(1 / r for r in ranks if r) / len(ranks), 4),
            "found_in_10": sum(1 for r in ranks if r), "missed_examples": [t for t, r in zip(titles, ranks) if not r][:5]}


def server_stats(server: str, reset: bool = False) -> dict:
    import urllib.request

    with urllib.request.urlopen(f"{server}/__bench/{'reset' if reset else 'stats'}", timeout=10) as response:
        return json.loads(response.read())


def start_server(root: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([PY, str(BENCH / "serve.py"), str(root), "--gzip"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.match(r"PORT (\d+)", line or "")
    if not match:
        proc.kill()
        raise RuntimeError(f"bench/serve.py did not start: {line!r}")
    return proc, int(match.group(1))


def score(returned: list[str], truth: set[str]) -> dict:
    got = set(returned)
    hit = len(got & truth)
    return {"truth": len(truth), "returned": len(got),
            "recall": round(hit / len(truth), 4) if truth else None,
            "precision": round(hit / len(got), 4) if got else None,
            "missed_examples": sorted(truth - got)[:5], "extra_examples": sorted(got - truth)[:5]}


def browser_queries(run: SizeRun, browser: Browser, port: int, queries: list[dict], engine: str) -> dict:
    out = {}
    timeout_ms = run.args.query_timeout * 1000
    for item in queries:
        q = item["q"]
        try:
            if engine == "ours":
                measured = browser.first_query(f"http://127.0.0.1:{port}/search.html", OURS_JS, [q, timeout_ms, REPEATS],
                                               OURS_REPEAT_JS, [q, timeout_ms], run.args.query_timeout + 30,
                                               f"http://127.0.0.1:{port}", all_js=OURS_ALL_JS)
                returned = None if measured["result"]["ids"] is None else [str(x) for x in measured["result"]["ids"]]
                if returned is not None and not any(returned) and measured["result"]["urls"]:
                    returned = [url_to_id(u) for u in measured["result"]["urls"]]
            else:
                measured = browser.first_query(f"http://127.0.0.1:{port}/{PAGEFIND_DIR}/bench.html", PAGEFIND_JS,
                                               [q, timeout_ms, PAGEFIND_DIR], PAGEFIND_REPEAT_JS, [q, timeout_ms],
                                               run.args.query_timeout + 30, f"http://127.0.0.1:{port}")
                returned = [url_to_id(run.pagefind_urls.get(x, "")) for x in measured["result"]["ids"]]
            entry = dict(measured["first"])
            if returned is not None:
                entry.update(score(returned, run.truth(q)))
            else:
                log(f"{run.label}: {engine} query {q!r}: every match not fetched ({entry['all_error']}); recall not measured")
        except Exception as error:  # noqa: BLE001
            entry = {"error": error_text(error)}
            log(f"{run.label}: {engine} query {q!r} FAILED: {entry['error']}")
        out[q] = entry
    return out


# ───────────────────────────── incremental rebuilds ─────────────────────────────

def incremental(run: SizeRun, content: Path) -> dict:
    files = sorted(content.glob("*.md"))
    if len(files) < 3:
        raise RuntimeError("too few content files for the incremental test")
    out = {}
    out["nothing changed"] = run.build(content, "rebuild_nothing")
    edited = files[len(files) // 2]
    original = edited.read_text(encoding="utf-8")
    edited.write_text(original.rstrip("\n") + "\n\n基准测试修改：本段为增量构建测试而添加。\n", encoding="utf-8")
    out["edit one"] = run.build(content, "rebuild_edit")
    source = files[len(files) // 3].read_text(encoding="utf-8")
    added = content / "bench-added-0001.md"
    added.write_text(re.sub(r"(?m)^id: .*$", "id: bench-added-0001", source, count=1), encoding="utf-8")
    out["add one"] = run.build(content, "rebuild_add")
    added.unlink()
    out["delete one"] = run.build(content, "rebuild_delete")
    edited.write_text(original, encoding="utf-8")
    return out


# ───────────────────────────── one size, end to end ─────────────────────────────

def bench_size(label: str, args: argparse.Namespace, queries: list[dict], browser_holder: dict, save) -> dict:
    run = SizeRun(label, args, save)
    run.base.mkdir(parents=True, exist_ok=True)
    save.current = run.r
    run.config = run.write_config()

    if args.reuse_site:
        # Measure an existing site again (search and Pagefind only): no generation, ingest or build.
        content = next((run.base / name for name in ("content", "content-direct")
                        if (run.base / name).is_dir() and any((run.base / name).glob("*.md"))), run.base / "content")
        if not (run.base / "site").is_dir():
            run.r["stages"]["build"] = {"error": f"--reuse-site: no site in {run.base}"}
            return run.r
    else:
        run.stage("generate raw", lambda: run.generate("raw", run.base / "sources"))
        content = run.base / "content"
        if run.ok("generate raw") and not args.skip_ingest:
            run.stage("ingest", run.ingest)
        if not run.ok("ingest"):
            # Benchmark the build anyway, from content files written directly by the generator.
            content = run.base / "content-direct"
            run.stage("generate content (ingest unavailable)", lambda: run.generate("content", content))
        run.stage("build", lambda: run.build(content))
        if not run.ok("build"):
            return run.r
    run.r["content_from"] = content.name
    run.stage("site size", run.measure_site)
    run.stage("ground truth", lambda: run.load_truth(content))

    engines = ["ours"]
    if not args.skip_pagefind:
        if (run.count or 0) > args.pagefind_max:
            run.r["stages"]["pagefind index"] = {"error": f"skipped above {args.pagefind_max} documents "
                                                          f"(Pagefind needed 5.7 GB at 10,000; raise --pagefind-max to try)"}
        else:
            run.stage("pagefind index", run.pagefind_index)
            if run.ok("pagefind index"):
                engines.append("pagefind")

    if run.ok("ground truth") and not args.skip_browser:
        def queries_stage(engine):
            if "browser" not in browser_holder:
                browser_holder["browser"] = Browser()
            server, port = start_server(run.base / "site")
            try:
                return browser_queries(run, browser_holder["browser"], port, queries, engine)
            finally:
                server.terminate()
                server.wait(timeout=10)
        for engine in engines:
            run.stage(f"queries {engine}", lambda engine=engine: queries_stage(engine))

        def known_items_stage(engine):
            server, port = start_server(run.base / "site")
            try:
                return known_items(run, browser_holder["browser"], port, engine)
            finally:
                server.terminate()
                server.wait(timeout=10)
        if label == "laws":  # real titles: the known-item ranking the issue measures
            for engine in engines:
                run.stage(f"known items {engine}", lambda engine=engine: known_items_stage(engine))

    if not args.skip_incremental and not args.reuse_site:
        run.stage("incremental", lambda: incremental(run, content))
    return run.r


# ───────────────────────────── the table ─────────────────────────────

def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return text + unit


def ratio(a, b) -> str:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return f"{a / b:.2f}×"
    return ""


def get(d: dict, *path):
    for key in path:
        if not isinstance(d, dict):
            return None
        if "error" in d and key not in d:
            return ("ERR", d["error"])
        d = d.get(key)
    return d


def cell(value, unit=""):
    if isinstance(value, tuple) and value and value[0] == "ERR":
        return "ERROR"
    return fmt(value, unit)


def table(results: dict, queries: list[dict]) -> str:
    sizes = list(results["sizes"].values())
    rows: list[tuple[str, str, list[tuple[str, str, str]]]] = []  # (metric, target, [(ours, pf, ratio)] per size)
    errors: list[str] = []

    def add(metric, target, fn):
        cells = []
        for r in sizes:
            ours, pf = fn(r["stages"])
            o = ours if not isinstance(ours, tuple) or ours[0] != "ERR" else None
            p = pf if not isinstance(pf, tuple) or pf[0] != "ERR" else None
            cells.append((cell(ours), cell(pf), ratio(o, p)))
        rows.append((metric, target, cells))

    add("documents", "", lambda s: (get(s, "ground truth", "documents"), get(s, "pagefind index", "pages")))
    add("generate raw archive, s", "", lambda s: (get(s, "generate raw", "seconds"), None))
    add("ingest raw -> content/, s", "", lambda s: (get(s, "ingest", "seconds"), None))
    add("ingest peak RSS (largest process), MB", "", lambda s: (get(s, "ingest", "peak_rss_mb"), None))
    add("ingest peak RSS (process tree, summed), MB", "", lambda s: (get(s, "ingest", "peak_tree_rss_mb"), None))
    add("full build from content/ (PF: index), s", "≤60 s @10k; ≤480 s @100k",
        lambda s: (get(s, "build", "seconds"), get(s, "pagefind index", "seconds")))
    add("build peak RSS, largest process (PF: index), MB", "≤1024 @10k; ≤3072 @100k",
        lambda s: (get(s, "build", "peak_rss_mb"), get(s, "pagefind index", "peak_rss_mb")))
    add("build peak RSS, process tree summed (PF: index), MB", "",
        lambda s: (get(s, "build", "peak_tree_rss_mb"), get(s, "pagefind index", "peak_tree_rss_mb")))
    add("output size, MB", "", lambda s: (get(s, "site size", "site", "mb"), None))
    add("output files", "", lambda s: (get(s, "site size", "site", "files"), None))
    add("search index size (site/search/ vs PF bundle), MB", "≤2× Pagefind",
        lambda s: (get(s, "site size", "search", "mb"), get(s, "pagefind index", "bundle", "mb")))
    add("search index files", "≤ Pagefind", lambda s: (get(s, "site size", "search", "files"), get(s, "pagefind index", "bundle", "files")))
    for step in ("nothing changed", "edit one", "add one", "delete one"):
        add(f"rebuild after: {step}, s", "≤5 s @10k; ≤15 s @100k" if step == "edit one" else "",
            lambda s, step=step: (get(s, "incremental", step, "seconds"), None))
    add("rebuild after one edit: peak RSS (tree), MB", "",
        lambda s: (get(s, "incremental", "edit one", "peak_tree_rss_mb"), None))

    def q(engine_stage, qtext, key):
        def fn(s):
            return get(s, "queries ours", qtext, key), get(s, "queries pagefind", qtext, key)
        return fn

    blocks = [("first query, KB transferred", "kb", "≤100 KB @10k; ≤150 @100k"),
              ("first query, requests", "requests", ""),
              ("first query, ms to results", "ms", "≤200 ms @10k; ≤300 @100k"),
              ("repeated query, ms", "repeat_ms", "≤20 ms @10k; ≤30 @100k"),
              ("matches (substring scan)", "truth", ""),
              ("results returned", "returned", ""),
              ("recall", "recall", "1.00"),
              ("precision", "precision", "")]
    for title, key, target in blocks:
        for item in queries:
            add(f"{title}: {item['q']}", target, q(None, item["q"], key))
            target = ""

    def agg(key, how):
        def fn(s):
            out = []
            for stage in ("queries ours", "queries pagefind"):
                values = [v.get(key) for v in (s.get(stage) or {}).values() if isinstance(v, dict) and v.get(key) is not None]
                out.append(how(values) if values else None)
            return tuple(out)
        return fn
    add(f"known-item MRR@10 ({KNOWN_ITEMS} titles, laws only)", "≥0.98",
        lambda s: (get(s, "known items ours", "mrr10"), get(s, "known items pagefind", "mrr10")))
    add("ALL QUERIES: max first-query KB", "", agg("kb", max))
    add("ALL QUERIES: max first-query ms", "", agg("ms", max))
    add("ALL QUERIES: max repeated ms", "", agg("repeat_ms", max))
    add("ALL QUERIES: min recall", "", agg("recall", min))
    add("ALL QUERIES: min precision", "", agg("precision", min))

    for r in sizes:
        for name, value in r["stages"].items():
            if isinstance(value, dict) and "error" in value:
                errors.append(f"[{r['size']}] {name}: {value['error']}")
            if isinstance(value, dict):
                for qtext, entry in value.items():
                    if isinstance(entry, dict) and "error" in entry and name.startswith("queries"):
                        errors.append(f"[{r['size']}] {name} {qtext}: {entry['error']}")

    header = ["metric", "target"]
    for r in sizes:
        header += [f"{r['size']} ours", f"{r['size']} Pagefind", "ratio"]
    matrix = [header] + [[m, t] + [x for c in cells for x in c] for m, t, cells in rows]

    def width(text):
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    widths = [max(width(row[i]) for row in matrix) for i in range(len(header))]
    lines = []
    for n, row in enumerate(matrix):
        parts = []
        for i, text in enumerate(row):
            pad = widths[i] - width(text)
            parts.append(text + " " * pad if i < 2 else " " * pad + text)
        lines.append(" | ".join(parts))
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    if errors:
        lines.append("")
        lines.append("Errors (the run went on):")
        lines += [f"  {e}" for e in errors]
    return "\n".join(lines)


# ───────────────────────────── main ─────────────────────────────

def ensure_requirements() -> None:
    """Install bench/requirements.txt (Pagefind, and the test packages: Playwright) when missing,
    so the benchmark runs on a fresh clone after the README's first command."""
    try:
        import playwright  # noqa: F401
        found = subprocess.run([PY, "-m", "pagefind", "--version"], capture_output=True, timeout=60).returncode == 0
    except Exception:  # noqa: BLE001
        found = False
    if not found:
        log(f"installing {REPO / 'bench' / 'requirements.txt'} into {sys.prefix}")
        subprocess.run([PY, "-m", "pip", "install", "-q", "-r", str(REPO / "bench" / "requirements.txt")], check=False)


def pagefind_version() -> str | None:
    out = subprocess.run([PY, "-m", "pagefind", "--version"], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated document counts, or 'laws' (default 1000,10000)")
    parser.add_argument("--with-100k", action="store_true", help="also 100,000 documents")
    parser.add_argument("--skip-pagefind", action="store_true")
    parser.add_argument("--pagefind-max", type=int, default=20000, help="skip Pagefind above this many documents (memory)")
    parser.add_argument("--skip-ingest", action="store_true", help="build from generator-written content/ instead")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--reuse-site", action="store_true",
                        help="measure the sites already built under --out again (queries, Pagefind); no rebuild")
    parser.add_argument("--regenerate", action="store_true", help="regenerate archives even when up to date")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stage-timeout", type=float, default=None,
                        help="seconds before a generate/ingest/build/index step is killed (default max(1800, 0.12 × documents))")
    parser.add_argument("--query-timeout", type=float, default=60.0, help="seconds per browser query")
    parser.add_argument("--queries", type=Path, default=BENCH / "queries.yaml")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    args = parser.parse_args(argv)

    if not SHARED.is_dir():
        print(f"bench: {SHARED} is absent. The benchmark archives are made from ../shared "
              f"(corpora/laws, extra-docs); nothing to measure without it.")
        return 0
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    import yaml

    queries = yaml.safe_load(args.queries.read_text(encoding="utf-8"))["queries"]
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.with_100k and "100000" not in sizes:
        sizes.append("100000")

    results = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": {
        "cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "git": subprocess.run(["git", "log", "-1", "--format=%h %s"], cwd=REPO, capture_output=True, text=True).stdout.strip()},
        "args": {k: str(v) for k, v in vars(args).items()}, "queries": queries, "sizes": {}}
    ensure_requirements()
    if not args.skip_pagefind:
        results["machine"]["pagefind"] = pagefind_version()
        if not results["machine"]["pagefind"]:
            log("pagefind is not available; its columns will be empty")
            args.skip_pagefind = True
    json_path = args.out / "results.json"

    def save():
        if getattr(save, "current", None) is not None:
            results["sizes"][save.current["size"]] = save.current
        json_path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")

    browser_holder: dict = {}
    try:
        for label in sizes:
            bench_size(label, args, queries, browser_holder, save)
            save()
        if "browser" in browser_holder:
            results["machine"]["chromium"] = browser_holder["browser"].version
    finally:
        if "browser" in browser_holder:
            browser_holder["browser"].close()
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    save()
    text = table(results, queries)
    (args.out / "results.txt").write_text(text + "\n", encoding="utf-8")
    print(f"Benchmark, {results['machine']['cpus']} CPUs, {results['machine'].get('chromium', '')} "
          f"Pagefind {results['machine'].get('pagefind') or 'skipped'}; repo {results['machine']['git']}")
    print("ratio = ours / Pagefind. First query: fresh browser context, cache disabled, gzip server on 127.0.0.1; "
          "Pagefind's first query = search + data() of the first 10 results.")
    print(text)
    print(f"\nJSON: {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
