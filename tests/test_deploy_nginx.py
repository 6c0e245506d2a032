"""deploy/nginx-archive.conf on Debian's nginx: the fixture site served from 127.0.0.1 as on an
intranet server, checked for types, compression, cache lifetimes and the 404 page, then clicked
through and searched in Chromium."""

from __future__ import annotations

import gzip
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONFIG = REPO / "deploy" / "nginx-archive.conf"
HASHED = re.compile(r"(^|/)search/data/[0-9a-f]{16}/")
# What a browser must be told each kind of file is (charset where it is text).
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".xml": "text/xml; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def nginx(built_site, tmp_path_factory):
    """Base URL of nginx serving the built fixture site with deploy/'s configuration."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed; scripts/test.sh installs it (apt-get install nginx)")
    out, _ = built_site
    tmp = tmp_path_factory.mktemp("nginx")
    port = _free_port()
    site = CONFIG.read_text(encoding="utf-8")
    site, listens = re.subn(r"(?m)^(\s*)listen\s+[^;]+;", rf"\1listen 127.0.0.1:{port};", site)
    site, roots = re.subn(r"(?m)^(\s*)root\s+[^;]+;", rf"\1root {out};", site)
    assert listens == 1 and roots == 1, "deploy/nginx-archive.conf should have one listen and one root line"
    (tmp / "site.conf").write_text(site, encoding="utf-8")
    # The main file a Debian server has in /etc/nginx/nginx.conf, cut to what this test needs and
    # kept in tmp (pid, logs, temporary files). Workers run as root here only to read pytest's tmp.
    temporary = " ".join(f"{name}_temp_path {tmp / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(f"""
user root;
worker_processes 1;
pid {tmp / 'nginx.pid'};
error_log {tmp / 'error.log'};
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp / 'access.log'};
    {temporary}
    include {tmp / 'site.conf'};
}}
""", encoding="utf-8")
    command = [NGINX, "-e", str(tmp / "error.log"), "-c", str(tmp / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE, text=True)
    while True:  # until nginx listens, or has ended
        if process.poll() is not None:
            pytest.fail(f"nginx did not start: {process.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", out
    process.terminate()
    process.wait()


def _get(url: str, **headers: str):
    """(status, headers, body as sent) of a GET, errors included."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_every_file_has_its_type_and_only_content_hashed_files_are_cached_long(nginx):
    base, out = nginx
    files = _files(out)
    assert any(HASHED.search(url) for url in files) and {Path(url).suffix for url in files} <= set(TYPES)
    wrong = []
    for url in files:
        status, headers, body = _get(base + url)
        cache = headers["Cache-Control"]
        expected = "public, max-age=31536000, immutable" if HASHED.search(url) else "no-cache"
        if (status, headers["Content-Type"], cache, body) != (200, TYPES[Path(url).suffix], expected, (out / url).read_bytes()):
            wrong.append(f"{url}: {status} {headers['Content-Type']!r} {cache!r}")
    assert wrong == []


def test_text_is_sent_compressed_to_browsers_that_ask(nginx):
    base, out = nginx
    for url in ["index.html", "static/style.css", "search/archive-search.js", "data/catalog.json", "data/catalog.csv"]:
        status, headers, body = _get(base + url, **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding", url
        assert gzip.decompress(body) == (out / url).read_bytes() and len(body) < len((out / url).read_bytes()), url
        assert _get(base + url)[1]["Content-Encoding"] is None, url  # and plain to those that do not


def test_an_unchanged_page_is_revalidated_without_its_body(nginx):
    base, _ = nginx
    _, headers, _ = _get(base + "index.html")
    status, _, body = _get(base + "index.html", **{"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


@pytest.mark.parametrize("url", ["no-such.html", "2024/no-such.html", "a/b/c/", "departments/no-such.html"])
def test_a_missing_page_gets_the_site_404_page_with_status_404(nginx, url):
    base, out = nginx
    status, headers, body = _get(base + url)
    assert (status, headers["Content-Type"], body) == (404, TYPES[".html"], (out / "404.html").read_bytes())


def test_a_visitor_clicks_through_and_searches_over_nginx(nginx, chromium):
    base, _ = nginx
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    failed = []
    page.on("pageerror", lambda error: failed.append(str(error)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(base)
    page.locator(".browse").get_by_role("link", name="2024年").click()
    assert page.url == base + "years/2024.html"
    page.get_by_role("link", name="区政府常务会议纪要（第73次）").click()
    assert page.url == base + "2024/cn-2024-minutes-73.html"
    page.locator(".gov-meta").get_by_role("link", name="上海市长宁区应急管理局").click()
    assert page.url == base + "departments/yingjiju.html"
    page.go_back()
    page.go_back()
    assert page.url == base + "years/2024.html"
    page.goto(base)
    page.fill("#home-q", "常务会议")
    page.locator(".big-search button").click()
    page.wait_for_selector(".search-result")
    assert "常务会议" in page.locator(".search-result").first.inner_text()
    page.locator(".search-result a").first.click()
    page.wait_for_load_state("load")
    assert re.fullmatch(re.escape(base) + r"\d{4}/cn-[a-z0-9-]+\.html(\?.*)?", page.url)
    context.close()
    assert failed == []


def test_the_404_page_below_the_root_has_its_style_sheet_and_working_links(nginx, chromium):
    base, _ = nginx
    page = chromium.new_page()
    page.goto(base + "2024/no-such.html")
    loaded = page.evaluate("() => [...document.styleSheets].map(sheet => sheet.cssRules.length)")
    home = page.get_by_role("link", name="首页").first.get_attribute("href")
    page.close()
    assert loaded and all(loaded)
    assert _get(urllib.parse.urljoin(base + "2024/no-such.html", home))[0] == 200
